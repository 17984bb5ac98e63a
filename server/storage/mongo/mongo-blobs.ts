import { Binary } from 'mongodb';
import type { Collection, Db } from 'mongodb';
import type { BlobInfo, BlobUsage, ChunkStorage } from '../blob-store.ts';

/**
 * Blobs in the same database as the FHIR data (decision 0022): `blobs` holds one document per blob
 * (incomplete until its last chunk is written), `blob_chunks` one per chunk of at most 256 KiB
 * (`_id` `<blob id>#<n>`, far below the 16 MB document limit). GridFS would do the same with its own
 * two collections, but its bucket API cannot be told "incomplete" from "complete" nor hold an upload
 * without a transaction, and the chunk documents are this small anyway. Every write is a
 * single-document operation: no transaction is held open for the length of an upload.
 */
export interface BlobDocument {
  _id: string;
  createdAt: Date;
  complete: boolean;
  size?: number;
  sha256?: string;
}

export interface ChunkDocument {
  _id: string;
  blob: string;
  n: number;
  data: Binary;
}

export async function createBlobIndexes(db: Db): Promise<void> {
  await db.collection('blob_chunks').createIndexes([{ key: { blob: 1, n: 1 }, name: 'blob_chunks_by_blob' }]);
  await db.collection('blobs').createIndexes([{ key: { complete: 1, createdAt: 1 }, name: 'blobs_incomplete' }]);
}

export class MongoChunkStorage implements ChunkStorage {
  readonly #db: () => Db;

  constructor(db: () => Db) {
    this.#db = db;
  }

  #blobs(): Collection<BlobDocument> {
    return this.#db().collection<BlobDocument>('blobs');
  }

  #chunks(): Collection<ChunkDocument> {
    return this.#db().collection<ChunkDocument>('blob_chunks');
  }

  async begin(id: string, createdAt: number): Promise<void> {
    await this.#blobs().insertOne({ _id: id, createdAt: new Date(createdAt), complete: false });
  }

  async putChunk(id: string, n: number, bytes: Uint8Array): Promise<void> {
    await this.#chunks().insertOne({ _id: `${id}#${n}`, blob: id, n, data: new Binary(bytes) });
  }

  async complete(id: string, size: number, sha256: string): Promise<void> {
    const result = await this.#blobs().updateOne(
      { _id: id, complete: false },
      { $set: { complete: true, size, sha256 } },
    );
    if (result.modifiedCount !== 1) throw new Error(`Blob ${id} is not an incomplete blob`);
  }

  async remove(id: string): Promise<void> {
    await this.#chunks().deleteMany({ blob: id });
    await this.#blobs().deleteOne({ _id: id });
  }

  async info(id: string): Promise<BlobInfo | undefined> {
    const doc = await this.#blobs().findOne({ _id: id, complete: true });
    if (!doc || doc.size === undefined || doc.sha256 === undefined) return undefined;
    return { id: doc._id, size: doc.size, sha256: doc.sha256, createdAt: doc.createdAt.getTime() };
  }

  async chunk(id: string, n: number): Promise<Uint8Array | undefined> {
    const doc = await this.#chunks().findOne({ _id: `${id}#${n}` });
    return doc ? doc.data.buffer.subarray(0, doc.data.position) : undefined;
  }

  async incompleteBefore(before: number): Promise<string[]> {
    const docs = await this.#blobs()
      .find({ complete: false, createdAt: { $lt: new Date(before) } })
      .toArray();
    return docs.map((doc) => doc._id);
  }

  async usage(): Promise<BlobUsage> {
    const count = async (collection: Collection<BlobDocument> | Collection<ChunkDocument>): Promise<number> =>
      (await collection.aggregate<{ n: number }>([{ $count: 'n' }]).toArray())[0]?.n ?? 0;
    return { blobs: await count(this.#blobs()), chunks: await count(this.#chunks()) };
  }
}
