import { fileTypeFromBuffer } from 'file-type';
import { badRequest, FhirError, outcome, unsupportedMediaType } from '../outcomes.ts';

/**
 * What a document upload may be, decided from its bytes and not only from what the client declares
 * (docs/decisions/0022-document-content.md). The server serves these bytes back to browsers, so
 * anything a browser could take for a page (HTML, SVG, XML, script) is refused however it is
 * labelled, and the type it is served with is the one checked here.
 */
export const ALLOWED_TYPES = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/heic': 'heic',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/plain': 'txt',
} as const;

export type AllowedType = keyof typeof ALLOWED_TYPES;

/** How much of the start of an upload is looked at before any of it is stored (file-type's ZIP walk for DOCX needs the first entries). */
export const HEAD_BYTES = 64 * 1024;

/** How far into the content markup is looked for: what browsers sniff, with a margin (WHATWG MIME Sniffing reads 1445 bytes). */
export const SNIFF_BYTES = 2048;

const ACCEPTED = `PDF, JPEG, PNG, HEIC, DOCX or plain text (${Object.keys(ALLOWED_TYPES).join(', ')})`;

export function isAllowedType(type: string): type is AllowedType {
  return Object.hasOwn(ALLOWED_TYPES, type);
}

/**
 * The declared media type of an upload, when it is one we accept (415 otherwise). Plain text must be
 * UTF-8 (a `charset` other than utf-8 is refused rather than served wrongly).
 */
export function declaredType(contentType: string | undefined): AllowedType {
  const [type = '', ...params] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (!isAllowedType(type))
    throw unsupportedMediaType(
      `Documents are accepted as ${ACCEPTED}; the declared type '${(contentType ?? 'none').slice(0, 100)}' is not one of them`,
    );
  const charset = params
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/"/g, '');
  if (type === 'text/plain' && charset !== undefined && charset !== 'utf-8')
    throw unsupportedMediaType(`Plain text is accepted as UTF-8 only, not charset=${charset.slice(0, 40)}`);
  return type;
}

/**
 * The element names browsers (and old sniffers) recognise as HTML or active content: the WHATWG
 * "identify an unknown MIME type" HTML patterns, plus SVG and embedding elements. At the start of
 * the content (after whitespace) any of them is refused, as a browser would take it for a page;
 * further into the first SNIFF_BYTES only the long, unambiguous ones (a 2-letter one such as `<p `
 * turns up in compressed image data by chance).
 */
const AT_START =
  /^[\t\n\f\r ]*<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--|\?xml|svg|xml|object|embed)([\t\n\f\r />]|$)/i;
const ANYWHERE =
  /<(!doctype html|html|head|body|script|iframe|svg|object|embed|img|style|title|meta|link|form|math|xml|xsl:stylesheet)[\t\n\f\r />]/i;

/** The markup a browser could act on near the start of `bytes`, or undefined. */
export function markupIn(bytes: Uint8Array): string | undefined {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, SNIFF_BYTES)).toString('latin1');
  const start = AT_START.exec(text.replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, ''));
  if (start) return `<${start[1]}`;
  const found = ANYWHERE.exec(text);
  return found ? `<${found[1]} at byte ${found.index}` : undefined;
}

/**
 * Checks the first bytes of an upload against its declared type (at most HEAD_BYTES of them, all
 * of them when the content is shorter): not empty (400), no markup (415), and the type file-type
 * detects equal to the declared one (415). Plain text is checked as a whole as it streams
 * (textChecked).
 */
export async function checkHead(declared: AllowedType, head: Uint8Array): Promise<void> {
  if (head.length === 0) throw badRequest('The document is empty (0 bytes)');
  const markup = markupIn(head);
  if (markup)
    throw unsupportedMediaType(
      `The content looks like HTML, SVG, XML or script (${markup}), which is never accepted as a document, whatever its declared type`,
    );
  const detected = (await fileTypeFromBuffer(head))?.mime;
  if (declared === 'text/plain') {
    if (detected)
      throw unsupportedMediaType(`The content is ${detected}, not plain text; declare it as what it is (${ACCEPTED})`);
    const first = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, SNIFF_BYTES))
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (first.startsWith('<')) throw unsupportedMediaType('Plain text may not start with markup (<)');
    return;
  }
  if (detected !== declared)
    throw unsupportedMediaType(
      detected
        ? `The content is ${detected}, not the declared ${declared}`
        : `The content is not ${declared} (its bytes are not a ${ALLOWED_TYPES[declared].toUpperCase()} file)`,
    );
}

/**
 * Plain text passed on piece by piece, refused (400) as soon as it is not valid UTF-8 or contains a
 * NUL byte; the refusal ends the upload and the blob store deletes what it had written.
 */
export async function* textChecked(content: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let offset = 0;
  for await (const piece of content) {
    const nul = piece.indexOf(0);
    if (nul >= 0) throw badRequest(`Plain text may not contain NUL bytes (byte ${offset + nul})`);
    try {
      decoder.decode(piece, { stream: true });
    } catch {
      throw invalidText(offset);
    }
    offset += piece.length;
    yield piece;
  }
  try {
    decoder.decode();
  } catch {
    throw invalidText(offset);
  }
}

function invalidText(offset: number): FhirError {
  return new FhirError(400, outcome('invalid', `Plain text must be UTF-8; the bytes near byte ${offset} are not`));
}
