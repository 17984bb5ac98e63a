// `@web-shared/documents`: what both apps do to upload a document (checks, kinds, the raw Binary POST).
export { attachmentFor, BinaryUpload, isFileRefusal } from './binary-upload';
export { DocumentFields } from './document-fields/document-fields';
export {
  DOCUMENT_KINDS,
  type DocumentKind,
  documentKindType,
  fileProblems,
  LOINC,
  MAX_UPLOAD_BYTES,
  UPLOAD_ACCEPT,
  UPLOAD_TYPES,
  uploadDisposition,
  uploadType,
} from './upload-rules';
