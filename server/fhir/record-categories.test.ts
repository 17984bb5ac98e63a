import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ValueSet } from '@medplum/fhirtypes';
import { SHARING_CATEGORIES } from './record-categories.ts';

describe('record categories', () => {
  it('are exactly the codes of the record-sharing-default extension value set', () => {
    const file = join(
      import.meta.dirname,
      '..',
      '..',
      'fhir-profiles',
      'terminology',
      'value-set-record-sharing-category.json',
    );
    const valueSet = JSON.parse(readFileSync(file, 'utf8')) as ValueSet;
    const codes = (valueSet.compose?.include ?? []).flatMap((i) => (i.concept ?? []).map((c) => c.code));
    assert.deepEqual(codes, SHARING_CATEGORIES);
  });
});
