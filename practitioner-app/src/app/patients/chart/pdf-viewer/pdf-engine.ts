import type * as PdfJsModule from 'pdfjs-dist';
import type { PDFDocumentLoadingTask } from 'pdfjs-dist';

/** What the viewer needs from pdf.js, loaded on first use so that the console's first load stays small. */
export type PdfJs = typeof PdfJsModule;

let loaded: Promise<PdfJs> | undefined;

/**
 * pdf.js, imported lazily (its own chunk) the first time a PDF preview opens, with its parser running
 * in one module worker shared by every document (a worker port survives each document's destroy()).
 */
export function loadPdfJs(): Promise<PdfJs> {
  loaded ??= import('pdfjs-dist').then((pdfjs) => {
    pdfjs.GlobalWorkerOptions.workerPort = new Worker(new URL('./pdf-worker.mjs', import.meta.url), { type: 'module' });
    return pdfjs;
  });
  return loaded;
}

/**
 * Opens PDF bytes for drawing pages onto canvases, and nothing more. The document runs nothing: pdf.js
 * has no script engine unless a viewer wires one in (we do not), XFA forms stay off, and the console
 * draws no annotation or text layer, so there is no link to follow, no form to fill. pdf.js 6 no longer
 * has the `isEvalSupported` option: it never compiles PDF functions with eval / new Function. No
 * WebAssembly decoders (the console's Content-Security-Policy allows no 'wasm-unsafe-eval') and no fetch
 * of fonts, CMaps or ICC profiles: the bytes given are all pdf.js reads; fonts a PDF does not embed
 * fall back to the system's.
 */
export function openPdf(pdfjs: PdfJs, data: Uint8Array): PDFDocumentLoadingTask {
  return pdfjs.getDocument({
    data,
    enableXfa: false,
    useWasm: false,
    disableWorkerRendering: true,
    stopAtErrors: false,
  });
}
