import type { Patient } from '@medplum/fhirtypes';
import { forbidden, unprocessable } from '../../fhir/outcomes.ts';
import { ownerOf } from '../access-index.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { actsForPractice, ownersOf } from './grant-context.ts';
import { keptFieldChanged } from '../patient-updates.ts';

/**
 * The Patient record decides whether its portal access is open (`active`), which practice keeps it
 * (`managingOrganization`) and which other records stand for the same person (`link`). Patients and
 * family members edit their details (through the practice's update setting: ../patient-updates.ts)
 * but never these nor the other fields the practice keeps, nor delete the record; a practice changes
 * `link` only to point at its own records (a backend client: only when registered to manage access).
 */

export async function checkPatient(change: GrantChange<Patient>, ctx: GrantContext): Promise<void> {
  const { before, after } = change;
  if (ctx.principal.kind === 'patient' || ctx.principal.kind === 'related-person') {
    if (!after) throw forbidden('A patient record is kept by the practice and cannot be deleted from the portal');
    const kept = keptFieldChanged(before, after);
    if (kept) throw forbidden(`${kept} is kept by your practice`);
    return;
  }
  const added = linkTargets(after).filter((t) => !linkTargets(before).includes(t));
  const removed = linkTargets(before).filter((t) => !linkTargets(after).includes(t));
  if (added.length === 0 && removed.length === 0) return;
  const owners = await ownersOf(ctx, [...added, ...removed], ownerOf);
  for (const target of [...added, ...removed]) {
    const owner = owners.get(target);
    if (owner === undefined || !actsForPractice(ctx, owner))
      throw forbidden(`Patient.link ${target}: a practice can only link its own records`);
  }
}

function linkTargets(patient: Patient | undefined): string[] {
  return (patient?.link ?? []).map((link, i) => {
    const reference = link.other?.reference;
    if (typeof reference !== 'string' || !/^(Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/.test(reference)) {
      throw unprocessable(
        'Patient.link.other must be a relative reference to a Patient or RelatedPerson',
        `Patient.link[${i}].other`,
      );
    }
    return reference;
  });
}
