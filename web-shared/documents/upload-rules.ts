import type { CodeableConcept } from '../fhir/fhir-types';

/**
 * What both apps check before uploading a document, and how they name it (decision 0022): the
 * portal's "Send a document" and the console's "Upload a document" send the same kinds of files
 * the same way. The server decides in the end (types from the bytes, its size limit); these checks
 * only spare a long wait for an answer known in advance.
 */

/** The server's default limit (BINARY_LIMIT_BYTES, 50 MiB). */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** The types the server accepts (server/fhir/binary/content-check.ts), by the extensions people know. */
export const UPLOAD_TYPES: Readonly<Record<string, string>> = {
  'application/pdf': '.pdf',
  'image/jpeg': '.jpg,.jpeg',
  'image/png': '.png',
  'image/heic': '.heic',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'text/plain': '.txt',
};

/** The file picker's `accept`: the types and their extensions (HEIC often comes without a type). */
export const UPLOAD_ACCEPT = [...Object.keys(UPLOAD_TYPES), ...Object.values(UPLOAD_TYPES)].join(',');

export const LOINC = 'http://loinc.org';

/**
 * What a document is, as people choose it. The label is `type.text`; where a LOINC document code
 * (US Core's DocumentReference type value set) says the same thing, it is the coding too. Letters,
 * images and "other" keep the text only: the LOINC codes near them (a generic note, a diagnostic
 * imaging study) would claim more than the person choosing said.
 */
export const DOCUMENT_KINDS = [
  { label: 'Referral', coding: { system: LOINC, code: '57133-1', display: 'Referral note' } },
  { label: 'Letter' },
  { label: 'Test result', coding: { system: LOINC, code: '11502-2', display: 'Laboratory report' } },
  { label: 'Image' },
  { label: 'Other' },
] as const;

export type DocumentKind = (typeof DOCUMENT_KINDS)[number]['label'];

/** The DocumentReference `type` for a kind's label (text only for a label not in the list). */
export function documentKindType(label: string): CodeableConcept {
  const kind = DOCUMENT_KINDS.find((k) => k.label === label);
  return kind && 'coding' in kind ? { coding: [{ ...kind.coding }], text: label } : { text: label };
}

/** The file's type as the server names it: the browser's, else from the extension (HEIC often has none). */
export function uploadType(file: File): string | undefined {
  if (file.type && file.type in UPLOAD_TYPES) return file.type;
  if (file.type) return undefined;
  const extension = /\.[^.]+$/.exec(file.name.toLowerCase())?.[0];
  if (!extension) return undefined;
  return Object.keys(UPLOAD_TYPES).find((type) => UPLOAD_TYPES[type].split(',').includes(extension));
}

/** What is wrong with the chosen file before anything is sent, in plain words; empty when it can go. */
export function fileProblems(file: File | undefined): string[] {
  if (!file) return ['Choose a file to send.'];
  const problems: string[] = [];
  if (file.size === 0) problems.push('The file you chose is empty.');
  else if (file.size > MAX_UPLOAD_BYTES)
    problems.push(`The file is ${megabytes(file.size)} MB; files of up to 50 MB can be sent.`);
  if (!uploadType(file))
    problems.push(
      'This kind of file cannot be sent. Send a PDF, a photo (JPEG, PNG or HEIC), a Word (.docx) or a text file.',
    );
  return problems;
}

/**
 * The file name for the server (RFC 6266): an ASCII stand-in in `filename`, the real name in
 * `filename*`. A header value outside Latin-1 would make the browser refuse the whole request.
 */
export function uploadDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
