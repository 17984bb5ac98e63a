import { Component, computed, DestroyRef, effect, inject, input, output, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { MatSlideToggleChange } from '@angular/material/slide-toggle';
import type { DocumentReference } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
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
import { ShowMore } from '../../../paging/show-more/show-more';
import { ChartApi } from '../chart-api';
import { ChartList } from '../chart-list';
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
  imports: [ChartUpload, ErrorMessages, MatButtonModule, MatProgressBarModule, PdfViewer, ShareSwitch, ShowMore],
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

  protected readonly list = new ChartList<DocumentReference>('DocumentReference', () => this.emitListed());
  protected readonly preview = signal<Preview | null>(null);

  protected readonly rows = computed<DocumentRow[]>(() =>
    this.list
      .items()
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
    this.closePreview();
    this.list.load(this.api.patientDocuments(patientId));
  }

  /** A document just uploaded from the chart: first in the list (newest first), not shared. */
  protected added(document: DocumentReference): void {
    this.list.prepend(document);
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
    this.list.run(
      this.api.content(row.document),
      (blob) => this.saver.save(blob, fileName(firstAttachment(row.document))),
      { messages: contentErrorMessages },
    );
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
    this.list.run(
      this.api.content(row.document),
      (blob) => {
        this.closePreview();
        const data = new Blob([blob], { type });
        this.preview.set(
          kind === 'pdf'
            ? { id: row.id, kind, file: row.file, data }
            : { id: row.id, kind, file: row.file, objectUrl: URL.createObjectURL(data) },
        );
      },
      { messages: contentErrorMessages },
    );
  }

  protected closePreview(): void {
    const open = this.preview();
    if (!open) return;
    if (open.kind === 'image') URL.revokeObjectURL(open.objectUrl);
    this.preview.set(null);
  }

  protected toggleShare(row: DocumentRow, change: MatSlideToggleChange): void {
    this.list.run(
      this.chartApi.setShared(row.document, 'patient', change.checked),
      (saved) => {
        this.list.replace(saved);
        this.sharingChanged.emit();
      },
      // Refused: the switch goes back to the state the server still has.
      { failed: () => (change.source.checked = !change.checked) },
    );
  }
}
