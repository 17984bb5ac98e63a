import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Clock } from './key-value-store.ts';

/**
 * Large opaque content (a document's bytes) kept by the engine in the same database as the FHIR
 * records, in chunks (docs/decisions/0022-document-content.md). `engine.blobs` on both engines; one
 * suite holds them to the same behaviour (blob-contract.ts).
 *
 * - Content goes in and out as streams, one chunk of at most CHUNK_BYTES at a time: a 50 MB upload
 *   never sits in memory whole, and neither does a download.
 * - A write is *staged*: the blob is recorded incomplete, each chunk is written in a small write of its
 *   own as it arrives (never one transaction held open for the length of a network upload), then the
 *   blob is marked complete with its size and SHA-256, both computed while streaming. A write that
 *   fails or whose source fails (a client that went away, a limit passed) deletes what it wrote
 *   before it rejects. What a crash leaves behind stays incomplete, invisible to reads, and
 *   `sweepIncomplete` deletes it.
 * - Only complete blobs are read. A blob is never changed once complete, only deleted.
 * - Ids are chosen by the caller (the FHIR layer ties a blob to the resource it belongs to); a
 *   second write of an existing id fails.
 */
export interface BlobStore {
  /** Streams `content` into a new blob; resolves with its info once complete (see above). */
  write(id: string, content: AsyncIterable<Uint8Array | string>, options?: { maxBytes?: number }): Promise<BlobInfo>;
  /** A complete blob's info, or undefined (missing, incomplete, or an id that cannot be one). */
  info(id: string): Promise<BlobInfo | undefined>;
  /** The content of a complete blob, chunk by chunk; the stream fails if the blob is missing or changes size. */
  read(id: string): Readable;
  /** Deletes the blob (complete or not) and its chunks; nothing happens when there is none. */
  delete(id: string): Promise<void>;
  /** Deletes the blobs still incomplete that were started before `before` (ms since the epoch); answers how many. */
  sweepIncomplete(before: number): Promise<number>;
  /** How many blobs (complete or not) and chunks are stored: for operators and tests. */
  usage(): Promise<BlobUsage>;
}

export interface BlobInfo {
  id: string;
  /** Bytes. */
  size: number;
  /** SHA-256 of the content, lower-case hex. */
  sha256: string;
  /** When the write started, ms since the epoch. */
  createdAt: number;
}

export interface BlobUsage {
  blobs: number;
  chunks: number;
}

/** 256 KiB: large enough that a 50 MB file is 200 rows, small enough to be one cheap write each. */
export const CHUNK_BYTES = 256 * 1024;

/** How long an incomplete blob may be left before the sweep deletes it: far longer than any upload. */
export const INCOMPLETE_BLOB_TTL_MS = 24 * 60 * 60 * 1000;

/** A write whose content passed `maxBytes`: it stopped reading there and stored nothing. */
export class BlobTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`The content is larger than the limit of ${limit} bytes`);
    this.name = 'BlobTooLargeError';
    this.limit = limit;
  }
}

const BLOB_ID = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,199}$/;

export function isBlobId(id: unknown): id is string {
  return typeof id === 'string' && BLOB_ID.test(id);
}

/**
 * What an engine implements for blobs: rows and documents, no streaming. `ChunkedBlobStore` does the
 * chunking, hashing, limits and clean-up once, above both engines.
 */
export interface ChunkStorage {
  /** Records a new incomplete blob; throws when the id exists. */
  begin(id: string, createdAt: number): Promise<void>;
  /** Stores chunk `n` (0, 1, 2, …) of an incomplete blob. */
  putChunk(id: string, n: number, bytes: Uint8Array): Promise<void>;
  complete(id: string, size: number, sha256: string): Promise<void>;
  /** Deletes the blob's record and chunks. */
  remove(id: string): Promise<void>;
  /** The complete blob's info, or undefined. */
  info(id: string): Promise<BlobInfo | undefined>;
  /** Chunk `n`, or undefined past the last. */
  chunk(id: string, n: number): Promise<Uint8Array | undefined>;
  /** Ids of incomplete blobs started before `before`. */
  incompleteBefore(before: number): Promise<string[]>;
  usage(): Promise<BlobUsage>;
}

export class ChunkedBlobStore implements BlobStore {
  readonly #storage: ChunkStorage;
  readonly #clock: Clock;

  constructor(storage: ChunkStorage, clock: Clock = Date.now) {
    this.#storage = storage;
    this.#clock = clock;
  }

  async write(
    id: string,
    content: AsyncIterable<Uint8Array | string>,
    options: { maxBytes?: number } = {},
  ): Promise<BlobInfo> {
    if (!isBlobId(id)) throw new Error(`Blob id ${JSON.stringify(String(id)).slice(0, 80)} must match ${BLOB_ID}`);
    const createdAt = this.#clock();
    await this.#storage.begin(id, createdAt);
    const hash = createHash('sha256');
    let size = 0;
    let n = 0;
    // The pieces of the chunk being filled: at most CHUNK_BYTES together, joined only when it is full.
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      const bytes = pending.length === 1 ? (pending[0] as Uint8Array) : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      await this.#storage.putChunk(id, n++, bytes);
    };
    try {
      for await (const piece of content) {
        const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece;
        size += bytes.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) throw new BlobTooLargeError(options.maxBytes);
        hash.update(bytes);
        for (let offset = 0; offset < bytes.length;) {
          const take = Math.min(CHUNK_BYTES - pendingBytes, bytes.length - offset);
          pending.push(bytes.subarray(offset, offset + take));
          pendingBytes += take;
          offset += take;
          if (pendingBytes === CHUNK_BYTES) await flush();
        }
      }
      if (pendingBytes > 0) await flush();
      const sha256 = hash.digest('hex');
      await this.#storage.complete(id, size, sha256);
      return { id, size, sha256, createdAt };
    } catch (error) {
      pending = [];
      // What was written goes; if even that fails, the sweep deletes it later (it stays incomplete).
      await this.#storage.remove(id).catch(() => undefined);
      throw error;
    }
  }

  info(id: string): Promise<BlobInfo | undefined> {
    return isBlobId(id) ? this.#storage.info(id) : Promise.resolve(undefined);
  }

  read(id: string): Readable {
    const storage = this.#storage;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const info = isBlobId(id) ? await storage.info(id) : undefined;
      if (!info) throw new Error(`Blob ${id} does not exist or is incomplete`);
      let sent = 0;
      for (let n = 0; sent < info.size; n++) {
        const bytes = await storage.chunk(id, n);
        if (!bytes) break;
        sent += bytes.length;
        yield bytes;
      }
      if (sent !== info.size) throw new Error(`Blob ${id} has ${sent} bytes, not the ${info.size} recorded`);
    }
    // One chunk read ahead at most: a download holds about two chunks, whatever its size.
    return Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK_BYTES });
  }

  async delete(id: string): Promise<void> {
    if (isBlobId(id)) await this.#storage.remove(id);
  }

  async sweepIncomplete(before: number): Promise<number> {
    const ids = await this.#storage.incompleteBefore(before);
    for (const id of ids) await this.#storage.remove(id);
    return ids.length;
  }

  usage(): Promise<BlobUsage> {
    return this.#storage.usage();
  }
}
