import { ChangeDetectionStrategy, Component, computed, DestroyRef, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { NgTemplateOutlet } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { errorMessages } from '@web-shared/fhir';
import { DocumentDownloadService } from '../document-download.service';
import { formatFhirDate } from '../format-date';
import type { PracticeRecord, RecordFile, SectionState } from '../record-model';

/** What an empty section says: the patient should know it is the practice's choice, not a fault. */
export const NOTHING_SHARED = 'Nothing shared here yet — your practice decides what appears here.';

let nextId = 0;

/**
 * One practice's part of the patient's record: a heading with the practice's name, then notes,
 * results, medications, allergies, immunizations and documents, each with its own empty and error
 * state. Text from the record is interpolated (Angular escapes it), never bound as HTML.
 */
@Component({
  selector: 'pp-practice-record',
  imports: [MatButtonModule, NgTemplateOutlet],
  templateUrl: './practice-record.html',
  styleUrl: './practice-record.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PracticeRecordView {
  private readonly downloads = inject(DocumentDownloadService);
  private readonly destroyRef = inject(DestroyRef);

  readonly record = input.required<PracticeRecord>();

  /** Unique per instance: the headings label their sections (aria-labelledby). */
  protected readonly idPrefix = `pp-record-${nextId++}`;
  protected readonly nothingShared = NOTHING_SHARED;
  protected readonly heading = computed(() => {
    const record = this.record();
    return record.severalPeople ? `${record.practiceName} · ${record.patientName}` : record.practiceName;
  });

  /** The file being downloaded (its button is disabled meanwhile), and why the last download failed. */
  protected readonly downloading = signal<RecordFile | undefined>(undefined);
  protected readonly downloadErrors = signal<string[]>([]);

  /** Nothing at all from this practice: one sentence says so instead of six empty sections. */
  protected readonly allEmpty = computed(() => {
    const r = this.record();
    return [r.notes, r.results, r.medications, r.allergies, r.immunizations, r.documents].every((s) => this.empty(s));
  });

  protected date(value: string | undefined): string {
    return formatFhirDate(value);
  }

  protected empty(state: SectionState<unknown>): boolean {
    return !state.errors && state.items.length === 0;
  }

  protected download(file: RecordFile): void {
    this.downloading.set(file);
    this.downloadErrors.set([]);
    this.downloads
      .download(file)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: () => this.downloading.set(undefined),
        error: (error: unknown) => {
          this.downloading.set(undefined);
          this.downloadErrors.set(errorMessages(error));
        },
      });
  }
}
