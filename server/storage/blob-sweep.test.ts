import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { INCOMPLETE_BLOB_TTL_MS } from './blob-store.ts';
import { sweepBlobs } from './blob-sweep.ts';
import { SqliteEngine } from './sqlite/sqlite-engine.ts';

describe('sweepBlobs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'blob-sweep-'));
  const started = 1_800_000_000_000;
  let engine: SqliteEngine;
  before(async () => {
    engine = new SqliteEngine(join(dir, 'fhir.sqlite'), { clock: () => started });
    await engine.open();
  });
  after(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('deletes at start the uploads left incomplete for longer than a day, and only those', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let reading!: () => void;
    const firstPieceRead = new Promise<void>((resolve) => (reading = resolve));
    async function* stalled(): AsyncGenerator<Buffer> {
      yield Buffer.from('%PDF-1.7 part of an upload that a crash cut off');
      reading();
      await released;
    }
    const writing = engine.blobs.write('Binary/x/stalled', stalled());
    await firstPieceRead;
    const logged: object[] = [];
    const logger = { info: (obj: object) => void logged.push(obj), warn: () => assert.fail('the sweep failed') };

    // Less than a day later: kept.
    const early = sweepBlobs(engine.blobs, logger, { now: () => started + INCOMPLETE_BLOB_TTL_MS - 1 });
    await early.done;
    early.stop();
    assert.deepEqual(await engine.blobs.usage(), { blobs: 1, chunks: 0 });

    const late = sweepBlobs(engine.blobs, logger, { now: () => started + INCOMPLETE_BLOB_TTL_MS + 1 });
    await late.done;
    late.stop();
    assert.deepEqual(await engine.blobs.usage(), { blobs: 0, chunks: 0 });
    assert.deepEqual(logged, [{ deleted: 1 }]);
    release();
    await assert.rejects(writing);
    assert.deepEqual(await engine.blobs.usage(), { blobs: 0, chunks: 0 });
  });
});
