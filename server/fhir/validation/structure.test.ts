import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadFhirDefinitions } from '../load-fhir-definitions.ts';
import { MAX_STRUCTURE_ISSUES, structureIssues } from './structure.ts';

const paths = (value: unknown, options?: Parameters<typeof structureIssues>[1]): string[] =>
  structureIssues(value, options).flatMap((i) => i.expression ?? []);

describe('structure (the JSON shape of a resource)', () => {
  before(() => loadFhirDefinitions());

  it('accepts valid resources, including primitive extensions, choice types and contained resources', () => {
    const patient = {
      resourceType: 'Patient',
      id: 'p-1',
      meta: { tag: [{ system: 'http://x', code: 'y' }], profile: ['http://x/p'] },
      name: [
        {
          family: 'F',
          given: ['A', null, 'C'],
          _given: [null, { extension: [{ url: 'http://x', valueString: 'B' }] }, null],
        },
      ],
      birthDate: '2000-01-01',
      _birthDate: { id: 'b', extension: [{ url: 'http://x/time', valueDateTime: '2000-01-01T10:00:00Z' }] },
      deceasedBoolean: false,
      multipleBirthInteger: 2,
      contained: [{ resourceType: 'Organization', id: 'o1', name: 'Org' }],
      managingOrganization: { reference: '#o1' },
    };
    assert.deepEqual(structureIssues(patient), []);
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ fullUrl: 'urn:uuid:1', resource: patient, request: { method: 'POST', url: 'Patient' } }],
    };
    assert.deepEqual(structureIssues(bundle), []);
  });

  it('names the path of each wrongly-typed value', () => {
    assert.deepEqual(paths({ resourceType: 'Patient', id: [] }), ['Patient.id']);
    assert.deepEqual(paths({ resourceType: 'Patient', meta: { tag: 'x' } }), ['Patient.meta.tag']);
    assert.deepEqual(paths({ resourceType: 'Observation', status: 'final', code: {}, subject: { reference: [] } }), [
      'Observation.subject.reference',
    ]);
    assert.deepEqual(paths({ resourceType: 'Patient', meta: [] }), ['Patient.meta']);
    assert.deepEqual(paths({ resourceType: 'Patient', meta: { profile: [[]] } }), ['Patient.meta.profile[0]']);
    assert.deepEqual(paths({ resourceType: 'Patient', name: {} }), ['Patient.name']);
    assert.deepEqual(paths({ resourceType: 'Patient', active: 'yes', multipleBirthInteger: '2' }), [
      'Patient.active',
      'Patient.multipleBirthInteger',
    ]);
    assert.deepEqual(paths({ resourceType: 'Patient', _birthDate: 5 }), ['Patient._birthDate']);
    assert.deepEqual(paths({ resourceType: 'Patient', name: [null] }), ['Patient.name[0]']);
    assert.deepEqual(paths({ resourceType: 'Patient', contained: [5, { resourceType: 'Nope' }] }), [
      'Patient.contained[0]',
      'Patient.contained[1].resourceType',
    ]);
  });

  it('refuses unknown keys (own-property names included), two keys of one choice, and bad ids', () => {
    assert.deepEqual(paths({ resourceType: 'Patient', toString: 1, hasOwnProperty: {}, famly: 'x' }), [
      'Patient.toString',
      'Patient.hasOwnProperty',
      'Patient.famly',
    ]);
    assert.deepEqual(paths({ resourceType: 'Patient', deceasedBoolean: true, deceasedDateTime: '2000' }), [
      'Patient.deceasedDateTime',
    ]);
    assert.deepEqual(paths({ resourceType: 'Patient', id: 'x'.repeat(65) }), ['Patient.id']);
    assert.deepEqual(paths({ resourceType: 'Patient', contained: [{ resourceType: 'Organization', id: 'bad id' }] }), [
      'Patient.contained[0].id',
    ]);
  });

  it('checks resources at any depth: Bundle entries, Parameters', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: [] } },
        { resource: { resourceType: 'Observation', subject: { reference: 5 } } },
      ],
    };
    assert.deepEqual(paths(bundle), ['Bundle.entry[0].request.url', 'Bundle.entry[1].resource.subject.reference']);
    assert.deepEqual(
      paths({ resourceType: 'Parameters', parameter: [{ name: 'r', resource: { resourceType: 'Patient', id: [] } }] }),
      ['Parameters.parameter[0].resource.id'],
    );
  });

  it('starts paths where asked, checks the expected type, and reports at most a bounded number of issues', () => {
    assert.deepEqual(paths({ resourceType: 'Patient', id: [] }, { path: 'Bundle.entry[2].resource' }), [
      'Bundle.entry[2].resource.id',
    ]);
    assert.deepEqual(paths('x', { expectedType: 'Bundle' }), ['Bundle']);
    assert.deepEqual(paths({ resourceType: 'Patient' }, { expectedType: 'Bundle' }), ['Patient.resourceType']);
    assert.deepEqual(paths({ resourceType: [] }), ['Resource.resourceType']);
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    assert.equal(structureIssues({ resourceType: 'Patient', ...many }).length, MAX_STRUCTURE_ISSUES);
  });
});
