import type { PractitionerRole } from '@medplum/fhirtypes';
import { conflict, forbidden, unprocessable } from '../../fhir/outcomes.ts';
import { ownerOf } from '../access-index.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { administersPractice } from './grant-context.ts';
import { administratorRoles, isCurrentAdmin, roleOrganization } from './practice-roles.ts';

/**
 * PractitionerRole makes a practitioner a member (and, with the admin code, an administrator) of a
 * practice. Creating, changing and ending one is for the administrators of *that* practice (or a
 * backend client of it registered to manage access); a role never moves to another practice; and
 * a practice always keeps at least one current administrator.
 */
export async function checkPractitionerRole(change: GrantChange<PractitionerRole>, ctx: GrantContext): Promise<void> {
  const { before, after } = change;
  const practiceAfter = after && roleOrganization(after);
  if (after && !practiceAfter) throw unprocessable('PractitionerRole.organization must name the practice as Organization/<id>', 'PractitionerRole.organization');
  const practiceBefore = before && (roleOrganization(before) ?? ownerOf(before));
  if (before && after && practiceBefore !== practiceAfter) {
    throw unprocessable('A role cannot move to another practice: end it, and an administrator of the other practice creates one there', 'PractitionerRole.organization');
  }
  const practice = (practiceAfter ?? practiceBefore) as string;
  if (!(await administersPractice(ctx, practice))) {
    throw forbidden('Only an administrator of the practice may add, change or end its practitioners\' roles');
  }
  if (before && isCurrentAdmin(before, ctx.now) && !(after && isCurrentAdmin(after, ctx.now))) {
    const others = (await administratorRoles(ctx.find, practice, ctx.now)).filter((r) => r.id !== before.id);
    if (others.length === 0) throw conflict('This is the practice\'s last administrator: make another practitioner an administrator first');
  }
}

/** The practice that owns a role: the one it is at (never the writer's choice). */
export function practitionerRoleOwner(role: PractitionerRole): string | undefined {
  return roleOrganization(role);
}
