import type { Resource, Task } from '@medplum/fhirtypes';
import { notSupported } from '../outcomes.ts';
import type { OperationContext } from '../operation-context.ts';

/**
 * `POST Patient/[id]/$invite` and `Patient/[id]/$uninvite` (docs/decisions/0029-portal-invitations.md):
 * invite a patient to the portal (a `Task` of code `portal-invitation`, and an e-mail with a
 * single-use link), or cancel the pending invitation. Inviting again cancels the previous one
 * (resend). Who may, and the mail, tokens and acceptance pages, are the invitation workflow's
 * (server/auth/invitations/): this module only names what the FHIR layer calls, so that `fhir/`
 * depends on neither `auth/` nor `access/`. Answers the Task written.
 */
export interface PortalInvitations {
  /**
   * `caller` is the request's principal as the access layer resolved it (opaque here); `repo` the
   * caller's view of the data (the Patient must be visible to them).
   */
  invite(request: InvitationRequest): Promise<Task>;
  uninvite(request: InvitationRequest): Promise<Task>;
}

export interface InvitationRequest {
  patientId: string;
  caller: unknown;
  repo: OperationContext['repo'];
  onRead?: (patient: Resource) => void;
}

export async function inviteOperation(
  invitations: PortalInvitations | undefined,
  request: InvitationRequest,
  cancel: boolean,
): Promise<Task> {
  if (!invitations) throw notSupported('Portal invitations are not served here');
  return cancel ? invitations.uninvite(request) : invitations.invite(request);
}
