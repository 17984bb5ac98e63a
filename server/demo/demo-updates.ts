import type { Organization, Patient, Task } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../access/access-index.ts';
import { PATIENT_UPDATES_URL } from '../access/practice-settings.ts';
import type { PatientUpdateMode } from '../access/practice-settings.ts';
import { ORIGIN_SYSTEM } from '../access/record-sharing.ts';
import { BASE_VERSION, FIELD_SYSTEM, PROPOSAL_CODE } from '../fhir/patient-update-proposal.ts';
import type { Repository } from '../storage/repository.ts';

/**
 * The demo of patients' updates (docs/decisions/0028-patient-updates.md): Harbourside reviews each
 * change, Northside is notified; Olivia Smith has proposed a new mobile number and an emergency
 * contact to Harbourside, waiting in its inbox (`Task?code=patient-update&status=requested`).
 * Written as the portal would leave it (owner Harbourside, origin patient). Answers how many
 * resources it wrote.
 */
export async function seedDemoUpdates(
  tx: Repository,
  practices: { harbour: string; north: string },
  oliviaAtHarbour: Patient,
): Promise<number> {
  await setMode(tx, practices.harbour, 'review');
  await setMode(tx, practices.north, 'notify');
  const field = (code: string, value: unknown) => ({
    type: { coding: [{ system: FIELD_SYSTEM, code }] },
    valueString: JSON.stringify(value),
  });
  await tx.create<Task>({
    resourceType: 'Task',
    meta: {
      tag: [
        { system: OWNER_SYSTEM, code: practices.harbour },
        { system: ORIGIN_SYSTEM, code: 'patient' },
      ],
    },
    status: 'requested',
    intent: 'proposal',
    code: { coding: [{ ...PROPOSAL_CODE, display: 'Patient update' }] },
    for: { reference: `Patient/${oliviaAtHarbour.id}`, display: 'Olivia Smith' },
    authoredOn: '2026-11-20T09:30:00+11:00',
    input: [
      {
        type: { coding: [{ system: FIELD_SYSTEM, code: BASE_VERSION }] },
        valueString: oliviaAtHarbour.meta?.versionId,
      },
      field('telecom', [
        ...(oliviaAtHarbour.telecom ?? []),
        { system: 'phone', value: '+61 412 555 019', use: 'mobile' },
      ]),
      field('contact', [
        {
          relationship: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C', display: 'Emergency Contact' },
              ],
            },
          ],
          name: { given: ['James'], family: 'Smith' },
          telecom: [{ system: 'phone', value: '+61 412 555 020' }],
        },
      ]),
    ],
  });
  return 3;
}

async function setMode(tx: Repository, practiceId: string, mode: PatientUpdateMode): Promise<void> {
  const org = await tx.read<Organization>('Organization', practiceId);
  const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_UPDATES_URL);
  await tx.update({ ...org, extension: [...others, { url: PATIENT_UPDATES_URL, valueCode: mode }] });
}
