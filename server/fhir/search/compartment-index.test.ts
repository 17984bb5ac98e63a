import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDefinitions } from '../definitions.ts';
import { compartmentRows, compartmentsOf, compartmentTargets } from './compartment-index.ts';
import { extractIndexRows } from './extract-index.ts';

const BASE = 'http://example.test/fhir/R4';

describe('patient-compartment index rows', () => {
  before(() => loadDefinitions());

  it('writes the stored row shape exactly (a change would need every store reindexed)', () => {
    const observation = {
      resourceType: 'Observation' as const,
      status: 'final' as const,
      code: { text: 'x' },
      subject: { reference: 'Patient/a' },
      performer: [{ reference: `${BASE}/Patient/b` }],
    };
    const rows = compartmentRows(observation, extractIndexRows(observation, BASE));
    assert.equal(
      JSON.stringify(rows),
      '[{"kind":"reference","param":"_compartment","target":"Patient/b","targetType":"Patient"},{"kind":"reference","param":"_compartment","target":"Patient/a","targetType":"Patient"}]',
    );
  });

  it("puts a Patient in its own compartment and a Binary in its securityContext patient's", () => {
    assert.deepEqual(compartmentsOf({ resourceType: 'Patient', id: 'p1' }, []), ['p1']);
    assert.deepEqual(
      compartmentTargets(
        { resourceType: 'Binary', contentType: 'text/plain', securityContext: { reference: 'Patient/p2' } },
        BASE,
      ),
      ['p2'],
    );
    assert.deepEqual(
      compartmentTargets(
        { resourceType: 'Binary', contentType: 'text/plain', securityContext: { reference: 'Practitioner/x' } },
        BASE,
      ),
      [],
    );
  });

  it('ignores references that are not the compartment parameters or not to a Patient', () => {
    assert.deepEqual(
      compartmentTargets(
        {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: 'Group/g' },
          basedOn: [{ reference: 'Patient/c' }],
        } as never,
        BASE,
      ),
      [],
    );
    assert.deepEqual(compartmentTargets({ resourceType: 'Organization', name: 'no compartment' }, BASE), []);
  });
});
