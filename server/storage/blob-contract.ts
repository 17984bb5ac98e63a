import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Readable } from 'node:stream';
import { BlobTooLargeError, CHUNK_BYTES } from './blob-store.ts';
import type { BlobStore } from './blob-store.ts';
import type { StorageEngine } from './storage-engine.ts';

/**
 * The contract every engine's blob store passes (blob-store.ts). Each engine has a *-blobs.test.ts
 * that runs it: SQLite, the MongoDB engine over mingo, and a real MongoDB server when configured.
 */
export interface BlobTarget {
  /** Opens an engine on the same store every time (until cleanup). */
  open(): Promise<StorageEngine>;
  cleanup?(): Promise<void>;
}

/** `content` as pieces of `size` bytes (the last one shorter). */
async function* piecesOf(content: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < content.length; offset += size) yield content.subarray(offset, offset + size);
}

async function readAll(stream: Readable): Promise<{ bytes: Buffer; largest: number }> {
  const parts: Buffer[] = [];
  let largest = 0;
  for await (const part of stream) {
    parts.push(part as Buffer);
    largest = Math.max(largest, (part as Buffer).length);
  }
  return { bytes: Buffer.concat(parts), largest };
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A deferred promise, so that a test decides when a source goes on. */
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

export function runBlobContract(name: string, target: BlobTarget, options: { skip?: string } = {}): void {
  describe(`blob contract: ${name}`, { skip: options.skip }, () => {
    let engine: StorageEngine;
    let blobs: BlobStore;
    let serial = 0;
    const newId = (): string => `Binary/contract/${++serial}-${randomBytes(4).toString('hex')}`;

    before(async () => {
      engine = await target.open();
      blobs = engine.blobs;
    });
    after(async () => {
      await engine?.close();
      await target.cleanup?.();
    });

    it('streams a multi-chunk blob in and out with the same bytes, size and SHA-256', async () => {
      const content = randomBytes(3 * CHUNK_BYTES + 12_345);
      const id = newId();
      const before = await blobs.usage();
      // Pieces of odd sizes, smaller and larger than a chunk.
      const info = await blobs.write(id, piecesOf(content, 100_003));
      assert.equal(info.id, id);
      assert.equal(info.size, content.length);
      assert.equal(info.sha256, sha256(content));
      assert.deepEqual(await blobs.info(id), info);
      const after = await blobs.usage();
      assert.deepEqual(after, { blobs: before.blobs + 1, chunks: before.chunks + 4 });
      const { bytes, largest } = await readAll(blobs.read(id));
      assert.equal(sha256(bytes), info.sha256);
      assert.ok(largest <= CHUNK_BYTES, `a read handed out ${largest} bytes at once`);
    });

    it('keeps content across a reopen of the store', async () => {
      const content = randomBytes(CHUNK_BYTES + 1);
      const id = newId();
      await blobs.write(id, piecesOf(content, CHUNK_BYTES * 2));
      await engine.close();
      engine = await target.open();
      blobs = engine.blobs;
      assert.equal(sha256((await readAll(blobs.read(id))).bytes), sha256(content));
    });

    it('stores empty content as an empty blob and strings as UTF-8', async () => {
      const empty = await blobs.write(newId(), piecesOf(Buffer.alloc(0), 1));
      assert.equal(empty.size, 0);
      assert.equal(empty.sha256, sha256(Buffer.alloc(0)));
      assert.equal((await readAll(blobs.read(empty.id))).bytes.length, 0);
      async function* text(): AsyncGenerator<string> {
        yield 'héllo ';
        yield 'wörld';
      }
      const info = await blobs.write(newId(), text());
      assert.equal((await readAll(blobs.read(info.id))).bytes.toString('utf8'), 'héllo wörld');
    });

    it('deletes what it wrote when its source fails midway, and rejects with the source error', async () => {
      const before = await blobs.usage();
      const id = newId();
      async function* failing(): AsyncGenerator<Buffer> {
        yield randomBytes(CHUNK_BYTES * 2 + 10);
        throw new Error('client went away');
      }
      await assert.rejects(blobs.write(id, failing()), /client went away/);
      assert.deepEqual(await blobs.usage(), before);
      assert.equal(await blobs.info(id), undefined);
    });

    it('stops reading at the limit, stores nothing and says so', async () => {
      const before = await blobs.usage();
      let pulled = 0;
      async function* endless(): AsyncGenerator<Buffer> {
        for (;;) {
          pulled++;
          yield Buffer.alloc(64 * 1024, 1);
        }
      }
      const error = await blobs.write(newId(), endless(), { maxBytes: 5 * 64 * 1024 }).then(
        () => assert.fail('a write over the limit succeeded'),
        (err: unknown) => err,
      );
      assert.ok(error instanceof BlobTooLargeError);
      assert.equal(error.limit, 5 * 64 * 1024);
      assert.equal(pulled, 6, 'the write went on reading past the limit');
      assert.deepEqual(await blobs.usage(), before);
      // Exactly the limit is allowed.
      const info = await blobs.write(newId(), piecesOf(Buffer.alloc(5 * 64 * 1024, 2), 64 * 1024), {
        maxBytes: 5 * 64 * 1024,
      });
      assert.equal(info.size, 5 * 64 * 1024);
    });

    it('refuses a second write of an id and keeps the first', async () => {
      const id = newId();
      const first = await blobs.write(id, piecesOf(Buffer.from('first'), 5));
      await assert.rejects(blobs.write(id, piecesOf(Buffer.from('second'), 6)));
      assert.deepEqual(await blobs.info(id), first);
      assert.equal((await readAll(blobs.read(id))).bytes.toString(), 'first');
    });

    it('hides an incomplete blob from reads, and the sweep deletes incomplete blobs started before a time', async () => {
      const before = await blobs.usage();
      const id = newId();
      const release = gate();
      const started = gate();
      async function* slow(): AsyncGenerator<Buffer> {
        yield randomBytes(CHUNK_BYTES);
        started.open();
        await release.wait;
        yield randomBytes(10);
      }
      const writing = blobs.write(id, slow());
      await started.wait;
      assert.equal(await blobs.info(id), undefined);
      await assert.rejects(readAll(blobs.read(id)), /does not exist or is incomplete/);
      // A sweep of blobs older than this one leaves it alone…
      assert.equal(await blobs.sweepIncomplete(0), 0);
      assert.equal((await blobs.usage()).blobs, before.blobs + 1);
      // …one of blobs started before now (as after a crash, a day later) deletes it,
      assert.equal(await blobs.sweepIncomplete(Date.now() + 1), 1);
      assert.deepEqual(await blobs.usage(), before);
      // and the write that was still going fails and leaves nothing either.
      release.open();
      await assert.rejects(writing);
      assert.deepEqual(await blobs.usage(), before);
      // Complete blobs are never swept.
      const kept = await blobs.write(newId(), piecesOf(Buffer.from('kept'), 4));
      assert.equal(await blobs.sweepIncomplete(Date.now() + 1), 0);
      assert.ok(await blobs.info(kept.id));
    });

    it('deletes a blob and its chunks; reading a missing or hostile id fails cleanly', async () => {
      const before = await blobs.usage();
      const id = newId();
      await blobs.write(id, piecesOf(randomBytes(CHUNK_BYTES + 5), CHUNK_BYTES));
      await blobs.delete(id);
      assert.deepEqual(await blobs.usage(), before);
      assert.equal(await blobs.info(id), undefined);
      await assert.rejects(readAll(blobs.read(id)), /does not exist/);
      await blobs.delete(id);
      for (const hostile of ['', '$where', '../x', 'a'.repeat(300), '{"$gt":""}']) {
        assert.equal(await blobs.info(hostile), undefined);
        await assert.rejects(readAll(blobs.read(hostile)), /does not exist/);
        await assert.rejects(blobs.write(hostile, piecesOf(Buffer.from('x'), 1)), /must match/);
      }
      assert.deepEqual(await blobs.usage(), before);
    });
  });
}
