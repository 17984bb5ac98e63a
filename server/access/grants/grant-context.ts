import type { Resource } from '@medplum/fhirtypes';
import type { Principal } from '../principal.ts';
import type { FindResources } from './practice-roles.ts';
import { isAdministrator } from './practice-roles.ts';

/**
 * A write to a resource that grants access, as the grant rules see it: `before` is the current
 * version (absent for a create), `after` the version about to be stored (absent for a delete).
 */
export interface GrantChange<T extends Resource = Resource> {
  before?: T;
  after?: T;
}

export interface GrantContext {
  principal: Principal;
  /** Unscoped lookups of the server's own, inside the write's transaction. */
  find: FindResources;
  now: Date;
}

/**
 * Whether the caller may manage the practice's memberships (PractitionerRole): an administrator of
 * that practice, or a backend client of it registered to manage access. Nobody else, whatever
 * their scopes: membership and admin rights come only from the practice's own administrators.
 */
export async function administersPractice(ctx: GrantContext, practiceId: string): Promise<boolean> {
  const { principal } = ctx;
  if (principal.kind === 'system') return principal.managesAccess === true && principal.practices.includes(practiceId);
  if (
    principal.kind !== 'practitioner' ||
    !principal.fhirUser?.startsWith('Practitioner/') ||
    !principal.practices.includes(practiceId)
  )
    return false;
  return isAdministrator(ctx.find, principal.fhirUser, practiceId, ctx.now);
}

/**
 * Whether the caller acts for the practice on its patients' access (portal links, family members):
 * any of its practitioners, or a backend client of it registered to manage access.
 */
export function actsForPractice(ctx: GrantContext, practiceId: string): boolean {
  const { principal } = ctx;
  if (principal.kind === 'system') return principal.managesAccess === true && principal.practices.includes(practiceId);
  return principal.kind === 'practitioner' && principal.practices.includes(practiceId);
}

/** The owning practice of each `Type/id` reference that names an existing record (unscoped lookup). */
export async function ownersOf(
  ctx: GrantContext,
  references: string[],
  ownerOf: (r: Resource) => string | undefined,
): Promise<Map<string, string | undefined>> {
  const owners = new Map<string, string | undefined>();
  const byType = new Map<string, string[]>();
  for (const reference of new Set(references)) {
    const [type, id] = reference.split('/') as [string, string];
    byType.set(type, [...(byType.get(type) ?? []), id]);
    owners.set(reference, undefined);
  }
  for (const [resourceType, ids] of byType) {
    const found = await ctx.find({
      resourceType,
      filters: [{ kind: 'id', ids }],
      sort: [],
      count: ids.length,
      total: 'none',
    });
    for (const resource of found) owners.set(`${resourceType}/${resource.id}`, ownerOf(resource));
  }
  return owners;
}
