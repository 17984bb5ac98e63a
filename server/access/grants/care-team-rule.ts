import type { CareTeam, Coding } from '@medplum/fhirtypes';
import { forbidden, unprocessable } from '../../fhir/outcomes.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';

/**
 * "My practitioners" (decision 0030): the patient's own list of the practitioners they see or would
 * like to see, a CareTeam marked PATIENT_CHOSEN whose subject is one of the patient's records. It
 * grants nothing, but it is the patient's, so its writes are judged here beside the grant rules:
 *
 * - only a patient or a family member (for the records they act for: the ordinary compartment check
 *   already refused any other subject) creates, changes or deletes a patient-chosen care team; the
 *   practice's staff and clients read it (it concerns their patient) but never write it;
 * - a patient or family member never writes any other CareTeam (a practice's care team is the
 *   practice's record), nor turns one into a patient-chosen one or back;
 * - its members are practitioners, their roles or organizations only: a patient reference would put
 *   the list in another patient's compartment (the compartment check refuses that too).
 */
export const CARE_TEAM_CATEGORY_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/care-team-category';
export const PATIENT_CHOSEN: Coding = { system: CARE_TEAM_CATEGORY_SYSTEM, code: 'patient-chosen' };

const MEMBER_TYPES = ['Practitioner', 'PractitionerRole', 'Organization'];

export function isPatientChosen(team: CareTeam | undefined): boolean {
  return (team?.category ?? []).some((c) =>
    (c.coding ?? []).some((x) => x.system === PATIENT_CHOSEN.system && x.code === PATIENT_CHOSEN.code),
  );
}

export async function checkCareTeam(change: GrantChange<CareTeam>, ctx: GrantContext): Promise<void> {
  const { before, after } = change;
  const byPatient = ctx.principal.kind === 'patient' || ctx.principal.kind === 'related-person';
  const chosen = [before, after].filter((t) => t !== undefined).map(isPatientChosen);
  if (!byPatient) {
    if (chosen.some(Boolean))
      throw forbidden("A patient's own list of practitioners is changed only by the patient (or their family)");
    return;
  }
  if (!chosen.every(Boolean))
    throw forbidden(
      "Patients write only their own list of practitioners (a CareTeam of category patient-chosen); the practice's care teams are the practice's",
    );
  if (!after) return;
  if (!after.subject?.reference?.startsWith('Patient/'))
    throw unprocessable('The list of practitioners is about one of your patient records', 'CareTeam.subject');
  (after.participant ?? []).forEach((p, i) => {
    const reference = p.member?.reference;
    const type = typeof reference === 'string' ? /^([A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}$/.exec(reference)?.[1] : undefined;
    if (!type || !MEMBER_TYPES.includes(type))
      throw unprocessable(
        'A member of your list of practitioners is a practitioner, a role or a practice',
        `CareTeam.participant[${i}].member`,
      );
  });
}
