import { Component, computed, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { type MatSlideToggleChange, MatSlideToggleModule } from '@angular/material/slide-toggle';
import { RouterLink } from '@angular/router';
import { type DocumentReference, errorMessages, isVersionConflict } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { BlobSaver } from '../documents/blob-saver';
import { contentErrorMessages, DocumentApi } from '../documents/document-api';
import { documentTypeText, fileName, firstAttachment, subjectPatientId } from '../documents/document-model';
import { appendNew, MorePages } from '../paging/more-pages';
import { ShowMore } from '../paging/show-more/show-more';
import { displayName } from '../patients/patient-name';
import { formatFhirDate } from '../patients/chart/chart-model';
import { ProfileChanges } from '../profile-changes/profile-changes/profile-changes';

interface InboxItem {
  id: string;
  document: DocumentReference & { id: string };
  date: string;
  patientId: string | undefined;
  patient: string;
  type: string;
  description: string;
  file: string;
}

/** A failed action, shown on its item: the words, and whether the list must be read again (412). */
interface ItemError {
  id: string;
  messages: string[];
  conflict: boolean;
}

/**
 * The practice's inbox (/inbox): documents patients submitted (origin `patient`) that no one has
 * marked reviewed, newest first, or with "Show reviewed" the reviewed ones (decision 0023); below the
 * new ones, patients' profile changes (profile-changes/, decision 0028). Which
 * practice's items appear is the server's access rule: the practitioner sees their practices' patients.
 */
@Component({
  selector: 'pc-inbox-page',
  imports: [
    ErrorMessages,
    RouterLink,
    MatButtonModule,
    MatProgressBarModule,
    MatSlideToggleModule,
    ShowMore,
    ProfileChanges,
  ],
  templateUrl: './inbox-page.html',
  styleUrl: './inbox-page.css',
})
export class InboxPage {
  private readonly api = inject(DocumentApi);
  private readonly saver = inject(BlobSaver);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly showReviewed = signal(false);
  protected readonly documents = signal<DocumentReference[]>([]);
  private readonly patientNames = signal<ReadonlyMap<string, string>>(new Map());
  protected readonly loading = signal(false);
  protected readonly loadErrors = signal<string[]>([]);
  protected readonly itemError = signal<ItemError | null>(null);
  /** The item whose request is running (download or mark). */
  protected readonly busyId = signal<string | null>(null);
  /** What the last action did, for the polite live region. */
  protected readonly announcement = signal('');
  protected readonly more = new MorePages<DocumentReference>('DocumentReference', (items) => {
    const { list, added } = appendNew(this.documents(), items);
    this.documents.set(list);
    this.loadNames(items);
    return added;
  });

  protected readonly items = computed<InboxItem[]>(() =>
    this.documents()
      .filter((d): d is DocumentReference & { id: string } => !!d.id)
      .map((document) => {
        const patientId = subjectPatientId(document);
        const attachment = firstAttachment(document);
        return {
          id: document.id,
          document,
          date: formatFhirDate(document.date) || 'No date',
          patientId,
          patient: (patientId && this.patientNames().get(patientId)) || document.subject?.display || 'Unknown patient',
          type: documentTypeText(document),
          description: document.description ?? '',
          file: attachment?.title || (attachment ? 'Unnamed file' : 'No file'),
        };
      }),
  );

  constructor() {
    this.load();
  }

  protected toggleReviewed(change: MatSlideToggleChange): void {
    this.showReviewed.set(change.checked);
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.loadErrors.set([]);
    this.more.start({ items: [] });
    this.itemError.set(null);
    this.api
      .inbox(this.showReviewed())
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (page) => {
          this.documents.set(page.items);
          this.more.start(page);
          this.loading.set(false);
          this.loadNames(page.items);
        },
        error: (error: unknown) => {
          this.documents.set([]);
          this.more.start({ items: [] });
          this.loadErrors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  /** One search names every patient listed; a failure leaves the references' displays. */
  private loadNames(documents: DocumentReference[]): void {
    const ids = [...new Set(documents.map(subjectPatientId).filter((id): id is string => !!id))];
    const missing = ids.filter((id) => !this.patientNames().has(id));
    if (missing.length === 0) return;
    this.api
      .patients(missing)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (patients) => {
          const names = new Map(this.patientNames());
          for (const patient of patients) if (patient.id) names.set(patient.id, displayName(patient));
          this.patientNames.set(names);
        },
        error: () => undefined,
      });
  }

  protected download(item: InboxItem): void {
    this.busyId.set(item.id);
    this.itemError.set(null);
    this.api
      .content(item.document)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (blob) => {
          this.busyId.set(null);
          this.saver.save(blob, fileName(firstAttachment(item.document)));
          this.announcement.set(`Downloading ${item.file}.`);
        },
        error: (error: unknown) => {
          this.busyId.set(null);
          this.itemError.set({ id: item.id, messages: contentErrorMessages(error), conflict: false });
        },
      });
  }

  /** Marks the item reviewed (or new again, in the reviewed list); it then leaves this list. */
  protected setReviewed(item: InboxItem): void {
    const reviewed = !this.showReviewed();
    this.busyId.set(item.id);
    this.itemError.set(null);
    this.api
      .setReviewed(item.document, reviewed)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: () => {
          this.busyId.set(null);
          this.documents.update((all) => all.filter((d) => d.id !== item.id));
          this.announcement.set(`${item.file} from ${item.patient} marked ${reviewed ? 'reviewed' : 'as new'}.`);
        },
        error: (error: unknown) => {
          this.busyId.set(null);
          const conflict = isVersionConflict(error);
          const messages = conflict
            ? ['This document changed since the list was read (the patient may have updated it). Reload the list.']
            : errorMessages(error);
          this.itemError.set({ id: item.id, messages, conflict });
        },
      });
  }
}
