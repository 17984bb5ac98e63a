import { ALLOWED_TYPES, isAllowedType } from './content-check.ts';

/**
 * File names of uploaded documents. A name is only ever a label offered back in
 * `Content-Disposition` on download, never a path on any disk, but it reaches other people's
 * browsers and file systems, so it is cut down to something harmless: no directories (`../`, `\`),
 * no control or bidirectional-override characters, no quotes, a bounded length, never empty.
 */
export const MAX_FILE_NAME = 120;

/** Control characters, DEL, C1 controls and the Unicode bidi overrides/isolates that disguise an extension. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069"'`<>:*?|;%]/g;

/** A safe name for `raw` (a client's file name), or undefined when nothing usable is left. */
export function sanitiseFileName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const base = raw.split(/[/\\]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(UNSAFE, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[.\s]+/, '');
  if (!cleaned || !cleaned.isWellFormed()) return undefined;
  const chars = [...cleaned];
  if (chars.length <= MAX_FILE_NAME) return cleaned;
  // Keep the extension when cutting: `report … .pdf` stays a .pdf.
  const dot = cleaned.lastIndexOf('.');
  const extension = dot > 0 && cleaned.length - dot <= 10 ? cleaned.slice(dot) : '';
  return (
    chars
      .slice(0, MAX_FILE_NAME - extension.length)
      .join('')
      .trimEnd() + extension
  );
}

/**
 * The file name of an upload's `Content-Disposition` request header (`filename*=UTF-8''…` preferred
 * over `filename=`), sanitised; undefined when absent or unusable.
 */
export function fileNameFromDisposition(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const extended = /filename\*\s*=\s*utf-8'[^']*'([^;]+)/i.exec(header)?.[1];
  if (extended) {
    try {
      const name = sanitiseFileName(decodeURIComponent(extended.trim()));
      if (name) return name;
    } catch {
      // A bad percent-encoding: fall back to the plain parameter.
    }
  }
  const plain = /(?:^|;)\s*filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/i.exec(header);
  const value = plain?.[1]?.replace(/\\(.)/g, '$1') ?? plain?.[2];
  return sanitiseFileName(value?.trim());
}

/** The `Content-Disposition` of a download: always an attachment, the name in ASCII and in UTF-8 (RFC 6266). */
export function attachmentDisposition(fileName: string | undefined, type: string): string {
  const name = sanitiseFileName(fileName) ?? `document.${isAllowedType(type) ? ALLOWED_TYPES[type] : 'bin'}`;
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/\\/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
