import type { Organization, PractitionerRole } from '@medplum/fhirtypes';
import { conflict, forbidden, unprocessable } from '../../fhir/outcomes.ts';
import { ownerOf } from '../access-index.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { administersPractice } from './grant-context.ts';
import { isOwnDirectoryEdit } from './directory-profile-rule.ts';
import { administratorRoles, isCurrentAdmin, membershipPractice, roleOrganization } from './practice-roles.ts';

/**
 * A PractitionerRole at a practice of this platform (an Organization that owns itself) makes the
 * practitioner a member of it (and, with the admin code, an administrator). Creating, changing and
 * ending one is for the administrators of *that* practice (or a backend client of it registered to
 * manage access); a membership never moves to another practice; and a practice always keeps at
 * least one current administrator. A role at any other organization (a hospital in imported
 * records) is ordinary data of the practice that writes it and grants nothing.
 */
export async function checkPractitionerRole(change: GrantChange<PractitionerRole>, ctx: GrantContext): Promise<void> {
  const { before, after } = change;
  const practiceBefore = before && membershipPractice(before);
  const practiceAfter = after && (await practiceNamedBy(after, ctx));
  if (!practiceBefore && !practiceAfter) return;
  if (before && after && practiceBefore !== practiceAfter) {
    throw unprocessable(
      'A membership cannot move to another practice: end it, and an administrator of the other practice creates one there',
      'PractitionerRole.organization',
    );
  }
  const practice = (practiceAfter ?? practiceBefore) as string;
  // A practitioner edits their own directory profile (services, locations, home visits...).
  if (isOwnDirectoryEdit(change, ctx)) return;
  if (!(await administersPractice(ctx, practice))) {
    throw forbidden("Only an administrator of the practice may add, change or end its practitioners' roles");
  }
  if (before && isCurrentAdmin(before, ctx.now) && !(after && isCurrentAdmin(after, ctx.now))) {
    const others = (await administratorRoles(ctx.find, practice, ctx.now)).filter((r) => r.id !== before.id);
    if (others.length === 0)
      throw conflict("This is the practice's last administrator: make another practitioner an administrator first");
  }
}

/** The practice a new membership role belongs to (its own practice's record); undefined for other roles. */
export async function practitionerRoleOwner(role: PractitionerRole, ctx: GrantContext): Promise<string | undefined> {
  return practiceNamedBy(role, ctx);
}

/** The role's organization when it is a practice of this platform (an Organization owning itself). */
async function practiceNamedBy(role: PractitionerRole, ctx: GrantContext): Promise<string | undefined> {
  const id = roleOrganization(role);
  if (!id) return undefined;
  const [organization] = (await ctx.find({
    resourceType: 'Organization',
    filters: [{ kind: 'id', ids: [id] }],
    sort: [],
    count: 1,
    total: 'none',
  })) as Organization[];
  return organization && ownerOf(organization) === id ? id : undefined;
}
