import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import type { Patient } from '@medplum/fhirtypes';
import { reindex } from '../../cli/reindex.ts';
import { indexWithAccess } from '../../access/access-index.ts';
import { loadFhirDefinitions, testSearch, TEST_BASE_URL } from '../../../test/support/repository-setup.ts';
import type { StorageEngine } from '../storage-engine.ts';
import { SCHEMA_VERSION } from './schema.ts';
import type { SchemaUpgrade } from './schema.ts';
import { SqliteEngine } from './sqlite-engine.ts';

/**
 * What only the SQLite engine has: the FTS5 tables themselves, the migration of a store whose words
 * are `idx_string` rows (schema version 1), and `npm run reindex` filling empty FTS5 tables.
 * The search behaviour is tested on both engines in test/search-full-text.test.ts.
 */
const PATIENTS: Patient[] = [
  {
    resourceType: 'Patient',
    id: 'a',
    name: [{ family: 'Zoë', given: ['Blood'] }],
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">pressure high</div>' },
  },
  { resourceType: 'Patient', id: 'b', name: [{ family: 'Brown' }] },
];

async function write(engine: StorageEngine, patients: Patient[]): Promise<void> {
  await engine.transaction(async (session) => {
    for (const p of patients) {
      const resource = { ...p, meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00.000Z' } };
      const version = {
        resourceType: 'Patient',
        id: p.id as string,
        versionId: '1',
        lastUpdated: '2026-01-01T00:00:00.000Z',
        deleted: false,
        resource,
      };
      await session.writeVersion(version, indexWithAccess(resource, TEST_BASE_URL));
    }
  });
}

async function ids(engine: StorageEngine, query: Record<string, string>): Promise<string[]> {
  return (await engine.reader.search(testSearch('Patient', query).request)).versions.map((v) => v.id).sort();
}

function raw(file: string, work: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(file);
  try {
    work(db);
  } finally {
    db.close();
  }
}

const count = (db: DatabaseSync, sql: string): number => Number((db.prepare(sql).get() as { n: number }).n);

describe('SQLite full-text index', () => {
  let dir: string;
  let n = 0;
  const file = () => join(dir, `store-${++n}.sqlite`);

  before(() => {
    loadFhirDefinitions();
    dir = mkdtempSync(join(tmpdir(), 'full-text-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the words in FTS5, never in idx_string; a resource without words has no FTS5 row', async () => {
    const path = file();
    const upgrades: SchemaUpgrade[] = [];
    const engine = new SqliteEngine(path, { onUpgrade: (u) => upgrades.push(u) });
    await engine.open();
    assert.deepEqual(upgrades, [], 'a new store is created, not upgraded');
    await write(engine, [...PATIENTS, { resourceType: 'Patient', id: 'c' }]);
    assert.deepEqual(await ids(engine, { _content: 'blood zoe' }), ['a']);
    await engine.close();
    raw(path, (db) => {
      assert.equal(count(db, "SELECT count(*) AS n FROM idx_string WHERE param IN ('_content', '_text')"), 0);
      assert.equal(count(db, 'SELECT count(*) AS n FROM fts_doc'), 2, "'c' has no words");
      assert.equal(count(db, 'SELECT count(*) AS n FROM fts_words'), 2);
      assert.equal(
        Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version),
        SCHEMA_VERSION,
      );
    });
  });

  it('moves the word rows of a schema-1 store into FTS5 when it opens', async () => {
    const path = file();
    const engine = new SqliteEngine(path);
    await engine.open();
    await write(engine, PATIENTS);
    await engine.close();
    // Turn it into what the previous version wrote: the words as idx_string rows, no FTS5, version 0.
    raw(path, (db) => {
      db.exec('DROP TABLE fts_words; DROP TABLE fts_doc; PRAGMA user_version = 0;');
      const insert = db.prepare(
        "INSERT INTO idx_string (type, id, param, value, exact) VALUES ('Patient', ?, ?, ?, ?)",
      );
      for (const p of PATIENTS)
        for (const row of indexWithAccess(p, TEST_BASE_URL))
          if (row.kind === 'string' && (row.param === '_content' || row.param === '_text'))
            insert.run(p.id as string, row.param, row.value, row.exact);
    });
    const upgrades: SchemaUpgrade[] = [];
    const reopened = new SqliteEngine(path, { onUpgrade: (u) => upgrades.push(u) });
    await reopened.open();
    try {
      // The operator is told before the (possibly long) migration and after it.
      assert.deepEqual(
        upgrades.map(({ from, to, phase }) => ({ from, to, phase })),
        [
          { from: 1, to: SCHEMA_VERSION, phase: 'start' },
          { from: 1, to: SCHEMA_VERSION, phase: 'done' },
        ],
      );
      assert.equal(typeof upgrades[1]?.ms, 'number');
      assert.deepEqual(await ids(reopened, { _content: 'blood zoe' }), ['a']);
      assert.deepEqual(await ids(reopened, { _content: 'brown' }), ['b']);
      assert.deepEqual(await ids(reopened, { _text: 'press' }), ['a']);
      assert.deepEqual(await ids(reopened, { '_text:missing': 'true' }), ['b']);
      // A second open finds the store migrated and changes nothing (nor reports an upgrade).
      const again = new SqliteEngine(path, { onUpgrade: (u) => upgrades.push(u) });
      await again.open();
      await again.close();
      assert.equal(upgrades.length, 2);
      assert.deepEqual(await ids(reopened, { _content: 'blood' }), ['a']);
    } finally {
      await reopened.close();
    }
    raw(path, (db) => {
      assert.equal(count(db, "SELECT count(*) AS n FROM idx_string WHERE param IN ('_content', '_text')"), 0);
      assert.equal(count(db, 'SELECT count(*) AS n FROM fts_doc'), 2);
      assert.equal(
        Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version),
        SCHEMA_VERSION,
      );
    });
  });

  it('refuses a store of a newer schema version, saying why, and leaves it untouched', async () => {
    const path = file();
    const engine = new SqliteEngine(path);
    await engine.open();
    await engine.close();
    raw(path, (db) => db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`));
    await assert.rejects(
      new SqliteEngine(path).open(),
      new RegExp(`schema version ${SCHEMA_VERSION + 1}, written by a newer version of the server`),
    );
    raw(path, (db) =>
      assert.equal(
        Number((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version),
        SCHEMA_VERSION + 1,
      ),
    );
  });

  it('npm run reindex fills emptied FTS5 tables again', async () => {
    const path = file();
    const engine = new SqliteEngine(path);
    await engine.open();
    try {
      await write(engine, PATIENTS);
      raw(path, (db) => db.exec('DELETE FROM fts_words; DELETE FROM fts_doc;'));
      assert.deepEqual(await ids(engine, { _content: 'blood' }), []);
      await reindex(engine, ['Patient'], TEST_BASE_URL, () => undefined);
      assert.deepEqual(await ids(engine, { _content: 'blood' }), ['a']);
      assert.deepEqual(await ids(engine, { _content: 'brown' }), ['b']);
      assert.deepEqual(await ids(engine, { '_text:missing': 'false' }), ['a']);
    } finally {
      await engine.close();
    }
  });
});
