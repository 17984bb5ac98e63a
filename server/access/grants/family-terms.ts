import type { Organization, Patient, RelatedPerson } from '@medplum/fhirtypes';
import { earliest, periodChangesAt, withinPeriod } from './record-refs.ts';

/**
 * When a family member's access (a RelatedPerson with an account) is open: while the RelatedPerson
 * is active and its `period` covers today, and, for a parent or guardian, until the patient reaches
 * the age the practice sets (Organization extension MINOR_PROXY_AGE_URL; default 18): from that
 * birthday on, the young person's record is theirs alone unless they grant access themselves (a
 * later Consent-based grant). A parent's access needs the patient's birth date; without one it is
 * closed (the practice records it, and the portal profile requires it).
 */
export const MINOR_PROXY_AGE_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/minor-proxy-age';
export const DEFAULT_MINOR_PROXY_AGE = 18;

const ROLE_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
/** PRN (parent) and every code below it in v3 RoleCode, plus GUARD (guardian). */
export const PARENT_CODES: ReadonlySet<string> = new Set([
  'PRN',
  'ADOPTP',
  'ADOPTF',
  'ADOPTM',
  'FTH',
  'FTHFOST',
  'NFTH',
  'NFTHF',
  'STPFTH',
  'MTH',
  'GESTM',
  'MTHFOST',
  'NMTH',
  'NMTHF',
  'STPMTH',
  'NPRN',
  'PRNFOST',
  'STPPRN',
  'GUARD',
]);

export function familyAccessOpen(related: RelatedPerson, patient: Patient, ageLimit: number, now: Date): boolean {
  if (related.active === false || !withinPeriod(related.period, now)) return false;
  if (!isParentOrGuardian(related)) return true;
  const limit = adulthood(patient.birthDate, ageLimit);
  return limit !== undefined && now.getTime() < limit;
}

/**
 * The next instant after `now` at which `familyAccessOpen` may answer otherwise for these records
 * (the period starting or ending, a minor reaching the proxy age), or undefined: a cached answer
 * must not outlive it.
 */
export function familyAccessChangesAt(
  related: RelatedPerson,
  patient: Patient,
  ageLimit: number,
  now: Date,
): number | undefined {
  if (related.active === false) return undefined;
  const limit = isParentOrGuardian(related) ? adulthood(patient.birthDate, ageLimit) : undefined;
  return earliest(
    periodChangesAt(related.period, now),
    limit !== undefined && now.getTime() < limit ? limit : undefined,
  );
}

export function isParentOrGuardian(related: RelatedPerson): boolean {
  return (related.relationship ?? []).some((concept) =>
    (concept.coding ?? []).some(
      (c) => c.system === ROLE_CODE_SYSTEM && typeof c.code === 'string' && PARENT_CODES.has(c.code),
    ),
  );
}

/** The age the practice set for a parent's access to end (whole years, 1–25), else the default. */
export function minorProxyAge(practice: Organization | undefined): number {
  const value = practice?.extension?.find((e) => e.url === MINOR_PROXY_AGE_URL)?.valueUnsignedInt;
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 25
    ? value
    : DEFAULT_MINOR_PROXY_AGE;
}

/** The instant (UTC) of the birthday at which the patient is `age`, or undefined without a valid birth date. */
function adulthood(birthDate: string | undefined, age: number): number | undefined {
  const match = typeof birthDate === 'string' ? /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(birthDate) : null;
  if (!match) return undefined;
  // A birth date of only a year or month counts from its earliest day: access ends no later than due.
  const [year, month, day] = [Number(match[1]), Number(match[2] ?? 1), Number(match[3] ?? 1)];
  return Date.UTC(year + age, month - 1, day);
}
