import assert from 'node:assert/strict';
import type { Patient, RelatedPerson } from '@medplum/fhirtypes';
import { describe, it } from 'node:test';
import { familyAccessChangesAt, familyAccessOpen } from './family-terms.ts';
import { periodChangesAt, withinPeriod } from './record-refs.ts';

/**
 * When a term read by entitlements next changes its answer: a cached principal must not outlive it
 * (server/access/access-cache.ts). Each instant is checked against the predicate it stands for.
 */
const NOW = new Date('2026-12-03T10:00:00Z');
const at = (ms: number) => new Date(ms);

describe('the instants terms change', () => {
  it('a period: its start if still ahead, else the end of its end, else never', () => {
    const cases = [
      { start: '2026-12-24' },
      { end: '2026-12-03' },
      { end: '2026-12-03T10:00:05Z' },
      { start: '2026-01-01', end: '2027-06' },
    ];
    for (const period of cases) {
      const changes = periodChangesAt(period, NOW)!;
      assert.ok(changes > NOW.getTime(), JSON.stringify(period));
      assert.equal(withinPeriod(period, at(changes - 1)), withinPeriod(period, NOW), JSON.stringify(period));
      assert.notEqual(withinPeriod(period, at(changes)), withinPeriod(period, NOW), JSON.stringify(period));
    }
    assert.equal(periodChangesAt(undefined, NOW), undefined);
    assert.equal(periodChangesAt({ start: '2020-01-01' }, NOW), undefined, 'open-ended and begun');
    assert.equal(periodChangesAt({ end: '2020-01-01' }, NOW), undefined, 'over');
    assert.equal(periodChangesAt({ end: 'not a date' }, NOW), undefined, 'broken: never current');
  });

  it("a parent's access: the child's proxy-age birthday, or the period's end if sooner", () => {
    const child: Patient = { resourceType: 'Patient', birthDate: '2009-01-15' };
    const parent: RelatedPerson = {
      resourceType: 'RelatedPerson',
      patient: { reference: 'Patient/c' },
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'FTH' }] }],
    };
    const birthday = familyAccessChangesAt(parent, child, 18, NOW)!;
    assert.equal(birthday, Date.UTC(2027, 0, 15));
    assert.equal(familyAccessOpen(parent, child, 18, at(birthday - 1)), true);
    assert.equal(familyAccessOpen(parent, child, 18, at(birthday)), false);
    const ending = { ...parent, period: { end: '2026-12-31' } };
    assert.equal(familyAccessChangesAt(ending, child, 18, NOW), Date.parse('2027-01-01T00:00:00Z'));
    assert.equal(familyAccessChangesAt({ ...parent, active: false }, child, 18, NOW), undefined);
    const friend = { ...parent, relationship: [] };
    assert.equal(familyAccessChangesAt(friend, child, 18, NOW), undefined, 'no age limit for others');
  });
});
