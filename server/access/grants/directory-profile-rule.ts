import type { Practitioner, PractitionerRole } from '@medplum/fhirtypes';
import { forbidden } from '../../fhir/outcomes.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { administersPractice } from './grant-context.ts';
import { practicesOfPractitioner } from './practice-roles.ts';
import { sameJson } from './record-refs.ts';

/**
 * The directory profile (issue #13, decision 0030): what a practitioner shows in the public
 * directory lives on their Practitioner (languages, biography, the listed mark) and their membership
 * PractitionerRoles (services, locations, home visits, online bookings, the listed mark). Who edits:
 *
 * - a practitioner their own Practitioner record and the directory fields of their own roles — never
 *   a role's practice, practitioner, admin code, period or `active` (those stay the administrators',
 *   practitioner-role-rule.ts);
 * - an administrator of a practice (or its access-managing client) any of its practitioners';
 * - another practitioner of the practice nobody's but their own: a colleague's record is not theirs
 *   to rename or to list in the directory. A Practitioner with no current membership anywhere (a
 *   referring doctor in imported records) is ordinary data of the practice that keeps it.
 *
 * The listed mark (`meta.tag` DIRECTORY_LISTED) is protected meta: only staff keep or change it
 * (write-checks.ts#withProtectedMeta), and on these two types only the people above.
 */

/** Fields of a PractitionerRole its practitioner may change themselves. */
const ROLE_DIRECTORY_FIELDS = [
  'specialty',
  'location',
  'healthcareService',
  'extension',
  'telecom',
  'availableTime',
  'notAvailable',
  'availabilityExceptions',
] as const;

/** Whether the change is the role's own practitioner editing only the role's directory fields. */
export function isOwnDirectoryEdit(change: GrantChange<PractitionerRole>, ctx: GrantContext): boolean {
  const { before, after } = change;
  const me = ctx.principal.kind === 'practitioner' ? ctx.principal.fhirUser : undefined;
  if (!before || !after || !me) return false;
  if (before.practitioner?.reference !== me || after.practitioner?.reference !== me) return false;
  return sameJson(withoutDirectoryFields(before), withoutDirectoryFields(after));
}

function withoutDirectoryFields(role: PractitionerRole): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...role };
  for (const field of [...ROLE_DIRECTORY_FIELDS, 'meta', 'text', 'id']) delete rest[field];
  return rest;
}

/** Updates and deletes of a member practitioner's record: themselves, or an administrator of a practice of theirs. */
export async function checkPractitioner(change: GrantChange<Practitioner>, ctx: GrantContext): Promise<void> {
  const { before } = change;
  const { principal } = ctx;
  if (!before?.id || principal.kind !== 'practitioner') return;
  if (principal.fhirUser === `Practitioner/${before.id}`) return;
  const practices = await practicesOfPractitioner(ctx.find, before.id, ctx.now);
  if (practices.length === 0) return;
  for (const practice of practices) if (await administersPractice(ctx, practice)) return;
  throw forbidden("Only the practitioner or an administrator of their practice may change the practitioner's profile");
}
