import { Component, computed, DestroyRef, effect, inject, input, output, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { MatSlideToggleChange } from '@angular/material/slide-toggle';
import { type DocumentReference, errorMessages } from '@web-shared/fhir';
import { BlobSaver } from '../../../documents/blob-saver';
import { contentErrorMessages, DocumentApi } from '../../../documents/document-api';
import {
  contentTypeOf,
  documentTypeText,
  fileName,
  firstAttachment,
  fromPatient,
  previewKind,
} from '../../../documents/document-model';
import { appendNew, MorePages } from '../../../paging/more-pages';
import { ShowMore } from '../../../paging/show-more/show-more';
import { ChartApi } from '../chart-api';
import { ShareSwitch } from '../share-switch/share-switch';
import { ChartUpload } from '../chart-upload/chart-upload';
import { PdfViewer } from '../pdf-viewer/pdf-viewer';
import { formatFhirDate, isShared, sharedByDefault } from '../chart-model';
import type { ChartItem } from '../chart-types';

interface DocumentRow {
  id: string;
  document: DocumentReference & { id: string };
  date: string;
  type: string;
  description: string;
  file: string;
  fromPatient: boolean;
  shared: boolean;
  byDefault: boolean;
  preview: 'image' | 'pdf' | undefined;
}

/**
 * The open preview of bytes fetched by the console: an image from an object URL, or a PDF drawn onto
 * canvases by pdf.js (PdfViewer; Chromium shows no PDF in a sandboxed iframe).
 */
type Preview =
  | { id: string; kind: 'image'; file: string; objectUrl: string }
  | { id: string; kind: 'pdf'; file: string; data: Blob };

/**
 * The chart's documents: the patient's DocumentReferences other than clinical notes (uploads by the
 * patient or the practice), newest first, with "From patient", download, "Shared with patient"
 * (not for the patient's own submissions, which they always see) and a preview of JPEG, PNG and PDF;
 * above them the practice's "Upload a document" form.
 */
@Component({
  selector: 'pc-chart-documents',
  imports: [ChartUpload, MatButtonModule, MatProgressBarModule, PdfViewer, ShareSwitch, ShowMore],
  templateUrl: './chart-documents.html',
  styleUrl: './chart-documents.css',
})
export class ChartDocuments {
  readonly patientId = input.required<string>();
  /** The practice shares documents with patients by default (its record-sharing-default has `documents`). */
  readonly sharedByDefault = input(false);
  /** The documents listed, for the sharing history. */
  readonly listed = output<ChartItem[]>();
  readonly sharingChanged = output<void>();

  private readonly api = inject(DocumentApi);
  private readonly chartApi = inject(ChartApi);
  private readonly saver = inject(BlobSaver);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly documents = signal<DocumentReference[]>([]);
  protected readonly loading = signal(false);
  protected readonly loadErrors = signal<string[]>([]);
  protected readonly actionErrors = signal<string[]>([]);
  protected readonly busy = signal(false);
  protected readonly preview = signal<Preview | null>(null);
  protected readonly more = new MorePages<DocumentReference>('DocumentReference', (items) => {
    const { list, added } = appendNew(this.documents(), items);
    this.documents.set(list);
    this.emitListed();
    return added;
  });

  protected readonly rows = computed<DocumentRow[]>(() =>
    this.documents()
      .filter((d): d is DocumentReference & { id: string } => !!d.id)
      .map((document) => {
        const attachment = firstAttachment(document);
        const own = fromPatient(document);
        return {
          id: document.id,
          document,
          date: formatFhirDate(document.date),
          type: documentTypeText(document),
          description: document.description ?? '',
          file: attachment?.title || (attachment ? 'Unnamed file' : 'No file'),
          fromPatient: own,
          shared: isShared(document, 'patient'),
          byDefault: !own && sharedByDefault(document, this.sharedByDefault()),
          preview: previewKind(attachment),
        };
      }),
  );

  constructor() {
    effect(() => {
      const patientId = this.patientId();
      untracked(() => this.load(patientId));
    });
    this.destroyRef.onDestroy(() => this.closePreview());
  }

  protected reload(): void {
    this.load(this.patientId());
  }

  private load(patientId: string): void {
    this.loading.set(true);
    this.loadErrors.set([]);
    this.more.start({ items: [] });
    this.closePreview();
    this.api
      .patientDocuments(patientId)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (page) => {
          this.documents.set(page.items);
          this.more.start(page);
          this.loading.set(false);
          this.emitListed();
        },
        error: (error: unknown) => {
          this.loadErrors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  /** A document just uploaded from the chart: first in the list (newest first), not shared. */
  protected added(document: DocumentReference): void {
    this.documents.update((all) => [document, ...all.filter((d) => d.id !== document.id)]);
    this.emitListed();
  }

  private emitListed(): void {
    this.listed.emit(
      this.rows().map((row) => ({
        reference: `DocumentReference/${row.id}`,
        label: row.date ? `${row.type} “${row.file}” of ${row.date}` : `${row.type} “${row.file}”`,
      })),
    );
  }

  protected download(row: DocumentRow): void {
    this.busy.set(true);
    this.actionErrors.set([]);
    this.api
      .content(row.document)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (blob) => {
          this.busy.set(false);
          this.saver.save(blob, fileName(firstAttachment(row.document)));
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.actionErrors.set(contentErrorMessages(error));
        },
      });
  }

  /**
   * Fetches the bytes and shows them: an image from an object URL, a PDF in PdfViewer. The Blob is
   * re-typed with the stored type, which is one of PREVIEW_TYPES, so the <img> never gets HTML or SVG
   * whatever the response said.
   */
  protected openPreview(row: DocumentRow): void {
    const kind = row.preview;
    if (!kind) return;
    const type = contentTypeOf(firstAttachment(row.document));
    this.busy.set(true);
    this.actionErrors.set([]);
    this.api
      .content(row.document)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (blob) => {
          this.busy.set(false);
          this.closePreview();
          const data = new Blob([blob], { type });
          this.preview.set(
            kind === 'pdf'
              ? { id: row.id, kind, file: row.file, data }
              : { id: row.id, kind, file: row.file, objectUrl: URL.createObjectURL(data) },
          );
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.actionErrors.set(contentErrorMessages(error));
        },
      });
  }

  protected closePreview(): void {
    const open = this.preview();
    if (!open) return;
    if (open.kind === 'image') URL.revokeObjectURL(open.objectUrl);
    this.preview.set(null);
  }

  protected toggleShare(row: DocumentRow, change: MatSlideToggleChange): void {
    this.busy.set(true);
    this.actionErrors.set([]);
    this.chartApi
      .setShared(row.document, 'patient', change.checked)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (saved) => {
          this.busy.set(false);
          this.documents.update((all) => all.map((d) => (d.id === saved.id ? saved : d)));
          this.sharingChanged.emit();
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.actionErrors.set(errorMessages(error));
          change.source.checked = !change.checked;
        },
      });
  }
}
