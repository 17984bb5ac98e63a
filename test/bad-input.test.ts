import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fhirFetch, testServerForSuite } from './support/test-server.ts';

/**
 * Hostile and malformed input: every case gets a clear OperationOutcome with the right status,
 * and none of them stores anything (the system history is compared before and after).
 */
describe('bad input', () => {
  const suite = testServerForSuite({ BODY_LIMIT_BYTES: String(64 * 1024), JSON_DEPTH_LIMIT: '32' });
  before(async () => {
    await fhirFetch(`${suite.F}/Patient/existing-1`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id: 'existing-1', name: [{ family: 'Existing' }] },
    });
  });

  // Versions of the data (the audit trail's AuditEvents are written in the background, apart).
  const versionCount = async (): Promise<number> =>
    (await suite.server.repo.history({ count: 10_000 })).filter((v) => v.resourceType !== 'AuditEvent').length;

  /** Sends a request and asserts status, an OperationOutcome naming `expect`, and no new versions. */
  async function rejects(status: number, request: Parameters<typeof fhirFetch>, expect?: RegExp): Promise<any> {
    const before = await versionCount();
    const res = await fhirFetch(...request);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body?.resourceType, 'OperationOutcome');
    assert.equal(res.headers.get('content-type'), 'application/fhir+json; charset=utf-8');
    if (expect) assert.match(JSON.stringify(res.body.issue), expect);
    assert.equal(await versionCount(), before, 'nothing stored');
    return res.body;
  }

  it('invalid JSON', () =>
    rejects(400, [`${suite.F}/Patient`, { method: 'POST', body: '{"resourceType": "Patient",' }], /Invalid JSON/));

  it('wrong Content-Type', () =>
    rejects(
      415,
      [
        `${suite.F}/Patient`,
        { method: 'POST', body: '{"resourceType":"Patient"}', headers: { 'content-type': 'text/plain' } },
      ],
      /Content-Type/,
    ));

  it('body over the limit → 413', () =>
    rejects(
      413,
      [
        `${suite.F}/Patient`,
        {
          method: 'POST',
          body: { resourceType: 'Patient', text: { status: 'generated', div: 'x'.repeat(70 * 1024) } },
        },
      ],
      /limit/,
    ));

  it('nesting deeper than the limit', () => {
    const deep = '{"resourceType":"Patient","extension":' + '['.repeat(40) + ']'.repeat(40) + '}';
    return rejects(400, [`${suite.F}/Patient`, { method: 'POST', body: deep }], /nesting/);
  });

  it('a million brackets cost one scan and a 400 (within the body limit)', () =>
    rejects(400, [`${suite.F}/Patient`, { method: 'POST', body: '['.repeat(60_000) }], /nesting/));

  it('resourceType not matching the URL', () =>
    rejects(
      400,
      [
        `${suite.F}/Patient`,
        { method: 'POST', body: { resourceType: 'Observation', status: 'final', code: { text: 'x' } } },
      ],
      /resourceType/,
    ));

  it('unknown resource type', () =>
    rejects(
      404,
      [`${suite.F}/Patientz`, { method: 'POST', body: { resourceType: 'Patientz' } }],
      /Unknown resource type/,
    ));

  it('unknown resource type on read', () => rejects(404, [`${suite.F}/NotAType/1`], /Unknown resource type/));

  it('id in body differs from id in URL', () =>
    rejects(
      400,
      [`${suite.F}/Patient/existing-1`, { method: 'PUT', body: { resourceType: 'Patient', id: 'other' } }],
      /Patient\.id/,
    ));

  it('update without an id in the body', () =>
    rejects(400, [`${suite.F}/Patient/existing-1`, { method: 'PUT', body: { resourceType: 'Patient' } }]));

  for (const id of ['a'.repeat(65), 'bad_id', 'bad%20id', 'ümlaut']) {
    it(`id not matching [A-Za-z0-9-.]{1,64}: ${id.slice(0, 12)}`, () =>
      rejects(
        400,
        [`${suite.F}/Patient/${encodeURIComponent(id)}`, { method: 'PUT', body: { resourceType: 'Patient', id } }],
        /Invalid id/,
      ));
  }

  it('invalid id on read', () => rejects(400, [`${suite.F}/Patient/${'x'.repeat(65)}`], /Invalid id/));

  it("a key starting with '$' anywhere in the body", () =>
    rejects(
      400,
      [
        `${suite.F}/Patient`,
        { method: 'POST', body: { resourceType: 'Patient', name: [{ family: 'X', $where: '1' }] } },
      ],
      /name\[0\]\.\$where/,
    ));

  it("a key containing '.' anywhere in the body", () =>
    rejects(
      400,
      [`${suite.F}/Patient`, { method: 'POST', body: { resourceType: 'Patient', 'name.family': 'X' } }],
      /name\.family/,
    ));

  it('__proto__ and constructor keys', async () => {
    await rejects(
      400,
      [`${suite.F}/Patient`, { method: 'POST', body: '{"resourceType":"Patient","__proto__":{"polluted":true}}' }],
      /__proto__/,
    );
    await rejects(
      400,
      [`${suite.F}/Patient`, { method: 'POST', body: '{"resourceType":"Patient","name":[{"constructor":{"x":1}}]}' }],
      /constructor/,
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("query names starting with '$'; a dot only as a chain of reference parameters", async () => {
    await rejects(400, [`${suite.F}/Patient?$where=1`], /\$where/);
    await rejects(400, [`${suite.F}/Patient?name.family=x`], /name\.family.*not a reference parameter/);
  });

  it('bracket syntax in a query is a literal (unknown) parameter, never an operator', async () => {
    const lenient = await fhirFetch(`${suite.F}/Patient?${encodeURIComponent('name[$ne]')}=x`);
    assert.equal(lenient.status, 200);
    const outcome = lenient.body.entry.find((e: any) => e.search?.mode === 'outcome');
    assert.match(outcome.resource.issue[0].details.text, /name\[\$ne\]/);
    const strict = await fhirFetch(`${suite.F}/Patient?${encodeURIComponent('name[$ne]')}=x`, {
      headers: { prefer: 'handling=strict' },
    });
    assert.equal(strict.status, 400);
  });

  it('client-set meta.versionId and meta.lastUpdated are ignored', async () => {
    const res = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: {
        resourceType: 'Patient',
        meta: { versionId: '99', lastUpdated: '1999-01-01T00:00:00Z', source: 'urn:app' },
      },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.meta.versionId, '1');
    assert.notEqual(res.body.meta.lastUpdated, '1999-01-01T00:00:00Z');
    assert.equal(res.body.meta.source, 'urn:app');
  });

  it('invalid resource content names every bad path', async () => {
    const body = await rejects(400, [
      `${suite.F}/Patient`,
      { method: 'POST', body: { resourceType: 'Patient', active: 'yes', name: [{ famly: 'X' }] } },
    ]);
    const paths = body.issue.flatMap((i: any) => i.expression ?? []);
    assert.ok(paths.includes('Patient.active'), JSON.stringify(paths));
    assert.ok(
      paths.some((p: string) => p.startsWith('Patient.name[0]')),
      JSON.stringify(paths),
    );
  });

  it('a non-object body', () => rejects(400, [`${suite.F}/Patient`, { method: 'POST', body: '[1,2]' }], /JSON object/));

  it('an empty body', () => rejects(400, [`${suite.F}/Patient`, { method: 'POST', body: '' }], /body is required/));

  it('bad search values', async () => {
    await rejects(400, [`${suite.F}/Patient?birthdate=notadate`], /Invalid date/);
    await rejects(400, [`${suite.F}/Patient?_count=-1`], /_count/);
    await rejects(400, [`${suite.F}/Patient?_count=abc`], /_count/);
    await rejects(
      400,
      [`${suite.F}/Patient?name=${Array.from({ length: 200 }, (_, i) => `n${i}`).join(',')}`],
      /At most/,
    );
  });

  it('huge _count is clamped, not honoured', async () => {
    const res = await fhirFetch(`${suite.F}/Patient?_count=999999999`);
    assert.equal(res.status, 200);
  });

  it('unsupported formats get 406', () =>
    rejects(406, [`${suite.F}/Patient/existing-1`, { headers: { accept: 'application/fhir+xml' } }]));

  it('a bad history cursor and _since', async () => {
    await rejects(400, [`${suite.F}/_history?_page=garbage`], /cursor/);
    await rejects(400, [`${suite.F}/_history?_since=yesterday`], /_since/);
  });

  it('unsupported routes answer with an OperationOutcome', () =>
    rejects(404, [`${suite.F}/Patient/existing-1/_history/1/extra`]));
});
