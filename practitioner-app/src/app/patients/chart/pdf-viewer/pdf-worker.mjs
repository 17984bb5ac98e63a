// pdf.js's parser, bundled by the Angular build as a module worker with a hashed name (pdf-engine.ts
// starts it): the worker always matches the pdf.js API version the console was built with, also
// right after an upgrade while an hour-old copy may still sit in a browser's cache.
import 'pdfjs-dist/build/pdf.worker.min.mjs';
