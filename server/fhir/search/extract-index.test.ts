import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDefinitions } from '../definitions.ts';
import { extractIndexRows } from './extract-index.ts';

const BASE = 'http://example.test/fhir/R4';

describe('extractIndexRows', () => {
  before(() => loadDefinitions());

  it('indexes Patient names, identifiers, dates, tokens and references', () => {
    const rows = extractIndexRows(
      {
        resourceType: 'Patient',
        name: [{ family: 'Zoë', given: ['Ann'] }],
        birthDate: '1980-02',
        gender: 'female',
        identifier: [{ system: 'urn:mrn', value: '7' }],
        generalPractitioner: [{ reference: `${BASE}/Practitioner/9` }],
        meta: { tag: [{ system: 'urn:tags', code: 'vip' }] },
      },
      BASE,
    );
    const has = (row: object) =>
      assert.ok(
        rows.some((r) => Object.entries(row).every(([k, v]) => (r as any)[k] === v)),
        JSON.stringify(row),
      );
    has({ kind: 'string', param: 'family', value: 'zoe', exact: 'Zoë' });
    has({ kind: 'string', param: 'name', value: 'ann' });
    has({ kind: 'date', param: 'birthdate', low: '1980-02-01T00:00:00.000Z', high: '1980-02-29T23:59:59.999Z' });
    has({ kind: 'token', param: 'gender', system: null, code: 'female' });
    has({ kind: 'token', param: 'identifier', system: 'urn:mrn', code: '7' });
    has({ kind: 'token', param: '_tag', system: 'urn:tags', code: 'vip' });
    has({ kind: 'reference', param: 'general-practitioner', target: 'Practitioner/9', targetType: 'Practitioner' });
  });

  it('indexes an Observation: codes, periods as ranges, quantities, the patient reference', () => {
    const rows = extractIndexRows(
      {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '29463-7', display: 'Body weight' }] },
        subject: { reference: 'Patient/p1/_history/3' },
        effectivePeriod: { start: '2024-01-01' },
        valueQuantity: { value: 70.5, system: 'http://unitsofmeasure.org', code: 'kg' },
      },
      BASE,
    );
    assert.ok(
      rows.some((r) => r.kind === 'token' && r.param === 'code' && r.code === '29463-7' && r.text === 'body weight'),
    );
    assert.ok(rows.some((r) => r.kind === 'reference' && r.param === 'patient' && r.target === 'Patient/p1'));
    assert.ok(
      rows.some(
        (r) =>
          r.kind === 'date' &&
          r.param === 'date' &&
          r.low === '2024-01-01T00:00:00.000Z' &&
          r.high === '9999-12-31T23:59:59.999Z',
      ),
    );
    assert.ok(
      rows.some((r) => r.kind === 'quantity' && r.param === 'value-quantity' && r.low === 70.5 && r.code === 'kg'),
    );
  });

  it('yields each row once', () => {
    const rows = extractIndexRows({ resourceType: 'Patient', name: [{ family: 'Same' }, { family: 'Same' }] }, BASE);
    assert.equal(rows.filter((r) => r.kind === 'string' && r.param === 'family').length, 1);
  });

  it('indexes _content and _text words, except for AuditEvent (searched by agent, entity, date, patient, never by text)', () => {
    const text = {
      status: 'generated' as const,
      div: '<div xmlns="http://www.w3.org/1999/xhtml">Blood pressure</div>',
    };
    const obs = extractIndexRows(
      { resourceType: 'Observation', status: 'final', code: { text: 'Body weight' }, text },
      BASE,
    );
    assert.ok(obs.some((r) => r.kind === 'string' && r.param === '_content' && r.value === 'weight'));
    assert.ok(obs.some((r) => r.kind === 'string' && r.param === '_text' && r.value === 'blood'));
    const audit = extractIndexRows(
      {
        resourceType: 'AuditEvent',
        text,
        type: { code: 'rest' },
        action: 'R',
        recorded: '2025-01-01T00:00:00Z',
        outcomeDesc: 'HTTP 200',
        agent: [{ requestor: true, who: { display: 'someone' } }],
        source: { observer: { display: 'server' } },
      },
      BASE,
    );
    assert.deepEqual(
      audit.filter((r) => r.param === '_content' || r.param === '_text'),
      [],
    );
    assert.ok(
      audit.some((r) => r.kind === 'token' && r.param === 'action' && r.code === 'R'),
      'its search parameters are indexed as before',
    );
  });
});
