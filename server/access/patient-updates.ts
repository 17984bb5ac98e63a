import type { Coding, Organization, Patient } from '@medplum/fhirtypes';
import { FhirError, forbidden, outcome } from '../fhir/outcomes.ts';
import type { Principal } from './principal.ts';
import type { PatientUpdateMode } from './practice-settings.ts';
import { patientUpdateMode } from './practice-settings.ts';
import { INBOX_SYSTEM } from './record-sharing.ts';
import type { FindResources } from './grants/practice-roles.ts';
import { sameJson } from './grants/record-refs.ts';

/**
 * A patient's (or family member's) change to a practice's Patient record goes through that
 * practice's `patient-updates` setting (issue #13, docs/decisions/0028-patient-updates.md), on every
 * write path (PUT, PATCH, conditional update, batch and transaction entries, the console's /api):
 *
 * - the fields the practice keeps are refused with their path (`KEPT_BY_PRACTICE`);
 * - a practice-side change made since the patient loaded the record is never silently overwritten:
 *   the portal sends `If-Match` with the version it loaded (412 otherwise; the repository checks it),
 *   and a proposal names it (`base-version`, 409);
 * - `disabled`: refused (403: the practice does not take updates from the portal);
 * - `review`: refused (403) with the way to propose the change instead (a `patient-update` Task,
 *   grants/update-proposal-rule.ts) for staff to accept or reject field by field;
 * - `automatic`: written as asked;
 * - `notify`: written, and the version carries the inbox mark `inbox|patient-update` (`NOTIFY_MARK`)
 *   until staff mark it `inbox|reviewed`; old → new is that version against the one before it.
 */
export const NOTIFY_MARK = { system: INBOX_SYSTEM, code: 'patient-update' } as const satisfies Coding;

/** Fields of a Patient only the practice changes (identity, care relationships, record links). */
export const KEPT_BY_PRACTICE = [
  'active',
  'link',
  'managingOrganization',
  'generalPractitioner',
  'identifier',
  'deceasedBoolean',
  'deceasedDateTime',
  'multipleBirthBoolean',
  'multipleBirthInteger',
] as const;

/** Fields a patient may change or propose: their own details and emergency contacts. */
export const PATIENT_FIELDS = [
  'name',
  'telecom',
  'gender',
  'birthDate',
  'address',
  'maritalStatus',
  'contact',
  'communication',
  'photo',
] as const;

export function isPatientSide(principal: Principal): boolean {
  return principal.kind === 'patient' || principal.kind === 'related-person';
}

/** The practice's `patient-updates` setting, read from its Organization (unscoped, in the write's transaction). */
export async function practiceUpdateMode(find: FindResources, practiceId: string): Promise<PatientUpdateMode> {
  const [practice] = await find({
    resourceType: 'Organization',
    filters: [{ kind: 'id', ids: [practiceId] }],
    sort: [],
    count: 1,
    total: 'none',
  });
  return patientUpdateMode(practice as Organization | undefined);
}

/** The first field the practice keeps that `after` changes, as its FHIRPath. */
export function keptFieldChanged(before: Patient | undefined, after: Patient): string | undefined {
  const field = KEPT_BY_PRACTICE.find((f) => !sameJson(before?.[f], after[f]));
  return field ? `Patient.${field}` : undefined;
}

/**
 * Checks a patient-side update of the practice's Patient `before` to `after`, owned by `practiceId`;
 * answers the practice's mode (only `automatic` or `notify` get through).
 */
export async function checkPatientSideUpdate(
  before: Patient,
  after: Patient,
  practiceId: string,
  find: FindResources,
): Promise<PatientUpdateMode> {
  const kept = keptFieldChanged(before, after);
  if (kept) throw new FhirError(403, outcome('forbidden', `${kept} is kept by your practice`, kept));
  const mode = await practiceUpdateMode(find, practiceId);
  if (mode === 'disabled')
    throw forbidden('This practice does not take updates from the portal: ask the practice to change your details');
  if (mode === 'review')
    throw forbidden(
      'This practice reviews each change: propose it as a Task with code patient-update (it is applied once the practice accepts it)',
    );
  return mode;
}
