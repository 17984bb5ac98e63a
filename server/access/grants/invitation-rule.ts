import type { Principal } from '../principal.ts';
import type { Task } from '@medplum/fhirtypes';
import { forbidden } from '../../fhir/outcomes.ts';
import type { GrantChange } from './grant-context.ts';

/**
 * A portal invitation (a Task of code `portal-invitation`, decision 0029) leads to a portal link, so
 * it grants access. It is written only by the invitation workflow itself (server/auth/invitations/),
 * on the server's own repository: `Patient/[id]/$invite` creates it and cancels the previous one,
 * `$uninvite` cancels it, and accepting the link completes it. Those operations check that the caller
 * acts for the Patient's practice. Through the ordinary API nobody creates, changes or deletes one,
 * and no other Task may become one: a forged `completed` invitation, a prolonged expiry or a changed
 * patient are all refused the same way (403).
 */
export const PORTAL_TASKS_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/portal-tasks';
export const INVITATION_CODE = 'portal-invitation';

export function isInvitation(task: unknown): boolean {
  if (typeof task !== 'object' || task === null) return false;
  const codings: unknown = (task as Task).code?.coding;
  return (
    Array.isArray(codings) &&
    codings.some(
      (c: unknown) =>
        typeof c === 'object' &&
        c !== null &&
        (c as { code?: unknown }).code === INVITATION_CODE &&
        (c as { system?: unknown }).system === PORTAL_TASKS_SYSTEM,
    )
  );
}

export function checkInvitationTask(change: GrantChange<Task>): Promise<void> {
  if (isInvitation(change.before) || isInvitation(change.after))
    return Promise.reject(
      forbidden(
        'Portal invitations are made and cancelled with Patient/[id]/$invite and $uninvite, never written directly',
      ),
    );
  return Promise.resolve();
}

/** Whether the caller acts for `practiceId` on its patients' portal access (as for Person links). */
export function invitesFor(principal: Principal, practiceId: string): boolean {
  if (principal.kind === 'system') return principal.managesAccess === true && principal.practices.includes(practiceId);
  return principal.kind === 'practitioner' && principal.practices.includes(practiceId);
}
