import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import { CHUNK_BYTES, ChunkedBlobStore } from './blob-store.ts';
import type { ChunkStorage } from './blob-store.ts';
import { applySchema } from './sqlite/schema.ts';
import { SqliteChunkStorage } from './sqlite/sqlite-blobs.ts';

/**
 * Bounded memory on the upload path: from a 20 MB stream the engine's chunk storage (the real SQLite
 * one) only ever receives pieces of at most CHUNK_BYTES, and the source is never read more than one
 * chunk ahead of what is stored, so nothing holds the content whole.
 */
describe('ChunkedBlobStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blob-store-'));
  const db = new DatabaseSync(join(dir, 'blobs.sqlite'));
  applySchema(db);
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const sqlite = new SqliteChunkStorage({ reader: () => db, write: async (work) => work(db) });

  it('hands the engine pieces of at most one chunk, never reading the source more than a chunk ahead', async () => {
    const received: number[] = [];
    let stored = 0;
    const recording: ChunkStorage = {
      begin: (id, createdAt) => sqlite.begin(id, createdAt),
      putChunk: async (id, n, bytes) => {
        received.push(bytes.length);
        await sqlite.putChunk(id, n, bytes);
        stored += bytes.length;
      },
      complete: (id, size, sha256) => sqlite.complete(id, size, sha256),
      remove: (id) => sqlite.remove(id),
      info: (id) => sqlite.info(id),
      chunk: (id, n) => sqlite.chunk(id, n),
      incompleteBefore: (before) => sqlite.incompleteBefore(before),
      usage: () => sqlite.usage(),
    };
    const store = new ChunkedBlobStore(recording);
    const total = 20 * 1024 * 1024;
    const expected = createHash('sha256');
    let produced = 0;
    let furthestAhead = 0;
    async function* source(): AsyncGenerator<Buffer> {
      // Pieces as a socket delivers them, of varying sizes, some larger than a chunk.
      const sizes = [65_536, 1_000_003, 17, 300_000];
      for (let i = 0; produced < total; i++) {
        const piece = Buffer.alloc(Math.min(sizes[i % sizes.length] as number, total - produced), i % 251);
        expected.update(piece);
        produced += piece.length;
        furthestAhead = Math.max(furthestAhead, produced - stored);
        yield piece;
      }
    }
    const info = await store.write('Binary/big/1', source());
    assert.equal(info.size, total);
    assert.equal(info.sha256, expected.digest('hex'));
    assert.equal(received.length, Math.ceil(total / CHUNK_BYTES));
    assert.ok(Math.max(...received) <= CHUNK_BYTES, `the engine received ${Math.max(...received)} bytes at once`);
    assert.equal(
      received.reduce((a, b) => a + b, 0),
      total,
    );
    // The source's largest piece plus the chunk being filled: never the content.
    assert.ok(furthestAhead <= 1_000_003 + CHUNK_BYTES, `the source was read ${furthestAhead} bytes ahead`);
  });
});
