import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { describe, it } from 'node:test';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../../fhir/definitions.ts';
import { extractIndexRows } from '../../fhir/search/extract-index.ts';
import type { AppendEntry } from '../appender.ts';
import { VersionConflictError } from '../storage-engine.ts';
import { applySchema, INDEX_TABLES } from './schema.ts';
import { SqliteSession } from './sqlite-session.ts';

/** An in-memory store with the engine's schema. */
function openMemory(): { db: DatabaseSync; session: SqliteSession } {
  const db = new DatabaseSync(':memory:');
  applySchema(db);
  return { db, session: new SqliteSession(db) };
}

/** Every stored row of the tables a first version writes, in a stable order. */
function dump(db: DatabaseSync): Record<string, unknown[]> {
  const tables = ['history', 'resources', ...INDEX_TABLES.map((t) => `idx_${t}`)];
  return Object.fromEntries(
    tables.map((t) => [
      t,
      db
        .prepare(`SELECT * FROM ${t}`)
        .all()
        .map((r) => JSON.stringify(r))
        .sort(),
    ]),
  );
}

const BASE = 'http://test.local/fhir/R4';
const LAST_UPDATED = '2025-01-02T03:04:06.000Z';

/** 40 first versions of varied resources: rows of every kind but uri, several per table and entry. */
function firstVersions(): AppendEntry[] {
  loadDefinitions();
  return Array.from({ length: 40 }, (_, i): AppendEntry => {
    const id = `r-${i}`;
    const meta = { versionId: '1', lastUpdated: LAST_UPDATED };
    const resource: Resource =
      i % 2 === 0
        ? ({
            resourceType: 'Patient',
            id,
            meta,
            name: [{ family: `Family${i}`, given: ['Ann', 'Lee'] }],
            identifier: [{ system: 'urn:mrn', value: `mrn-${i}` }],
            birthDate: `19${50 + i}-01-02`,
            gender: 'female',
          } satisfies Patient)
        : ({
            resourceType: 'Observation',
            id,
            meta,
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
            subject: { reference: `Patient/r-${i - 1}` },
            effectiveDateTime: '2025-01-02T03:04:05Z',
            valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
          } satisfies Observation);
    return {
      version: {
        resourceType: resource.resourceType,
        id,
        versionId: '1',
        lastUpdated: LAST_UPDATED,
        deleted: false,
        resource,
      },
      index: extractIndexRows(resource, BASE),
    };
  });
}

describe('SqliteSession.writeFirstVersions (the append thread, multi-row INSERTs)', () => {
  const entries = firstVersions();

  it('stores exactly what writeVersion stores entry by entry', async () => {
    const one = openMemory();
    for (const { version, index } of entries) await one.session.writeVersion(version, index);
    const grouped = openMemory();
    for (let at = 0; at < entries.length; at += 16) grouped.session.writeFirstVersions(entries.slice(at, at + 16));
    const expected = dump(one.db);
    for (const table of ['idx_string', 'idx_token', 'idx_reference', 'idx_date', 'idx_quantity'])
      assert.ok((expected[table]?.length ?? 0) > entries.length / 2, `rows in ${table}`);
    assert.deepEqual(dump(grouped.db), expected);
    const [first] = entries;
    const stored = grouped.db.prepare('SELECT content FROM history WHERE id = ?').get(first?.version.id as string) as {
      content: string;
    };
    assert.deepEqual(JSON.parse(stored.content) as Resource, first?.version.resource);
  });

  it('an id in use anywhere in the group throws its VersionConflictError', () => {
    const { db, session } = openMemory();
    session.writeFirstVersions(entries.slice(0, 1));
    const taken = entries[0] as (typeof entries)[number];
    db.exec('BEGIN');
    assert.throws(
      () => session.writeFirstVersions([...entries.slice(1, 4), taken, ...entries.slice(4, 8)]),
      (err: Error) => err instanceof VersionConflictError && err.id === taken.version.id,
    );
    db.exec('ROLLBACK');
    assert.equal((db.prepare('SELECT count(*) AS n FROM history').get() as { n: number }).n, 1);
  });

  it('refuses a version other than the first', () => {
    const { session } = openMemory();
    const [first] = entries;
    const later = { ...first!, version: { ...first!.version, versionId: '2' } };
    assert.throws(() => session.writeFirstVersions([later]), /not a first version/);
  });
});
