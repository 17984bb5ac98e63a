import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { Query } from 'mingo';
import { mingoSource } from '../../../test/support/mingo-source.ts';
import { loadDefinitions } from '../../fhir/definitions.ts';
import { extractIndexRows } from '../../fhir/search/extract-index.ts';
import { parseSearch } from '../../fhir/search/parse-search.ts';
import type { Query as SearchQuery } from '../../fhir/search/parse-search.ts';
import type { SearchRequest } from '../../fhir/search/search-request.ts';
import { SqliteEngine } from '../sqlite/sqlite-engine.ts';
import type { SearchPage, StoredVersion } from '../stored-version.ts';
import { compileHistory, escapeRegex } from './compile-search.ts';
import { runSearch } from './search-runner.ts';
import { toCurrentDocument, toHistoryDocument } from './documents.ts';
import type { CurrentDocument } from './documents.ts';

/**
 * The MongoDB engine's generated queries, executed by mingo (an independent implementation of
 * MongoDB's query language) over documents built by the engine's own mapping, must return exactly
 * what the SQLite engine returns for the same searches over the same resources. No MongoDB server
 * is needed; the full engine runs against a real server in mongo-contract.test.ts.
 */
const BASE = 'http://example.test/fhir/R4';

const patient = (id: string, family: string, extra: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family }],
  ...extra,
});
const observation = (
  id: string,
  subject: string,
  date: string,
  code: string,
  extra: Partial<Observation> = {},
): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${subject}` },
  effectiveDateTime: date,
  ...extra,
});
const UCUM = 'http://unitsofmeasure.org';

const FIXTURES: Resource[] = [
  patient('p1', 'Zoë', {
    birthDate: '1980-02-15',
    gender: 'female',
    managingOrganization: { reference: 'Organization/org1' },
    identifier: [
      {
        system: 'urn:mrn',
        value: 'A1',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
      },
    ],
    generalPractitioner: [{ identifier: { system: 'urn:npi', value: '99' } }],
    meta: { profile: ['http://example.org/fhir/StructureDefinition/a/b'] },
  } as Partial<Patient>),
  {
    resourceType: 'Organization',
    id: 'org1',
    name: 'Clinic Nørth',
    partOf: { reference: 'Organization/org2' },
  } as Resource,
  { resourceType: 'Organization', id: 'org2', name: 'Health Group' } as Resource,
  patient('p2', 'Smith', {
    birthDate: '1990',
    gender: 'male',
    identifier: [{ value: 'A2' }],
    name: [{ family: 'Smith', given: ['Jo', 'Ann'] }],
  }),
  patient('p3', 'Smythe', { birthDate: '2001-06-30', identifier: [{ system: 'urn:other', value: 'A1' }] }),
  patient('p4', 'O(a+)+$Brien.*', { birthDate: '1975-12-31', gender: 'other' }),
  patient('p5', 'Null\u0000Byte', { active: true }),
  observation('o1', 'p1', '2024-01-10T08:00:00Z', '8867-4', {
    valueQuantity: { value: 72, system: UCUM, code: '/min' },
  }),
  observation('o2', 'p2', '2024-03-01', '8867-4', { valueQuantity: { value: 100.4, system: UCUM, code: '/min' } }),
  observation('o3', 'p2', '2023-12-31T23:59:59.999Z', '29463-7', {
    valueQuantity: { value: 70.5, system: UCUM, code: 'kg' },
    category: [{ coding: [{ code: 'vital-signs', display: 'Vital Signs' }] }],
  }),
  observation('o5', 'p1', '2024-02-02', '85354-9', {
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        valueQuantity: { value: 120, system: UCUM, code: 'mm[Hg]' },
      },
      {
        code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
        valueQuantity: { value: 80, system: UCUM, code: 'mm[Hg]' },
      },
    ],
  }),
  {
    resourceType: 'RiskAssessment',
    id: 'r1',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    prediction: [{ probabilityDecimal: 0.25 }],
  } as Resource,
  {
    resourceType: 'RiskAssessment',
    id: 'r2',
    status: 'final',
    subject: { reference: 'Patient/p2' },
    prediction: [{ probabilityDecimal: 0.7 }],
  } as Resource,
  {
    resourceType: 'Observation',
    id: 'o4',
    status: 'final',
    code: { text: 'period' },
    subject: { reference: 'Patient/p3' },
    effectivePeriod: { start: '2020-01-01', end: '2020-06-30' },
  } as Observation,
];

const QUERIES: Array<[string, SearchQuery]> = [
  ['Patient', { family: 'zoe' }],
  ['Patient', { family: 'SM' }],
  ['Patient', { name: 'jo,ann' }],
  ['Patient', { 'family:exact': 'Zoë' }],
  ['Patient', { 'family:exact': 'zoë' }],
  ['Patient', { 'family:contains': 'myt' }],
  ['Patient', { 'family:contains': '(a+)+$' }],
  ['Patient', { 'family:contains': '.*' }],
  ['Patient', { 'family:contains': 'l\u0000b' }],
  ['Patient', { family: '.*' }],
  ['Patient', { 'family:contains': '^' }],
  ['Patient', { identifier: 'A1' }],
  ['Patient', { identifier: 'urn:mrn|A1' }],
  ['Patient', { identifier: '|A2' }],
  ['Patient', { identifier: 'urn:other|' }],
  ['Patient', { gender: 'female,male' }],
  ['Patient', { gender: 'male', family: 'smi' }],
  ['Patient', { active: 'true' }],
  ['Patient', { birthdate: '1980-02' }],
  ['Patient', { birthdate: 'ge1990-06-01' }],
  ['Patient', { birthdate: 'lt1990' }],
  ['Patient', { birthdate: 'le1990' }],
  ['Patient', { birthdate: 'gt1980' }],
  ['Patient', { birthdate: 'ne1990' }],
  ['Patient', { birthdate: 'sa1980' }],
  ['Patient', { birthdate: 'eb1990' }],
  ['Patient', { birthdate: 'ap1990-05' }],
  ['Patient', { birthdate: ['ge1976', 'le2000'] }],
  ['Patient', { birthdate: 'eq1975-12-31,eq2001' }],
  ['Patient', { _id: 'p1,p3,nope' }],
  ['Patient', { _lastUpdated: 'ge2025-01-01' }],
  ['Observation', { _lastUpdated: '2025-01-09' }],
  ['Observation', { _lastUpdated: 'ap2025-01-11' }],
  ['Patient', { _lastUpdated: 'lt2025-01-01' }],
  ['Observation', { subject: 'Patient/p2' }],
  ['Observation', { patient: 'p1' }],
  ['Observation', { 'subject:Patient': 'p3' }],
  ['Observation', { subject: `${BASE}/Patient/p1` }],
  ['Observation', { code: 'http://loinc.org|8867-4' }],
  ['Observation', { code: '29463-7,8867-4', subject: 'Patient/p2' }],
  ['Observation', { date: '2024' }],
  ['Observation', { date: 'ge2024-01-10T08:00:00Z' }],
  ['Observation', { date: 'lt2024-01-01' }],
  ['Observation', { date: '2020-03' }],
  ['Observation', { date: 'eq2020' }],
  ['Observation', { date: 'ap2020-03-01' }],
  ['Observation', { date: 'sa2023-12-31' }],
  ['Observation', { date: 'eb2024' }],
  ['Observation', { date: 'ne2024' }],
  // number, quantity, composite
  ['RiskAssessment', { probability: '0.25' }],
  ['RiskAssessment', { probability: 'gt0.3' }],
  ['RiskAssessment', { probability: 'le0.25' }],
  ['RiskAssessment', { probability: 'ap0.26' }],
  ['RiskAssessment', { probability: 'ne0.7' }],
  ['RiskAssessment', { probability: 'sa0.25' }],
  ['Observation', { 'value-quantity': '72' }],
  ['Observation', { 'value-quantity': 'gt71||/min' }],
  ['Observation', { 'value-quantity': `ge70|${UCUM}|kg` }],
  ['Observation', { 'value-quantity': 'lt100.5' }],
  ['Observation', { 'value-quantity': '100' }],
  ['Observation', { 'value-quantity': 'eb72,sa100' }],
  ['Observation', { 'code-value-quantity': 'http://loinc.org|8867-4$gt80' }],
  ['Observation', { 'code-value-quantity': '8867-4$lt80,29463-7$70.5' }],
  ['Observation', { 'component-code-value-quantity': 'http://loinc.org|8480-6$ge120' }],
  ['Observation', { 'component-code-value-quantity': '8462-4$gt100' }],
  ['Observation', { 'combo-code-value-quantity': '8462-4$80' }],
  // modifiers
  ['Patient', { 'gender:missing': 'true' }],
  ['Patient', { 'gender:missing': 'false' }],
  ['Observation', { 'value-quantity:missing': 'true' }],
  ['Observation', { 'code-value-quantity:missing': 'false' }],
  ['Patient', { 'gender:not': 'male' }],
  ['Patient', { 'gender:not': 'male,female' }],
  ['Observation', { 'category:text': 'vital' }],
  ['Observation', { 'category:text': 'signs' }],
  ['Observation', { 'category:text': 'ital' }],
  ['Patient', { 'identifier:of-type': 'http://terminology.hl7.org/CodeSystem/v2-0203|MR|A1' }],
  ['Patient', { 'general-practitioner:identifier': 'urn:npi|99' }],
  ['Patient', { _profile: 'http://example.org/fhir/StructureDefinition/a/b' }],
  ['Patient', { '_profile:below': 'http://example.org/fhir/StructureDefinition' }],
  ['Patient', { '_profile:above': 'http://example.org/fhir/StructureDefinition/a/b/c' }],
  ['Patient', { '_profile:below': 'http://example.org/fhir/Struct' }],
  ['Patient', { 'gender:in': 'http://hl7.org/fhir/ValueSet/administrative-gender' }],
  ['Patient', { 'gender:not-in': 'http://hl7.org/fhir/ValueSet/administrative-gender' }],
  ['Observation', { 'category:in': 'http://hl7.org/fhir/ValueSet/observation-category' }],
  ['Patient', { _content: 'zoe' }],
  ['Patient', { _content: 'smi jo' }],
  ['Organization', { _content: 'clinic north,group' }],
  // chains and reverse chains
  ['Observation', { 'subject:Patient.name': 'smi' }],
  ['Observation', { 'patient.organization.name': 'clinic' }],
  ['Observation', { 'subject:Patient.organization.partof.name': 'health' }],
  ['Patient', { '_has:Observation:patient:code': '8867-4' }],
  ['Patient', { '_has:Observation:subject:value-quantity': 'gt99' }],
  ['Organization', { '_has:Patient:organization:_has:Observation:patient:code': '85354-9' }],
  ['Patient', { '_has:RiskAssessment:subject:probability': 'gt0.5', gender: 'male' }],
];

/** Sorted searches: every page, in both directions, must agree. */
const SORTED: Array<[string, SearchQuery]> = [
  ['Patient', { _sort: 'family' }],
  ['Patient', { _sort: '-birthdate' }],
  ['Patient', { _sort: 'gender,-family' }],
  ['Patient', { _sort: '-gender,_id' }],
  ['Observation', { _sort: '-date' }],
  ['Observation', { _sort: 'value-quantity' }],
  ['Observation', { _sort: '-value-quantity,code' }],
  ['Observation', { _sort: 'subject,-_lastUpdated' }],
  ['RiskAssessment', { _sort: '-probability' }],
  ['Patient', { _sort: 'identifier', gender: 'male,female,other' }],
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
      await write(
        { resourceType: r.resourceType, id: r.id as string, versionId: '1', lastUpdated, deleted: false, resource },
        resource,
      );
    }
    // A deleted resource is excluded from every search.
    await write({
      resourceType: 'Patient',
      id: 'p3',
      versionId: '2',
      lastUpdated: '2025-02-01T00:00:00.000Z',
      deleted: true,
    });
  });
  after(async () => {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (type: string, query: SearchQuery, count = 100): SearchRequest =>
    parseSearch(type, query, { defaultCount: count, maxCount: 1000, maxOrValues: 100, baseUrl: BASE, strict: true })
      .request;

  const mingoIds = async (req: SearchRequest): Promise<string[]> =>
    (await runSearch(mingoSource(docs), req)).versions.map((v) => v.id);

  for (const [type, query] of QUERIES) {
    it(`${type}?${new URLSearchParams(query as Record<string, string>).toString()}`, async () => {
      const req = request(type, query);
      const expected = (await sqlite.reader.search(req)).versions.map((v) => v.id);
      assert.deepEqual(await mingoIds(req), expected);
    });
  }

  /** Every page forward from the start, then every page backward from the end, as id lists. */
  async function walk(search: (r: SearchRequest) => Promise<SearchPage>, req: SearchRequest): Promise<string[][]> {
    const pages: string[][] = [];
    let page = await search(req);
    pages.push(page.versions.map((v) => v.id));
    while (page.hasMore && page.last) {
      page = await search({ ...req, page: { direction: 'after', position: page.last } });
      pages.push(page.versions.map((v) => v.id));
    }
    while (page.first) {
      page = await search({ ...req, page: { direction: 'before', position: page.first } });
      if (!page.versions.length) break;
      pages.push(page.versions.map((v) => v.id));
      if (!page.hasMore) break;
    }
    return pages;
  }

  for (const [type, query] of SORTED) {
    it(`sorted and paged both ways: ${type}?${new URLSearchParams(query as Record<string, string>).toString()}`, async () => {
      const req = request(type, query, 2);
      const expected = await walk((r) => sqlite.reader.search(r), req);
      assert.deepEqual(await walk((r) => runSearch(mingoSource(docs), r), req), expected);
      // Walking forward then back covers every match, in order, and ends where it began.
      const all = (await sqlite.reader.search(request(type, query, 100))).versions.map((v) => v.id);
      const forward = expected.slice(0, Math.ceil(all.length / 2));
      assert.deepEqual(forward.flat(), all);
      assert.deepEqual(expected.at(-1), expected[0]);
    });
  }

  it('sorts by the values the FHIR rules name, missing values last', async () => {
    assert.deepEqual(await mingoIds(request('Patient', { _sort: '-birthdate' })), ['p2', 'p1', 'p4', 'p5']);
    assert.deepEqual(await mingoIds(request('Patient', { _sort: 'gender' })), ['p1', 'p2', 'p4', 'p5']);
    assert.deepEqual(await mingoIds(request('Observation', { _sort: '-value-quantity' })), [
      'o2',
      'o1',
      'o3',
      'o4',
      'o5',
    ]);
  });

  it('the cases are not vacuous: most queries match something, and not everything', async () => {
    let nonEmpty = 0;
    for (const [type, query] of QUERIES) if ((await mingoIds(request(type, query))).length > 0) nonEmpty++;
    assert.ok(nonEmpty >= QUERIES.length * 0.6, `${nonEmpty} of ${QUERIES.length}`);
    assert.deepEqual(await mingoIds(request('Patient', { family: 'smythe' })), [], 'deleted resources are excluded');
    // Both bounds of an eq/ap range on the one lastUpdated field (one object would keep only one).
    assert.deepEqual(await mingoIds(request('Observation', { _lastUpdated: '2025-01-10' })), ['o3']);
    assert.deepEqual(await mingoIds(request('Observation', { _lastUpdated: 'ap2025-01-10' })), ['o3']);
    assert.deepEqual(await mingoIds(request('Patient', { 'family:contains': '(a+)+$' })), ['p4']);
    assert.deepEqual(await mingoIds(request('Observation', { 'component-code-value-quantity': '8480-6$120' })), ['o5']);
    assert.deepEqual(
      await mingoIds(request('Observation', { 'component-code-value-quantity': '8480-6$80' })),
      [],
      'components match within one element',
    );
    assert.deepEqual(await mingoIds(request('Observation', { 'patient.organization.name': 'clinic' })), ['o1', 'o5']);
    assert.deepEqual(
      await mingoIds(request('Patient', { 'gender:not-in': 'http://hl7.org/fhir/ValueSet/administrative-gender' })),
      ['p5'],
    );
    assert.deepEqual(
      await mingoIds(request('Observation', { 'category:in': 'http://hl7.org/fhir/ValueSet/observation-category' })),
      ['o3'],
    );
    assert.deepEqual(
      await mingoIds(request('Organization', { '_has:Patient:organization:_has:Observation:patient:code': '85354-9' })),
      ['org1'],
    );
  });

  it('pages by id like SQLite, with totals', async () => {
    const first = { ...request('Observation', {}, 2), total: 'accurate' as const };
    const page = await runSearch(mingoSource(docs), first);
    assert.deepEqual(
      page.versions.map((v) => v.id),
      ['o1', 'o2'],
    );
    assert.equal(page.total, 5);
    assert.deepEqual(await mingoIds({ ...first, page: { direction: 'after', position: page.last! } }), ['o3', 'o4']);
  });

  it('history keyset paging matches SQLite', async () => {
    const historyDocs = versions.map(toHistoryDocument);
    const run = (q: Parameters<typeof compileHistory>[0]): string[] => {
      const { filter, sort, limit } = compileHistory(q);
      return new Query(filter)
        .find<{ id: string; versionId: number }>(historyDocs)
        .sort(sort)
        .limit(limit)
        .all()
        .map((d) => `${d.id}/${d.versionId}`);
    };
    const all = (await sqlite.reader.history({ count: 100 })).map((v) => `${v.id}/${v.versionId}`);
    assert.deepEqual(run({ count: 100 }), all);
    const firstPage = await sqlite.reader.history({ count: 3 });
    const last = firstPage.at(-1) as StoredVersion;
    const before = {
      lastUpdated: last.lastUpdated,
      resourceType: last.resourceType,
      id: last.id,
      versionId: last.versionId,
    };
    assert.deepEqual(
      run({ count: 3, before }),
      (await sqlite.reader.history({ count: 3, before })).map((v) => `${v.id}/${v.versionId}`),
    );
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
