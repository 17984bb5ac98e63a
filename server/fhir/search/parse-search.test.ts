import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDefinitions } from '../definitions.ts';
import { FhirError } from '../outcomes.ts';
import { encodeCursor, parseSearch } from './parse-search.ts';
import type { Query } from './parse-search.ts';

const BASE = 'http://example.test/fhir/R4';
const parse = (type: string, query: Query, strict = false) =>
  parseSearch(type, query, { defaultCount: 20, maxCount: 100, maxOrValues: 5, baseUrl: BASE, strict });

describe('parseSearch', () => {
  before(() => loadDefinitions());

  it('parses each supported kind into the internal form', () => {
    const { request } = parse('Patient', {
      name: 'Zoë',
      identifier: 'urn:x|1',
      birthdate: 'ge2000',
      _id: 'a,b',
      'family:exact': 'Ab',
    });
    assert.deepEqual(request.filters, [
      { kind: 'string', param: 'name', any: [{ match: 'prefix', value: 'zoe' }] },
      { kind: 'token', param: 'identifier', any: [{ system: 'urn:x', code: '1' }] },
      {
        kind: 'date',
        param: 'birthdate',
        any: [{ prefix: 'ge', low: '2000-01-01T00:00:00.000Z', high: '2000-12-31T23:59:59.999Z' }],
      },
      { kind: 'id', ids: ['a', 'b'] },
      { kind: 'string', param: 'family', any: [{ match: 'exact', value: 'Ab' }] },
    ]);
  });

  it('token forms: code, |code, system|, system|code', () => {
    const { request } = parse('Patient', { identifier: 'c,|c,s|,s|c' });
    assert.deepEqual(request.filters[0], {
      kind: 'token',
      param: 'identifier',
      any: [{ code: 'c' }, { system: null, code: 'c' }, { system: 's' }, { system: 's', code: 'c' }],
    });
  });

  it('references: bare ids expand to the target types; absolute URLs on this server become local', () => {
    const { request } = parse('Observation', { subject: `${BASE}/Patient/1`, patient: '2' });
    assert.deepEqual(request.filters, [
      { kind: 'reference', param: 'subject', any: [{ target: 'Patient/1' }] },
      { kind: 'reference', param: 'patient', any: [{ target: 'Patient/2' }] },
    ]);
    assert.throws(() => parse('Observation', { 'subject:Banana': '1' }), FhirError);
  });

  it('escaped commas are literal; repeated parameters AND', () => {
    const { request } = parse('Patient', { family: ['a\\,b', 'c'] });
    assert.deepEqual(
      request.filters.map((f) => (f as any).any),
      [[{ match: 'prefix', value: 'a,b' }], [{ match: 'prefix', value: 'c' }]],
    );
  });

  it('clamps _count, reads _total and the cursor', () => {
    const cursor = encodeCursor('after', { values: ['x', null], id: 'abc' });
    const { request } = parse('Patient', {
      _count: '5000',
      _total: 'accurate',
      _cursor: cursor,
      _sort: 'family,-birthdate',
    });
    assert.equal(request.count, 100);
    assert.equal(request.total, 'accurate');
    assert.deepEqual(request.page, { direction: 'after', position: { values: ['x', null], id: 'abc' } });
    assert.throws(() => parse('Patient', { _cursor: cursor }), /Invalid paging cursor/);
    assert.throws(() => parse('Patient', { _cursor: 'abc' }), /Invalid paging cursor/);
  });

  it('lenient mode ignores unknown parameters and reports them; strict mode rejects them', () => {
    assert.deepEqual(parse('Patient', { foo: '1', 'name[$ne]': 'x' }).ignored, ['foo', 'name[$ne]']);
    assert.throws(
      () => parse('Patient', { foo: '1' }, true),
      (e: unknown) => e instanceof FhirError && e.status === 400,
    );
  });

  it('limits OR values and rejects bad dates and modifiers', () => {
    assert.throws(() => parse('Patient', { name: 'a,b,c,d,e,f' }), /At most 5/);
    assert.throws(() => parse('Patient', { birthdate: 'ge20x0' }), /Invalid date/);
    assert.throws(() => parse('Patient', { 'gender:banana': 'x' }), /not supported/);
  });
});
