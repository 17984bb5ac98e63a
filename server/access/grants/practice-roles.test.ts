import assert from 'node:assert/strict';
import type { PractitionerRole } from '@medplum/fhirtypes';
import { describe, it } from 'node:test';
import { OWNER_SYSTEM } from '../access-index.ts';
import { ADMIN_ROLE, isCurrentAdmin, membershipPractice, roleIsCurrent, roleOrganization } from './practice-roles.ts';

const NOW = new Date('2026-12-03T10:00:00Z');
const role = (extra: Partial<PractitionerRole> = {}): PractitionerRole => ({
  resourceType: 'PractitionerRole',
  meta: { tag: [{ system: OWNER_SYSTEM, code: 'o' }] },
  practitioner: { reference: 'Practitioner/p' },
  organization: { reference: 'Organization/o' },
  ...extra,
});

describe('practice roles', () => {
  it('a role is current while active and within its period', () => {
    assert.equal(roleIsCurrent(role(), NOW), true);
    assert.equal(roleIsCurrent(role({ active: false }), NOW), false);
    assert.equal(roleIsCurrent(role({ period: { end: '2026-12-02' } }), NOW), false);
    assert.equal(roleIsCurrent(role({ period: { start: '2027-01-01' } }), NOW), false);
  });

  it('only the admin code of our code system on a current role names an administrator', () => {
    assert.equal(isCurrentAdmin(role({ code: [{ coding: [ADMIN_ROLE] }] }), NOW), true);
    assert.equal(
      isCurrentAdmin(role({ code: [{ coding: [{ system: 'http://other.example/roles', code: 'admin' }] }] }), NOW),
      false,
    );
    assert.equal(isCurrentAdmin(role({ code: [{ coding: [ADMIN_ROLE] }], active: false }), NOW), false);
    assert.equal(
      isCurrentAdmin(
        role({
          code: [{ coding: [ADMIN_ROLE] }],
          organization: { reference: 'https://elsewhere.example/Organization/o' },
        }),
        NOW,
      ),
      false,
    );
  });

  it('a role is a membership only when the practice it names keeps it (owns the record)', () => {
    assert.equal(membershipPractice(role()), 'o');
    assert.equal(
      membershipPractice(role({ meta: { tag: [{ system: OWNER_SYSTEM, code: 'other' }] } })),
      undefined,
      "another practice's record of an outside role",
    );
    assert.equal(membershipPractice(role({ meta: {} })), undefined);
    assert.equal(
      isCurrentAdmin(
        role({ code: [{ coding: [ADMIN_ROLE] }], meta: { tag: [{ system: OWNER_SYSTEM, code: 'other' }] } }),
        NOW,
      ),
      false,
    );
  });

  it('the practice is a relative Organization reference only', () => {
    assert.equal(roleOrganization(role()), 'o');
    assert.equal(roleOrganization(role({ organization: { reference: 'Practitioner/o' } })), undefined);
    assert.equal(roleOrganization(role({ organization: { reference: [] as unknown as string } })), undefined);
  });
});
