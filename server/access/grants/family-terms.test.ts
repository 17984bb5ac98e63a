import assert from 'node:assert/strict';
import type { Organization, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { describe, it } from 'node:test';
import { DEFAULT_MINOR_PROXY_AGE, familyAccessOpen, MINOR_PROXY_AGE_URL, minorProxyAge } from './family-terms.ts';

const NOW = new Date('2026-12-03T10:00:00Z');
const mother = (extra: Partial<RelatedPerson> = {}): RelatedPerson => ({
  resourceType: 'RelatedPerson',
  patient: { reference: 'Patient/c' },
  relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
  ...extra,
});
const spouse = (extra: Partial<RelatedPerson> = {}): RelatedPerson => ({
  resourceType: 'RelatedPerson',
  patient: { reference: 'Patient/c' },
  relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'SPS' }] }],
  ...extra,
});
const child = (birthDate?: string): Patient => ({ resourceType: 'Patient', ...(birthDate ? { birthDate } : {}) });

describe('family access terms', () => {
  it("a parent's access ends on the child's birthday at the age limit, not a day before", () => {
    assert.equal(familyAccessOpen(mother(), child('2008-12-04'), 18, NOW), true, 'turns 18 tomorrow');
    assert.equal(familyAccessOpen(mother(), child('2008-12-03'), 18, NOW), false, 'turns 18 today');
    assert.equal(familyAccessOpen(mother(), child('2010-06-01'), 16, NOW), false, "the practice's limit of 16");
    assert.equal(
      familyAccessOpen(mother(), child('2008'), 18, NOW),
      false,
      'a birth year alone counts from its first day',
    );
  });

  it("a parent's access needs the child's birth date; other relatives' does not depend on age", () => {
    assert.equal(familyAccessOpen(mother(), child(), 18, NOW), false);
    assert.equal(familyAccessOpen(spouse(), child('1960-01-01'), 18, NOW), true);
    const guardian = mother({
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'GUARD' }] }],
    });
    assert.equal(familyAccessOpen(guardian, child('1990-01-01'), 18, NOW), false, 'a guardian counts as a parent');
  });

  it('inactive, not yet started and ended terms grant nothing; the end date includes its whole day', () => {
    assert.equal(familyAccessOpen(spouse({ active: false }), child(), 18, NOW), false);
    assert.equal(familyAccessOpen(spouse({ period: { start: '2026-12-04' } }), child(), 18, NOW), false);
    assert.equal(familyAccessOpen(spouse({ period: { end: '2026-12-02' } }), child(), 18, NOW), false);
    assert.equal(familyAccessOpen(spouse({ period: { end: '2026-12-03' } }), child(), 18, NOW), true);
    assert.equal(
      familyAccessOpen(spouse({ period: { end: 'not a date' } }), child(), 18, NOW),
      false,
      'a broken term grants nothing',
    );
  });

  it("the practice's age limit comes from its Organization, within 1 to 25 years", () => {
    const org = (value: unknown): Organization => ({
      resourceType: 'Organization',
      extension: [{ url: MINOR_PROXY_AGE_URL, valueUnsignedInt: value as number }],
    });
    assert.equal(minorProxyAge(undefined), DEFAULT_MINOR_PROXY_AGE);
    assert.equal(minorProxyAge(org(16)), 16);
    assert.equal(minorProxyAge(org(0)), DEFAULT_MINOR_PROXY_AGE);
    assert.equal(minorProxyAge(org(99)), DEFAULT_MINOR_PROXY_AGE);
    assert.equal(minorProxyAge(org('16')), DEFAULT_MINOR_PROXY_AGE);
  });
});
