import type { Binary } from '@medplum/fhirtypes';
import type { Readable } from 'node:stream';
import type { BlobStore } from '../../storage/blob-store.ts';
import { notFound, serverError } from '../outcomes.ts';
import { contentOf } from './binary-content.ts';
import { isAllowedType } from './content-check.ts';
import type { AllowedType } from './content-check.ts';
import { attachmentDisposition } from './file-name.ts';

/** Content up to this size is also given inline (`data`) when a Binary is read as FHIR JSON. */
export const INLINE_DATA_BYTES = 1024 * 1024;

/** What a download of a Binary's bytes is sent with (fhir/rest/binary-interactions.ts writes it). */
export interface BinaryDownload {
  /** The checked type; anything else (a Binary written before the checks) goes out as octet-stream. */
  contentType: AllowedType | 'application/octet-stream';
  size: number;
  sha256: string;
  disposition: string;
  body: Readable;
}

/** The bytes of a Binary the caller could read (the repository answered it): 404 when it has none. */
export async function downloadOf(blobs: BlobStore, binary: Binary): Promise<BinaryDownload> {
  const content = contentOf(binary);
  if (!content) throw notFound(`Binary/${binary.id} has no uploaded content`);
  const info = await blobs.info(content.blob);
  // A Binary whose content is gone is the store's fault, never the caller's: a 500, logged.
  if (!info) throw serverError();
  const type = (binary.contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const contentType = isAllowedType(type) ? type : 'application/octet-stream';
  return {
    contentType,
    size: info.size,
    sha256: info.sha256,
    disposition: attachmentDisposition(content.fileName, contentType),
    body: blobs.read(content.blob),
  };
}

/**
 * The Binary as FHIR JSON: with its bytes in `data` when they are small (INLINE_DATA_BYTES), as a
 * FHIR client reading a Binary expects; larger ones only through the raw download.
 */
export async function withInlineData(blobs: BlobStore, binary: Binary): Promise<Binary> {
  const content = contentOf(binary);
  if (!content || content.size > INLINE_DATA_BYTES) return binary;
  const parts: Buffer[] = [];
  for await (const part of blobs.read(content.blob)) parts.push(part as Buffer);
  return { ...binary, data: Buffer.concat(parts).toString('base64') };
}
