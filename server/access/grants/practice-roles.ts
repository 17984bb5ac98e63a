import type { PractitionerRole, Resource } from '@medplum/fhirtypes';
import type { SearchRequest } from '../../fhir/search/search-request.ts';
import { ownerOf } from '../access-index.ts';
import { earliest, localId, periodChangesAt, withinPeriod } from './record-refs.ts';

/**
 * Practice membership: a PractitionerRole of a Practitioner at a practice's Organization, kept by that
 * practice (owned by it: only its administrators write those, grants/practitioner-role-rule.ts),
 * makes the practitioner a member while it is current (`active` not false, `period` covering now);
 * the `admin` code of our practice-role code system makes them an administrator. A role owned by
 * anyone else (a practice's record of where a practitioner also works) grants nothing. Entitlements,
 * the grant rules and the console's /api read membership through these functions only.
 */
export const PRACTICE_ROLE_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/practice-role';
export const ADMIN_ROLE = { system: PRACTICE_ROLE_SYSTEM, code: 'admin', display: 'Practice administrator' };

/** Runs an unscoped search (the server's own lookups; inside a write, in its transaction). */
export type FindResources = (request: SearchRequest) => Promise<Resource[]>;

/** Most roles one lookup reads (a practitioner's roles, or a practice's administrators). */
const MAX_ROLES = 1000;

export function roleIsCurrent(role: PractitionerRole, now: Date): boolean {
  return role.active !== false && withinPeriod(role.period, now);
}

export function hasAdminCode(role: PractitionerRole): boolean {
  return (role.code ?? []).some((c) =>
    (c.coding ?? []).some((k) => k.system === ADMIN_ROLE.system && k.code === ADMIN_ROLE.code),
  );
}

export function isCurrentAdmin(role: PractitionerRole, now: Date): boolean {
  return (
    roleIsCurrent(role, now) &&
    hasAdminCode(role) &&
    membershipPractice(role) !== undefined &&
    role.practitioner?.reference !== undefined
  );
}

/** The practice a role makes its practitioner a member of: its organization, when that practice keeps the role. */
export function membershipPractice(role: PractitionerRole): string | undefined {
  const practice = roleOrganization(role);
  return practice !== undefined && ownerOf(role) === practice ? practice : undefined;
}

/** The practice (Organization id) a role is at, when it names one as `Organization/<id>`. */
export function roleOrganization(role: PractitionerRole): string | undefined {
  return localId(role.organization?.reference, 'Organization');
}

/** The practices where the practitioner has a current role. */
export async function practicesOfPractitioner(
  find: FindResources,
  practitionerId: string,
  now: Date,
): Promise<string[]> {
  return (await membershipOf(find, practitionerId, now)).practices;
}

/**
 * The practices where the practitioner has a current role, and the next instant a role's period
 * starts or ends (a cached membership must not outlive it; access-cache.ts).
 */
export async function membershipOf(
  find: FindResources,
  practitionerId: string,
  now: Date,
): Promise<{ practices: string[]; changesAt: number | undefined }> {
  const roles = (await find(
    rolesQuery([{ kind: 'reference', param: 'practitioner', any: [{ target: `Practitioner/${practitionerId}` }] }]),
  )) as PractitionerRole[];
  const practices = [
    ...new Set(roles.filter((r) => roleIsCurrent(r, now)).flatMap((r) => membershipPractice(r) ?? [])),
  ];
  const terms = roles.filter((r) => r.active !== false && membershipPractice(r) !== undefined);
  return { practices, changesAt: earliest(...terms.map((r) => periodChangesAt(r.period, now))) };
}

/** Whether `Practitioner/<id>` (fhirUser) has a current administrator role at the practice. */
export async function isAdministrator(
  find: FindResources,
  fhirUser: string,
  practiceId: string,
  now: Date,
): Promise<boolean> {
  const roles = (await find(
    rolesQuery([
      { kind: 'reference', param: 'practitioner', any: [{ target: fhirUser }] },
      { kind: 'reference', param: 'organization', any: [{ target: `Organization/${practiceId}` }] },
    ]),
  )) as PractitionerRole[];
  return roles.some((r) => isCurrentAdmin(r, now) && membershipPractice(r) === practiceId);
}

/** The current administrator roles of a practice. */
export async function administratorRoles(
  find: FindResources,
  practiceId: string,
  now: Date,
): Promise<PractitionerRole[]> {
  const roles = (await find(
    rolesQuery([{ kind: 'reference', param: 'organization', any: [{ target: `Organization/${practiceId}` }] }]),
  )) as PractitionerRole[];
  return roles.filter((r) => isCurrentAdmin(r, now) && membershipPractice(r) === practiceId);
}

function rolesQuery(filters: SearchRequest['filters']): SearchRequest {
  return { resourceType: 'PractitionerRole', filters, sort: [], count: MAX_ROLES, total: 'none' };
}
