import { type Attachment, type DocumentReference, FHIR_BASE } from '@web-shared/fhir';
import { INBOX_SYSTEM, ORIGIN_SYSTEM } from '../patients/chart/chart-types';

/**
 * What the console reads from a document (a non-note DocumentReference): its marks (decision 0023),
 * where its content is (decision 0022), and which stored types it may preview.
 */

/** `record-origin|patient`: the patient (or a family member) submitted it. */
export function fromPatient(document: DocumentReference): boolean {
  return (document.meta?.tag ?? []).some((t) => t.system === ORIGIN_SYSTEM && t.code === 'patient');
}

/** `inbox|reviewed`: a member of staff has looked at it. */
export function isReviewed(document: DocumentReference): boolean {
  return (document.meta?.tag ?? []).some((t) => t.system === INBOX_SYSTEM && t.code === 'reviewed');
}

/**
 * The document with the reviewed mark added or removed, every other tag (owner, origin, sharing…)
 * kept exactly as read: the PUT replaces the whole resource, so a tag dropped here would be lost.
 */
export function withReviewed(document: DocumentReference, reviewed: boolean): DocumentReference {
  const others = (document.meta?.tag ?? []).filter((t) => !(t.system === INBOX_SYSTEM && t.code === 'reviewed'));
  const tag = reviewed ? [...others, { system: INBOX_SYSTEM, code: 'reviewed' }] : others;
  return { ...document, meta: { ...document.meta, tag } };
}

/** The document's first attachment (where uploads put the file). */
export function firstAttachment(document: DocumentReference): Attachment | undefined {
  return document.content?.[0]?.attachment;
}

/**
 * The same-origin path of an attachment's Binary (`Binary/1`, `/fhir/R4/Binary/1`,
 * `https://host/fhir/R4/Binary/1`, optionally `/_history/2`), or undefined for anything else: the
 * console fetches content only from its own FHIR API, never a URL a patient could have written.
 */
export function binaryPath(url: string | undefined): string | undefined {
  const match = /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(url ?? '');
  if (!match) return undefined;
  return `${FHIR_BASE}/Binary/${match[1]}${match[2] ?? ''}`;
}

/** The stored types the sandboxed viewer shows; never HTML or SVG, whatever the server would accept. */
export const PREVIEW_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'application/pdf'];

/** How a document can be previewed, from its stored content type (parameters such as `;charset` ignored). */
export function previewKind(attachment: Attachment | undefined): 'image' | 'pdf' | undefined {
  const type = (attachment?.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!PREVIEW_TYPES.includes(type)) return undefined;
  return type === 'application/pdf' ? 'pdf' : 'image';
}

/** The stored type without parameters, lower case. */
export function contentTypeOf(attachment: Attachment | undefined): string {
  return (attachment?.contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The name a download is saved under: the attachment's title, else "document". */
export function fileName(attachment: Attachment | undefined): string {
  return attachment?.title?.trim() || 'document';
}

/** A document's type as people read it: type.text, else a coding's display, else its code. */
export function documentTypeText(document: DocumentReference): string {
  const type = document.type;
  return type?.text || type?.coding?.find((c) => c.display)?.display || type?.coding?.[0]?.code || 'Document';
}

/** Inline base64 `data` as a Blob of the attachment's type. */
export function inlineBlob(attachment: Attachment): Blob {
  const bytes = Uint8Array.from(atob(attachment.data ?? ''), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type: attachment.contentType ?? 'application/octet-stream' });
}

/** The patient id of `subject` (`Patient/1`), if it is one. */
export function subjectPatientId(document: DocumentReference): string | undefined {
  return /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(document.subject?.reference ?? '')?.[1];
}
