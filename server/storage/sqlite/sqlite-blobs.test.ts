import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import { runBlobContract } from '../blob-contract.ts';
import { SCHEMA_VERSION } from './schema.ts';
import type { SchemaUpgrade } from './schema.ts';
import { SqliteEngine } from './sqlite-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-blobs-'));

runBlobContract('sqlite', {
  // Every open() is a new engine on the same file, so reopening tests persistence.
  open: async () => {
    const engine = new SqliteEngine(join(dir, 'fhir.sqlite'));
    await engine.open();
    return engine;
  },
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});

describe('sqlite schema 3: blob tables', () => {
  it('adds the blob tables to a schema-2 store when it opens, keeping its data', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sqlite-blobs-migration-')), 'fhir.sqlite');
    try {
      const engine = new SqliteEngine(path);
      await engine.open();
      await engine.transaction((session) =>
        session.writeVersion(
          {
            resourceType: 'Patient',
            id: 'p1',
            versionId: '1',
            lastUpdated: '2026-01-01T00:00:00.000Z',
            deleted: false,
            resource: { resourceType: 'Patient', id: 'p1' },
          },
          [],
        ),
      );
      await engine.close();
      const db = new DatabaseSync(path);
      db.exec('DROP TABLE blob_chunks; DROP TABLE blobs; PRAGMA user_version = 2;');
      db.close();
      const upgrades: SchemaUpgrade[] = [];
      const reopened = new SqliteEngine(path, { onUpgrade: (u) => upgrades.push(u) });
      await reopened.open();
      try {
        assert.deepEqual(
          upgrades.map(({ from, to, phase }) => ({ from, to, phase })),
          [
            { from: 2, to: SCHEMA_VERSION, phase: 'start' },
            { from: 2, to: SCHEMA_VERSION, phase: 'done' },
          ],
        );
        assert.equal(SCHEMA_VERSION, 3);
        assert.ok(await reopened.reader.readCurrent('Patient', 'p1'));
        async function* content(): AsyncGenerator<Buffer> {
          yield Buffer.from('after the upgrade');
        }
        const info = await reopened.blobs.write('Binary/p/1', content());
        assert.equal(info.size, 17);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dirname(path), { recursive: true, force: true });
    }
  });
});
