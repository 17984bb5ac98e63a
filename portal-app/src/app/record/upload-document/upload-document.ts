import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  inject,
  input,
  linkedSignal,
  output,
  signal,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { DOCUMENT_KINDS, DocumentFields, uploadType } from '@web-shared/documents';
import { ErrorMessages } from '@web-shared/shell';
import {
  DocumentUploadService,
  type UploadOutcome,
  type UploadTarget,
  uploadProblems,
} from '../document-upload.service';
import type { PracticeRecord } from '../record-model';

let nextId = 0;

/**
 * "Send a document": a file, what it is, an optional note, and the practices that receive it (all by
 * default). Each chosen practice gets its own copy, filed in the patient's record there, where it is
 * new in the practice's inbox (decision 0023). `sent` fires when at least one practice has it, so the
 * page reloads the record and the new document is listed.
 */
@Component({
  selector: 'pp-upload-document',
  imports: [DocumentFields, ErrorMessages, MatButtonModule, MatProgressBarModule],
  templateUrl: './upload-document.html',
  styleUrl: './upload-document.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UploadDocument {
  private readonly service = inject(DocumentUploadService);
  private readonly destroyRef = inject(DestroyRef);

  readonly records = input.required<PracticeRecord[]>();
  readonly sent = output<void>();

  protected readonly id = `pp-upload-${nextId++}`;

  protected readonly targets = computed<UploadTarget[]>(() =>
    this.records()
      .filter((r) => r.patientIds.length > 0)
      .map((r) => ({
        patientId: r.patientIds[0],
        label: r.severalPeople ? `${r.practiceName} (for ${r.patientName})` : r.practiceName,
      })),
  );
  /** Chosen practices by Patient id: all of them whenever the list changes. */
  protected readonly chosen = linkedSignal(() => new Set(this.targets().map((t) => t.patientId)));
  protected readonly file = signal<File | undefined>(undefined);
  protected readonly typeLabel = signal<string>(DOCUMENT_KINDS[0].label);
  protected readonly note = signal('');

  protected readonly sending = signal(false);
  protected readonly progress = signal('');
  protected readonly problems = signal<string[]>([]);
  protected readonly failures = signal<{ label: string; text: string; messages: string[] }[]>([]);
  protected readonly success = signal('');

  protected chooseFile(file: File | undefined): void {
    this.file.set(file);
    this.success.set('');
    // Said at once, not only on "Send": a 60 MB video should not wait for the button. Only the file's
    // own problems here (1: the practices are checked on "Send").
    this.problems.set(file ? uploadProblems(file, 1) : []);
  }

  protected toggle(patientId: string, checked: boolean): void {
    const next = new Set(this.chosen());
    if (checked) next.add(patientId);
    else next.delete(patientId);
    this.chosen.set(next);
  }

  protected submit(event: Event): void {
    event.preventDefault();
    if (this.sending()) return;
    const file = this.file();
    const targets = this.targets().filter((t) => this.chosen().has(t.patientId));
    const problems = uploadProblems(file, targets.length);
    this.problems.set(problems);
    this.failures.set([]);
    this.success.set('');
    if (problems.length > 0 || !file) return;

    const request = {
      file,
      contentType: uploadType(file) ?? file.type,
      typeLabel: this.typeLabel(),
      note: this.note(),
    };
    const outcomes: UploadOutcome[] = [];
    this.sending.set(true);
    this.progress.set(progressText(file.name, targets, 0));
    this.service
      .upload(request, targets)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (outcome) => {
          outcomes.push(outcome);
          if (outcomes.length < targets.length) this.progress.set(progressText(file.name, targets, outcomes.length));
        },
        complete: () => this.finish(file.name, outcomes),
      });
  }

  private finish(fileName: string, outcomes: UploadOutcome[]): void {
    this.sending.set(false);
    this.progress.set('');
    const sentTo = outcomes.filter((o) => o.sent).map((o) => o.target.label);
    this.failures.set(
      outcomes.flatMap((o) =>
        o.sent
          ? []
          : [
              {
                label: o.target.label,
                text: failureText(o.target.label, o.stage),
                messages: o.messages,
              },
            ],
      ),
    );
    if (sentTo.length === 0) return;
    this.success.set(`“${fileName}” was sent to ${joinNames(sentTo)}. It is listed under Documents below.`);
    if (this.failures().length === 0) this.reset();
    this.sent.emit();
  }

  private reset(): void {
    this.file.set(undefined);
    this.note.set('');
    this.typeLabel.set(DOCUMENT_KINDS[0].label);
  }
}

function failureText(label: string, stage: 'file' | 'document' | 'skipped'): string {
  switch (stage) {
    case 'file':
      return `${label} did not receive the file.`;
    case 'document':
      return `The file reached ${label}, but it could not be added to your record there. Please send it again.`;
    case 'skipped':
      return `Not sent to ${label} either: it would refuse the file for the same reason.`;
  }
}

function progressText(fileName: string, targets: UploadTarget[], done: number): string {
  const count = targets.length > 1 ? ` (${done + 1} of ${targets.length})` : '';
  return `Sending “${fileName}” to ${targets[done].label}${count}…`;
}

function joinNames(names: string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
