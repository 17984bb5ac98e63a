import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parseFhirPath, toTypedValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { SHARED_DATA, sharedDataMissing, syntheaBundles } from '../../../test/support/shared-data.ts';
import { loadDefinitions, searchParametersFor } from '../definitions.ts';
import { evaluate, termsFor } from './expressions.ts';
import { compileSimplePath } from './simple-path.ts';

// The engine also reports each value's path; the index converters read only the type and the value.
function typeAndValue(values: TypedValue[]): TypedValue[] {
  return values.map(({ type, value }) => ({ type, value }));
}

describe('compileSimplePath', () => {
  before(() => loadDefinitions());

  it('takes plain paths and unions of them, and leaves everything else to FHIRPath', () => {
    assert.ok(compileSimplePath('Patient', 'Patient.name'));
    assert.ok(compileSimplePath('Patient', 'Patient.meta.tag'));
    assert.ok(compileSimplePath('Observation', 'Observation.subject | Observation.focus'));
    for (const expression of [
      "Patient.telecom.where(system='phone')",
      '(Observation.value as Quantity)',
      'Patient.name[0]',
      'Patient.deceased.exists() and Patient.deceased != false',
      'Condition.onset.as(Age)',
      'Practitioner.name', // another type's path: FHIRPath's type filter decides
      'Resource.meta.tag',
    ])
      assert.equal(compileSimplePath('Patient', expression), undefined, expression);
  });

  it('gives exactly the values and types FHIRPath gives, on a resource with choice types and primitives', () => {
    const observation: Resource = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '1' }] },
      subject: { reference: 'Patient/1' },
      effectiveDateTime: '2024-01-02',
      valueQuantity: { value: 1, unit: 'kg' },
      meta: { tag: [{ code: 'a' }, { code: 'b' }] },
    };
    for (const expression of [
      'Observation.effective',
      'Observation.value',
      'Observation.meta.tag',
      'Observation.code',
    ]) {
      const typed: TypedValue[] = [toTypedValue(observation)];
      assert.deepEqual(
        compileSimplePath('Observation', expression)!(typed),
        typeAndValue(evaluate(parseFhirPath(expression), typed)),
      );
    }
  });

  // The real proof: every simple standard expression, over every resource of the shared Synthea data.
  it('matches FHIRPath for every simple search expression over the Synthea data', (t) => {
    const missing = sharedDataMissing('synthea-r4-bundles') || sharedDataMissing('synthea-bulk-10');
    if (missing) return t.skip(missing);
    const resources: Resource[] = [];
    for (const { text } of syntheaBundles())
      for (const entry of (JSON.parse(text) as Bundle).entry ?? []) if (entry.resource) resources.push(entry.resource);
    const bulk = join(SHARED_DATA, 'synthea-bulk-10');
    for (const file of readdirSync(bulk).filter((f) => f.endsWith('.ndjson')))
      for (const line of readFileSync(join(bulk, file), 'utf8').split('\n'))
        if (line.trim()) resources.push(JSON.parse(line) as Resource);
    let compared = 0;
    const compiled = new Map<
      string,
      Array<{ expression: string; simple: NonNullable<ReturnType<typeof compileSimplePath>> }>
    >();
    for (const resource of resources) {
      let list = compiled.get(resource.resourceType);
      if (!list) {
        list = [];
        for (const [, sp] of searchParametersFor(resource.resourceType)) {
          const expression = sp.expression && termsFor(resource.resourceType, sp.expression);
          const simple = expression ? compileSimplePath(resource.resourceType, expression) : undefined;
          if (expression && simple) list.push({ expression, simple });
        }
        compiled.set(resource.resourceType, list);
      }
      const typed = [toTypedValue(resource)];
      for (const { expression, simple } of list) {
        const expected = typeAndValue(evaluate(parseFhirPath(expression), typed));
        assert.deepEqual(simple(typed), expected, `${resource.resourceType}/${resource.id}: ${expression}`);
        compared += expected.length;
      }
    }
    assert.ok(compared > 10_000, `compared ${compared} values`);
  });
});
