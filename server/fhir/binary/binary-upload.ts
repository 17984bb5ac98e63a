import { randomUUID } from 'node:crypto';
import type { Binary } from '@medplum/fhirtypes';
import { BlobTooLargeError } from '../../storage/blob-store.ts';
import type { BlobStore } from '../../storage/blob-store.ts';
import type { Repository, WriteResult } from '../../storage/repository.ts';
import { badRequest, payloadTooLarge } from '../outcomes.ts';
import type { FhirError } from '../outcomes.ts';
import { blobPrefix, withContent } from './binary-content.ts';
import { checkHead, declaredType, HEAD_BYTES, textChecked } from './content-check.ts';

/**
 * Storing a Binary's content (decision 0022), without HTTP: fhir/rest/binary-interactions.ts hands
 * in the body as an async iterable and the headers' values.
 *
 * 1. Refusals that need no bytes come first: the declared type (415), a declared length over the
 *    limit (413), and the caller's right to write this Binary at all: the write is tried without
 *    content in a transaction that is then undone, so a Binary for a patient the caller may not
 *    write to is refused (403) before a byte is read.
 * 2. The first bytes (HEAD_BYTES) are checked against the declared type (content-check.ts).
 * 3. The content streams into the blob store, chunk by chunk, up to the limit (413 once passed:
 *    reading stops there); plain text is checked as it passes.
 * 4. The Binary is written through the caller's repository, naming the blob; if that fails (access,
 *    validation, a concurrent update) the blob is deleted. Any failure in 2–4 leaves nothing stored.
 */
export interface BinaryDeps {
  /** The caller's repository (withScope): the same access rules as every other write. */
  repo: Repository;
  blobs: BlobStore;
  limitBytes: number;
}

export interface BinaryUpload {
  /** The Binary to store, without content: contentType, securityContext, meta… (`id` for an update). */
  binary: Binary;
  content: AsyncIterable<Uint8Array>;
  /** The body's declared length (Content-Length), when known. */
  declaredLength?: number;
  /** Already sanitised (file-name.ts). */
  fileName?: string;
  ifMatch?: string;
}

/** Writes the Binary and its content: a create at a new id without `binary.id`, else an update (or create) at that id. */
export async function storeBinary(deps: BinaryDeps, upload: BinaryUpload): Promise<WriteResult<Binary>> {
  const type = declaredType(upload.binary.contentType);
  if (upload.declaredLength !== undefined && upload.declaredLength > deps.limitBytes) throw tooLarge(deps.limitBytes);
  const binary: Binary = { ...upload.binary, id: upload.binary.id ?? randomUUID(), contentType: type };
  await refuseEarly(deps.repo, binary, upload.ifMatch);

  const { head, rest } = await splitHead(upload.content, HEAD_BYTES);
  await checkHead(type, head);
  const blob = `${blobPrefix(binary.id as string)}${randomUUID()}`;
  let info;
  try {
    info = await deps.blobs.write(blob, type === 'text/plain' ? textChecked(rest) : rest, {
      maxBytes: deps.limitBytes,
    });
  } catch (error) {
    if (error instanceof BlobTooLargeError) throw tooLarge(deps.limitBytes);
    throw error;
  }
  const stored = withContent(binary, {
    blob,
    size: info.size,
    sha256: info.sha256,
    ...(upload.fileName ? { fileName: upload.fileName } : {}),
  });
  try {
    return await deps.repo.update(stored, upload.ifMatch === undefined ? {} : { ifMatch: upload.ifMatch });
  } catch (error) {
    await deps.blobs.delete(blob).catch(() => undefined);
    throw error;
  }
}

/** The content of a FHIR JSON Binary's `data` (base64), as one piece; 400 when it is not base64. */
export function inlineData(binary: Binary): AsyncIterable<Uint8Array> {
  const data = (binary.data ?? '').replace(/\s+/g, '');
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(data))
    throw badRequest('Binary.data must be base64', 'Binary.data');
  const bytes = Buffer.from(data, 'base64');
  return (async function* () {
    if (bytes.length) yield bytes;
  })();
}

function tooLarge(limit: number): FhirError {
  return payloadTooLarge(`The document is larger than the limit of ${limit} bytes (BINARY_LIMIT_BYTES)`);
}

/** Thrown to undo the trial write; never leaves refuseEarly. */
class DryRun extends Error {}

/**
 * The write the upload will end with, tried without content and undone: the access checks, If-Match
 * and validation answer now, before the body is read. The final write checks everything again.
 */
async function refuseEarly(repo: Repository, binary: Binary, ifMatch: string | undefined): Promise<void> {
  try {
    await repo.transaction(async (tx) => {
      await tx.update(binary, ifMatch === undefined ? {} : { ifMatch });
      throw new DryRun('undone');
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
}

/**
 * The first `bytes` of `content` (fewer when it is shorter), and all of it again as an iterable that
 * goes on where the head stopped. Holds at most `bytes` plus one piece.
 */
export async function splitHead(
  content: AsyncIterable<Uint8Array>,
  bytes: number,
): Promise<{ head: Buffer; rest: AsyncIterable<Uint8Array> }> {
  const iterator = content[Symbol.asyncIterator]();
  const pieces: Uint8Array[] = [];
  let length = 0;
  let done = false;
  while (length < bytes) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    pieces.push(next.value);
    length += next.value.length;
  }
  const head = Buffer.concat(pieces, length);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (head.length) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head: head.subarray(0, Math.min(head.length, bytes)), rest: rest() };
}
