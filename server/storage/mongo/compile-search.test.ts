import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { Query } from 'mingo';
import { loadDefinitions } from '../../fhir/definitions.ts';
import { extractIndexRows } from '../../fhir/search/extract-index.ts';
import { parseSearch } from '../../fhir/search/parse-search.ts';
import type { Query as SearchQuery } from '../../fhir/search/parse-search.ts';
import type { SearchRequest } from '../../fhir/search/search-request.ts';
import { SqliteEngine } from '../sqlite/sqlite-engine.ts';
import type { StoredVersion } from '../stored-version.ts';
import { compileHistory, compileSearch, escapeRegex } from './compile-search.ts';
import { toCurrentDocument, toHistoryDocument } from './documents.ts';
import type { CurrentDocument } from './documents.ts';

/**
 * The MongoDB engine's generated queries, executed by mingo (an independent implementation of
 * MongoDB's query language) over documents built by the engine's own mapping, must return exactly
 * what the SQLite engine returns for the same searches over the same resources. No MongoDB server
 * is needed; the full engine runs against a real server in mongo-contract.test.ts.
 */
const BASE = 'http://example.test/fhir/R4';

const patient = (id: string, family: string, extra: Partial<Patient> = {}): Patient => ({ resourceType: 'Patient', id, name: [{ family }], ...extra });
const observation = (id: string, subject: string, date: string, code: string): Observation => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] }, subject: { reference: `Patient/${subject}` }, effectiveDateTime: date,
});

const FIXTURES: Resource[] = [
  patient('p1', 'Zoë', { given: undefined, birthDate: '1980-02-15', gender: 'female', identifier: [{ system: 'urn:mrn', value: 'A1' }] } as Partial<Patient>),
  patient('p2', 'Smith', { birthDate: '1990', gender: 'male', identifier: [{ value: 'A2' }], name: [{ family: 'Smith', given: ['Jo', 'Ann'] }] }),
  patient('p3', 'Smythe', { birthDate: '2001-06-30', identifier: [{ system: 'urn:other', value: 'A1' }] }),
  patient('p4', 'O(a+)+$Brien.*', { birthDate: '1975-12-31', gender: 'other' }),
  patient('p5', 'Null\u0000Byte', { active: true }),
  observation('o1', 'p1', '2024-01-10T08:00:00Z', '8867-4'),
  observation('o2', 'p2', '2024-03-01', '8867-4'),
  observation('o3', 'p2', '2023-12-31T23:59:59.999Z', '29463-7'),
  { resourceType: 'Observation', id: 'o4', status: 'final', code: { text: 'period' }, subject: { reference: 'Patient/p3' }, effectivePeriod: { start: '2020-01-01', end: '2020-06-30' } } as Observation,
];

const QUERIES: Array<[string, SearchQuery]> = [
  ['Patient', { family: 'zoe' }], ['Patient', { family: 'SM' }], ['Patient', { name: 'jo,ann' }], ['Patient', { 'family:exact': 'Zoë' }],
  ['Patient', { 'family:exact': 'zoë' }], ['Patient', { 'family:contains': 'myt' }], ['Patient', { 'family:contains': '(a+)+$' }],
  ['Patient', { 'family:contains': '.*' }], ['Patient', { 'family:contains': 'l\u0000b' }], ['Patient', { family: '.*' }], ['Patient', { 'family:contains': '^' }],
  ['Patient', { identifier: 'A1' }], ['Patient', { identifier: 'urn:mrn|A1' }], ['Patient', { identifier: '|A2' }], ['Patient', { identifier: 'urn:other|' }],
  ['Patient', { gender: 'female,male' }], ['Patient', { gender: 'male', family: 'smi' }], ['Patient', { active: 'true' }],
  ['Patient', { birthdate: '1980-02' }], ['Patient', { birthdate: 'ge1990-06-01' }], ['Patient', { birthdate: 'lt1990' }], ['Patient', { birthdate: 'le1990' }],
  ['Patient', { birthdate: 'gt1980' }], ['Patient', { birthdate: 'ne1990' }], ['Patient', { birthdate: 'sa1980' }], ['Patient', { birthdate: 'eb1990' }],
  ['Patient', { birthdate: 'ap1990-05' }], ['Patient', { birthdate: ['ge1976', 'le2000'] }], ['Patient', { birthdate: 'eq1975-12-31,eq2001' }],
  ['Patient', { _id: 'p1,p3,nope' }], ['Patient', { _lastUpdated: 'ge2025-01-01' }], ['Patient', { _lastUpdated: 'lt2025-01-01' }],
  ['Observation', { subject: 'Patient/p2' }], ['Observation', { patient: 'p1' }], ['Observation', { 'subject:Patient': 'p3' }],
  ['Observation', { subject: `${BASE}/Patient/p1` }], ['Observation', { code: 'http://loinc.org|8867-4' }], ['Observation', { code: '29463-7,8867-4', subject: 'Patient/p2' }],
  ['Observation', { date: '2024' }], ['Observation', { date: 'ge2024-01-10T08:00:00Z' }], ['Observation', { date: 'lt2024-01-01' }], ['Observation', { date: '2020-03' }],
  ['Observation', { date: 'eq2020' }], ['Observation', { date: 'ap2020-03-01' }], ['Observation', { date: 'sa2023-12-31' }], ['Observation', { date: 'eb2024' }],
  ['Observation', { date: 'ne2024' }],
];

