import type { Person } from '@medplum/fhirtypes';
import { FhirError, forbidden, outcome, unprocessable } from '../../fhir/outcomes.ts';
import { ownerOf } from '../access-index.ts';
import type { GrantChange, GrantContext } from './grant-context.ts';
import { actsForPractice, ownersOf } from './grant-context.ts';
import { sameJson } from './record-refs.ts';

/**
 * A Person's links give the account behind it its portal access: a link to a Patient record opens
 * that record to a patient's account, a link to a RelatedPerson opens a family member's access on
 * that record's terms. The links belong to the person's account, not to any one practice:
 *
 * - a practice adds and removes only links to its *own* records (any of its practitioners, or a
 *   backend client of it registered to manage access);
 * - links to other practices' records are kept exactly as they are: nobody but those practices can
 *   cut them, and so a practice can neither delete nor deactivate a Person that has them;
 * - a patient updates their own Person, which is their profile (decision 0028: name, telecom,
 *   gender, birthDate, address, photo, their preferences as extensions), never its links, `active`,
 *   identifiers or `managingOrganization`; nobody on the patient side creates or deletes one (their
 *   type rule reaches only their own Person, for read and update).
 */
const KEPT_FROM_PATIENTS = ['link', 'active', 'identifier', 'managingOrganization'] as const;
const LINK_TYPES = ['Patient', 'RelatedPerson'] as const;

export async function checkPerson(change: GrantChange<Person>, ctx: GrantContext): Promise<void> {
  const { principal } = ctx;
  if (principal.kind !== 'practitioner' && principal.kind !== 'system') return checkOwnProfile(change, ctx);
  const before = linkKeys(change.before);
  const after = linkKeys(change.after, true);
  const changed = [...symmetricDifference(before, after)];
  const owners = await ownersOf(ctx, [...before.keys(), ...after.keys()].map(targetOf), ownerOf);
  const mine = (key: string) => {
    const owner = owners.get(targetOf(key));
    return owner !== undefined && actsForPractice(ctx, owner);
  };
  for (const key of changed) {
    if (!mine(key))
      throw forbidden(`Person.link ${targetOf(key)}: a practice can only add or remove links to its own records`);
  }
  const othersLinks = [...before.keys()].filter((key) => !mine(key));
  const ends = !change.after || (change.before?.active !== false && change.after.active === false);
  if (othersLinks.length > 0 && ends) {
    throw forbidden(
      "This person's portal access includes records of other practices: only those practices can end their links",
    );
  }
}

/** Each link as `target|assurance` (a changed assurance level is a changed link). */
function linkKeys(person: Person | undefined, strict = false): Map<string, true> {
  const keys = new Map<string, true>();
  for (const [i, link] of (person?.link ?? []).entries()) {
    const reference = link.target?.reference;
    const [type, id, ...rest] = typeof reference === 'string' ? reference.split('/') : [];
    const valid =
      type !== undefined && id !== undefined && rest.length === 0 && (LINK_TYPES as readonly string[]).includes(type);
    if (!valid) {
      if (strict)
        throw unprocessable(
          `Person.link.target must be a relative reference to a ${LINK_TYPES.join(' or ')}`,
          `Person.link[${i}].target`,
        );
      continue;
    }
    keys.set(`${reference}|${link.assurance ?? ''}`, true);
  }
  return keys;
}

function targetOf(key: string): string {
  return key.slice(0, key.indexOf('|'));
}

function symmetricDifference(a: Map<string, true>, b: Map<string, true>): Set<string> {
  return new Set([...[...a.keys()].filter((k) => !b.has(k)), ...[...b.keys()].filter((k) => !a.has(k))]);
}

/** A patient's change to their own Person (their profile): never what the practices keep. */
function checkOwnProfile(change: GrantChange<Person>, ctx: GrantContext): void {
  const { before, after } = change;
  const own = ctx.principal.kind === 'patient' && before && after && ctx.principal.fhirUser === `Person/${before.id}`;
  if (!own) throw forbidden('Portal links are kept by the practices');
  for (const field of KEPT_FROM_PATIENTS) {
    if (!sameJson(before[field], after[field]))
      throw new FhirError(403, outcome('forbidden', `Person.${field} is kept by your practices`, `Person.${field}`));
  }
}
