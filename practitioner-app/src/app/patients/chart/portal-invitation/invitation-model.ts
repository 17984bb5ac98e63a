import type { CodeableConcept, Organization, Patient, Reference, Resource } from '@web-shared/fhir';

/**
 * What the chart shows of a patient's portal invitation (decision 0029): the invitation is a FHIR
 * Task of code `portal-invitation`, made and cancelled by the server's `$invite` / `$uninvite`;
 * its `status` and `businessStatus` say where it stands, `restriction.period.end` when it expires.
 */
export const PORTAL_TASKS_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/portal-tasks';
export const INVITATION_CODE = 'portal-invitation';
export const PATIENT_INVITATIONS_URL =
  'https://patient-portal.example.org/fhir/StructureDefinition/patient-invitations';

export interface InvitationTask extends Resource {
  resourceType: 'Task';
  status?: string;
  businessStatus?: CodeableConcept;
  for?: Reference;
  authoredOn?: string;
  lastModified?: string;
  restriction?: { period?: { end?: string } };
}

export type InvitationState = 'none' | 'sent' | 'opened' | 'accepted' | 'expired' | 'revoked';

export const STATE_TEXT: Record<InvitationState, string> = {
  none: 'Not invited to the portal',
  sent: 'Invitation sent',
  opened: 'Invitation opened (link followed, not accepted yet)',
  accepted: 'Invitation accepted: the patient uses the portal',
  expired: 'Invitation expired',
  revoked: 'Invitation revoked',
};

/** Where the latest invitation stands at `now`. */
export function invitationState(task: InvitationTask | undefined, now = new Date()): InvitationState {
  if (!task) return 'none';
  if (task.status === 'completed') return 'accepted';
  if (task.status === 'cancelled') return 'revoked';
  const end = Date.parse(task.restriction?.period?.end ?? '');
  if (!Number.isNaN(end) && end <= now.getTime()) return 'expired';
  const code = task.businessStatus?.coding?.find((c) => c.system === PORTAL_TASKS_SYSTEM)?.code;
  return code === 'opened' ? 'opened' : 'sent';
}

/** Why "Invite to portal" cannot be used now, in words; undefined when it can. */
export function inviteBlocker(patient: Patient, practice: Organization | undefined): string | undefined {
  const enabled = practice?.extension?.some((e) => e.url === PATIENT_INVITATIONS_URL && e.valueBoolean === true);
  if (!enabled) return 'Patient invitations are turned off in the practice settings.';
  if (!patient.telecom?.some((t) => t.system === 'email' && t.value?.trim()))
    return 'The patient has no e-mail address: add one with Edit details.';
  return undefined;
}
