import { ChangeDetectionStrategy, Component, DestroyRef, inject, input, output, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { AuthService } from '@web-shared/auth';
import { DocumentFields, fileProblems, uploadType } from '@web-shared/documents';
import { ErrorMessages } from '@web-shared/shell';
import type { DocumentReference } from '@web-shared/fhir';
import { DocumentApi, uploadErrorMessages } from '../../../documents/document-api';

let nextId = 0;

/**
 * "Upload a document" in the chart's documents: a letter, result, referral, image… for the patient,
 * owned by the practice and not shared until someone turns its "Shared with patient" switch on.
 * The file is checked here only for what is known in advance (chosen, not empty, not over 50 MB, a
 * type the server takes); the server checks the bytes and its refusal is shown in its own words.
 */
@Component({
  selector: 'pc-chart-upload',
  imports: [DocumentFields, ErrorMessages, MatButtonModule, MatProgressBarModule],
  templateUrl: './chart-upload.html',
  styleUrl: './chart-upload.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChartUpload {
  readonly patientId = input.required<string>();
  /** The DocumentReference the server created, for the list. */
  readonly uploaded = output<DocumentReference>();

  private readonly api = inject(DocumentApi);
  private readonly auth = inject(AuthService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly id = `pc-upload-${nextId++}`;

  protected readonly file = signal<File | undefined>(undefined);
  protected readonly kind = signal<string>('Letter');
  protected readonly description = signal('');
  protected readonly sending = signal(false);
  protected readonly problems = signal<string[]>([]);
  protected readonly status = signal('');

  protected chooseFile(file: File | undefined): void {
    this.file.set(file);
    this.status.set('');
    // Said at once: an empty or 60 MB file should not wait for the button.
    this.problems.set(file ? fileProblems(file) : []);
  }

  protected submit(event: Event): void {
    event.preventDefault();
    if (this.sending()) return;
    const file = this.file();
    const me = this.auth.fhirUser();
    const problems = fileProblems(file);
    if (!me) problems.push('You are not signed in as a practitioner, so you cannot upload documents.');
    this.problems.set(problems);
    this.status.set('');
    if (problems.length > 0 || !file || !me) return;

    const name = this.auth.displayName();
    const author = name && name !== me ? { reference: me, display: name } : { reference: me };
    const upload = {
      file,
      contentType: uploadType(file) ?? file.type,
      kind: this.kind(),
      description: this.description(),
    };
    this.sending.set(true);
    this.status.set(`Uploading “${file.name}”…`);
    this.api
      .upload(this.patientId(), upload, author)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (created) => {
          this.sending.set(false);
          this.status.set(`“${file.name}” was uploaded. It is not shared with the patient until you share it.`);
          this.reset();
          this.uploaded.emit(created);
        },
        error: (error: unknown) => {
          this.sending.set(false);
          this.status.set('');
          this.problems.set(uploadErrorMessages(error));
        },
      });
  }

  private reset(): void {
    this.file.set(undefined);
    this.description.set('');
    this.kind.set('Letter');
  }
}
