import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  input,
  output,
  signal,
  untracked,
  viewChild,
} from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { PDFDocumentLoadingTask, PDFDocumentProxy, RenderTask } from 'pdfjs-dist';
import { loadPdfJs, openPdf } from './pdf-engine';

/** Widest page drawn, in CSS pixels, when the viewer has no measured width yet. */
const FALLBACK_WIDTH = 800;

/**
 * A PDF shown in the console itself: pdf.js draws one page at a time onto a canvas as wide as the
 * viewer (so it fits a 390 px phone), with "Page N of M" and previous / next buttons. Chromium does
 * not show PDFs in a fully sandboxed iframe and an unsandboxed one would let the document run, so
 * nothing here is a plugin or a frame: only pixels. A PDF pdf.js cannot read gets a plain message
 * and a download button instead.
 */
@Component({
  selector: 'pc-pdf-viewer',
  imports: [MatButtonModule, MatProgressBarModule],
  templateUrl: './pdf-viewer.html',
  styleUrl: './pdf-viewer.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PdfViewer {
  /** The PDF's bytes, already fetched by the console. */
  readonly data = input.required<Blob>();
  /** The file's name, for the canvas's accessible label. */
  readonly file = input.required<string>();
  readonly downloadRequested = output<void>();

  protected readonly status = signal<'loading' | 'ready' | 'error'>('loading');
  protected readonly pageCount = signal(0);
  protected readonly pageNumber = signal(1);
  /** The page number the canvas shows once drawn, for its label. */
  protected readonly drawnPage = signal(0);

  private readonly canvas = viewChild<ElementRef<HTMLCanvasElement>>('canvas');
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private loadingTask: PDFDocumentLoadingTask | null = null;
  private document: PDFDocumentProxy | null = null;
  private renderTask: RenderTask | null = null;
  private destroyed = false;

  constructor() {
    effect(() => {
      const data = this.data();
      untracked(() => void this.open(data));
    });
    effect(() => {
      const number = this.pageNumber();
      const canvas = this.canvas()?.nativeElement;
      if (this.status() === 'ready' && canvas) untracked(() => void this.draw(number, canvas));
    });
    inject(DestroyRef).onDestroy(() => {
      this.destroyed = true;
      this.close();
    });
  }

  protected previous(): void {
    this.pageNumber.update((n) => Math.max(1, n - 1));
  }

  protected next(): void {
    this.pageNumber.update((n) => Math.min(this.pageCount(), n + 1));
  }

  private async open(data: Blob): Promise<void> {
    this.close();
    this.status.set('loading');
    this.pageNumber.set(1);
    this.drawnPage.set(0);
    try {
      const [pdfjs, bytes] = await Promise.all([loadPdfJs(), data.arrayBuffer()]);
      if (this.destroyed || data !== this.data()) return;
      const task = (this.loadingTask = openPdf(pdfjs, new Uint8Array(bytes)));
      const document = await task.promise;
      if (task !== this.loadingTask) return;
      this.document = document;
      this.pageCount.set(document.numPages);
      this.status.set('ready');
    } catch {
      if (!this.destroyed && data === this.data()) this.fail();
    }
  }

  private async draw(number: number, canvas: HTMLCanvasElement): Promise<void> {
    const document = this.document;
    if (!document) return;
    this.renderTask?.cancel();
    this.renderTask = null;
    try {
      const page = await document.getPage(number);
      if (document !== this.document || number !== this.pageNumber()) return;
      const width = this.host.nativeElement.clientWidth || FALLBACK_WIDTH;
      const ratio = window.devicePixelRatio || 1;
      // The canvas holds device pixels for the viewer's width; CSS scales it to 100 % of the width.
      const viewport = page.getViewport({ scale: (width * ratio) / page.getViewport({ scale: 1 }).width });
      canvas.width = Math.max(1, Math.floor(viewport.width));
      canvas.height = Math.max(1, Math.floor(viewport.height));
      // The canvas is pixels only: annotations with an appearance (stamps, filled fields) are drawn,
      // but no layer of links or form fields is built over it.
      const task = (this.renderTask = page.render({ canvas, viewport }));
      await task.promise;
      if (task === this.renderTask) this.drawnPage.set(number);
    } catch (error) {
      // A newer page asked for cancels the one being drawn: not a failure.
      if (error instanceof Error && error.name === 'RenderingCancelledException') return;
      if (document === this.document) this.fail();
    }
  }

  private fail(): void {
    this.close();
    this.status.set('error');
  }

  private close(): void {
    this.renderTask?.cancel();
    this.renderTask = null;
    this.document = null;
    const task = this.loadingTask;
    this.loadingTask = null;
    void task?.destroy();
  }
}