describe('MongoDB queries executed by mingo agree with SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mingo-'));
  const sqlite = new SqliteEngine(join(dir, 'fhir.sqlite'));
  const docs: CurrentDocument[] = [];
  const versions: StoredVersion[] = [];

  before(async () => {
    loadDefinitions();
    await sqlite.open();
    const write = async (version: StoredVersion, resource?: Resource): Promise<void> => {
      const rows = resource ? extractIndexRows(resource, BASE) : [];
      await sqlite.transaction((s) => s.writeVersion(version, rows));
      const at = docs.findIndex((d) => d._id === `${version.resourceType}/${version.id}`);
      if (at >= 0) docs.splice(at, 1);
      docs.push(toCurrentDocument(version, rows));
      versions.push(version);
    };
    for (const [i, r] of FIXTURES.entries()) {
      const lastUpdated = new Date(Date.UTC(2025, 0, 1 + i)).toISOString();
      const resource = { ...r, meta: { versionId: '1', lastUpdated } } as Resource;
      await write({ resourceType: r.resourceType, id: r.id as string, versionId: '1', lastUpdated, deleted: false, resource }, resource);
    }
    // A deleted resource is excluded from every search.
    await write({ resourceType: 'Patient', id: 'p3', versionId: '2', lastUpdated: '2025-02-01T00:00:00.000Z', deleted: true });
  });
  after(async () => {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (type: string, query: SearchQuery, count = 100): SearchRequest =>
    parseSearch(type, query, { defaultCount: count, maxCount: 1000, maxOrValues: 100, baseUrl: BASE, strict: true }).request;

  const mingoIds = (req: SearchRequest): string[] => {
    const { filter, sort, limit } = compileSearch(req);
    return new Query(filter).find<CurrentDocument>(docs).sort(sort).limit(limit).all().slice(0, req.count).map((d) => d.id);
  };

  for (const [type, query] of QUERIES) {
    it(`${type}?${new URLSearchParams(query as Record<string, string>).toString()}`, async () => {
      const req = request(type, query);
      const expected = (await sqlite.reader.search(req)).versions.map((v) => v.id);
      assert.deepEqual(mingoIds(req), expected);
    });
  }

  it('the cases are not vacuous: most queries match something, and not everything', async () => {
    let nonEmpty = 0;
    for (const [type, query] of QUERIES) if (mingoIds(request(type, query)).length > 0) nonEmpty++;
    assert.ok(nonEmpty >= QUERIES.length * 0.6, `${nonEmpty} of ${QUERIES.length}`);
    assert.deepEqual(mingoIds(request('Patient', { family: 'smythe' })), [], 'deleted resources are excluded');
    assert.deepEqual(mingoIds(request('Patient', { 'family:contains': '(a+)+$' })), ['p4']);
  });

  it('compartment membership agrees with SQLite', async () => {
    for (const target of ['Patient/p1', 'Patient/p2', 'Patient/p3', 'Patient/none']) {
      for (const params of [['subject'], ['patient', 'performer'], ['performer']]) {
        const req: SearchRequest = { resourceType: 'Observation', filters: [{ kind: 'compartment', params, target }], count: 100, total: 'none' };
        assert.deepEqual(mingoIds(req), (await sqlite.reader.search(req)).versions.map((v) => v.id), `${target} ${params}`);
      }
    }
    const p2: SearchRequest = { resourceType: 'Observation', filters: [{ kind: 'compartment', params: ['subject'], target: 'Patient/p2' }], count: 100, total: 'none' };
    assert.deepEqual(mingoIds(p2), ['o2', 'o3']);
  });

  it('pages with afterId like SQLite', async () => {
    const first = request('Observation', {}, 2);
    assert.deepEqual(mingoIds(first), ['o1', 'o2']);
    assert.deepEqual(mingoIds({ ...first, afterId: 'o2' }), ['o3', 'o4']);
  });

  it('history keyset paging matches SQLite', async () => {
    const historyDocs = versions.map(toHistoryDocument);
    const run = (q: Parameters<typeof compileHistory>[0]): string[] => {
      const { filter, sort, limit } = compileHistory(q);
      return new Query(filter).find<{ id: string; versionId: number }>(historyDocs).sort(sort).limit(limit).all().map((d) => `${d.id}/${d.versionId}`);
    };
    const all = (await sqlite.reader.history({ count: 100 })).map((v) => `${v.id}/${v.versionId}`);
    assert.deepEqual(run({ count: 100 }), all);
    const firstPage = await sqlite.reader.history({ count: 3 });
    const last = firstPage.at(-1) as StoredVersion;
    const before = { lastUpdated: last.lastUpdated, resourceType: last.resourceType, id: last.id, versionId: last.versionId };
    assert.deepEqual(run({ count: 3, before }), (await sqlite.reader.history({ count: 3, before })).map((v) => `${v.id}/${v.versionId}`));
    assert.deepEqual(run({ count: 100, resourceType: 'Patient', id: 'p3' }), ['p3/2', 'p3/1']);
  });

  it('escapes every regular-expression metacharacter', () => {
    for (const text of ['(a+)+$', '.*', '[x]', 'a|b', '^\\d{2}?', 'x/y-z', '\u0000']) {
      const pattern = new RegExp(escapeRegex(text));
      assert.ok(pattern.test(`pre${text}post`), text);
      assert.ok(!pattern.test('aaaa'), text);
    }
  });
});
