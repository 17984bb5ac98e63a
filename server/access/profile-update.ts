import type { Organization } from '@medplum/fhirtypes';
import { forbidden, notFound } from '../fhir/outcomes.ts';
import type { ProfileUpdate } from '../storage/access-scope.ts';
import { ownerOf } from './access-index.ts';
import type { Principal } from './principal.ts';
import { patientUpdateMode } from './practice-settings.ts';

/**
 * Who may run `Person/[id]/$update-profile` (server/fhir/operations/update-profile-operation.ts,
 * decision 0028): only the patient whose account is that Person. Practitioners, backend clients and
 * family members are refused (403) even where they could read the Person: a profile is its owner's;
 * another patient's id answers 404, exactly as reading it would (no enumeration of accounts).
 *
 * What it answers grants nothing: the operation's writes (the Person, each practice's Patient, the
 * review Tasks) each pass `prepareWrite` under the caller's access, so the practice's setting is
 * applied again there (patient-updates.ts: the kept fields, the notify mark) and the proposal rule
 * (grants/update-proposal-rule.ts) judges each Task.
 */
export function profileUpdateFor(principal: Principal, personId: string): ProfileUpdate {
  if (principal.kind !== 'patient')
    throw forbidden('Only the patient whose profile it is updates it with $update-profile');
  if (principal.fhirUser !== `Person/${personId}`) throw notFound(`Person/${personId} not found`);
  return {
    ownerOf: (record) => ownerOf(record),
    modeOf: (practice) => patientUpdateMode(practice as Organization | undefined),
  };
}
