import type { Coding, Patient, Resource } from '@medplum/fhirtypes';
import { forbidden, unprocessable } from '../fhir/outcomes.ts';
import type { StoredVersion } from '../storage/stored-version.ts';
import type { AccessRule } from '../fhir/search/search-request.ts';
import type { AccessInteraction, Defer, Lookup } from '../storage/access-scope.ts';
import { compartmentTargets } from '../fhir/search/compartment-index.ts';
import { DIRECTORY_SYSTEM, OWNER_SYSTEM, ownerOf } from './access-index.ts';
import { INBOX_SYSTEM, ORIGIN_SYSTEM, SHARING_SYSTEM } from './record-sharing.ts';
import type { AccessPolicyOptions } from './access-policy.ts';
import { checkGrantChange, grantOwner } from './grants/grant-rules.ts';
import type { GrantContext } from './grants/grant-context.ts';
import type { Principal } from './principal.ts';
import { NOTIFY_MARK, checkPatientSideUpdate, isPatientSide } from './patient-updates.ts';

/**
 * The checks every create, update and delete passes under a caller's access (the write half of
 * access-policy.ts): the caller's rule allows the interaction for the type, every patient the
 * resource concerns is one they may reach, the grant rules hold for resources that grant access,
 * the owning practice is kept or chosen, and protected meta (owner tag, directory label) is the
 * server's.
 */

export interface Writer {
  principal: Principal;
  rule: (i: AccessInteraction) => AccessRule;
  options: AccessPolicyOptions;
  readablePatients: Map<string, string | undefined>;
  /** Set by `$share`/`$unshare` (sharing-change.ts): the one sharing mark its writes may change. */
  sharing?: { audience: string; shared: boolean };
}

export async function prepareWrite(
  writer: Writer,
  resource: Resource,
  current: Resource | undefined,
  lookup: Lookup,
  defer?: Defer,
): Promise<Resource> {
  const { rule } = writer;
  const interaction = current ? 'u' : 'c';
  const filter = rule(interaction).types[resource.resourceType] ?? rule(interaction).otherTypes;
  if (filter === 'none')
    throw forbidden(
      `Your access does not allow ${current ? 'updating' : 'creating'} ${resource.resourceType} resources`,
    );
  const patients = patientsOf(writer, resource);
  await checkCompartments(writer, patients, lookup, defer);
  const grants = grantContext(writer, lookup);
  const practiceMode = await patientSideMode(writer, resource, current, grants);
  await checkGrantChange({ before: current, after: resource }, grants);
  const owner =
    ownerOf(current) ?? (await grantOwner(resource, grants)) ?? (await chooseOwner(writer, resource, patients, lookup));
  const written = withProtectedMeta(writer, resource, current, owner);
  // Notify: the practice's inbox lists the changed record until staff mark it reviewed.
  if (practiceMode === 'notify') written.meta = { ...written.meta, tag: [...(written.meta?.tag ?? []), NOTIFY_MARK] };
  return written;
}

/**
 * A patient or family member changing a practice's Patient: through that practice's update setting
 * (patient-updates.ts); answers the mode that let it through, if that is the case here.
 */
async function patientSideMode(
  writer: Writer,
  resource: Resource,
  current: Resource | undefined,
  grants: GrantContext,
): Promise<string | undefined> {
  if (resource.resourceType !== 'Patient' || !current || !isPatientSide(writer.principal)) return undefined;
  const owner = ownerOf(current);
  if (owner === undefined) throw forbidden('This record is not kept by a practice');
  return checkPatientSideUpdate(current as Patient, resource as Patient, owner, grants.find);
}

/**
 * A delete passes the checks of an update: the caller's rule for deletes already selected the
 * resource; every patient it concerns must be one the caller can reach (a group appointment or an
 * observation the caller only performed is not theirs to delete), and the grant rules apply.
 */
export async function prepareDelete(writer: Writer, current: Resource, lookup: Lookup): Promise<void> {
  await checkCompartments(writer, patientsOf(writer, current), lookup);
  await checkGrantChange({ before: current }, grantContext(writer, lookup));
}

/**
 * The patients whose compartments the resource is in (a Patient's own record aside). A Person is in
 * the compartments of the records it links; its links are judged by the grant rule instead
 * (grants/person-rule.ts), which requires the caller's own practice for every link it adds or
 * removes and keeps other practices' links exactly as they are.
 */
function patientsOf(writer: Writer, resource: Resource): string[] {
  if (resource.resourceType === 'Person') return [];
  return compartmentTargets(resource, writer.options.fhirBaseUrl).filter(
    (id) => !(resource.resourceType === 'Patient' && id === resource.id),
  );
}

function grantContext(writer: Writer, lookup: Lookup): GrantContext {
  const find = async (request: Parameters<Lookup>[0]) =>
    (await lookup(request)).flatMap((v: StoredVersion) => (v.resource ? [v.resource] : []));
  return { principal: writer.principal, find, now: writer.options.now?.() ?? new Date() };
}

/**
 * Every patient whose compartment the resource would be in must be one the caller can read. In a
 * transaction the patient may be created by a later entry (urn:uuid references): the check then
 * waits until every entry is written.
 */
async function checkCompartments(writer: Writer, patients: string[], lookup: Lookup, defer?: Defer): Promise<void> {
  const unknown = patients.filter((id) => !writer.readablePatients.has(id));
  if (unknown.length === 0) return;
  const visible = await lookup({
    resourceType: 'Patient',
    filters: [{ kind: 'id', ids: unknown }],
    sort: [],
    count: unknown.length,
    total: 'none',
    access: writer.rule('r'),
  });
  for (const v of visible) if (v.resource) writer.readablePatients.set(v.id, ownerOf(v.resource));
  if (visible.length === unknown.length) return;
  if (defer) return defer(() => checkCompartments(writer, patients, lookup));
  throw forbidden('The resource refers to a patient record you cannot access');
}

/**
 * The practice that will own a new resource: the practice of the patient whose compartment it is
 * in, else (practitioners, clients) the one practice they work for, or the one they name in the
 * owner tag when they work for several.
 */
async function chooseOwner(writer: Writer, resource: Resource, patients: string[], lookup: Lookup): Promise<string> {
  const { principal } = writer;
  const first = patients[0];
  if (first) {
    const owner =
      writer.readablePatients.get(first) ??
      ownerOf(
        (
          await lookup({
            resourceType: 'Patient',
            filters: [{ kind: 'id', ids: [first] }],
            sort: [],
            count: 1,
            total: 'none',
          })
        )[0]?.resource,
      );
    if (owner) return owner;
  }
  if (principal.kind === 'patient' || principal.kind === 'related-person') {
    throw forbidden(`You may only create ${resource.resourceType} resources about a patient record you can access`);
  }
  const named = ownerOf(resource);
  if (named && principal.practices.includes(named)) return named;
  if (principal.practices.length === 1) return principal.practices[0] as string;
  throw unprocessable(
    `You work for several practices: name the owning one with a meta.tag of system ${OWNER_SYSTEM}`,
    'meta.tag',
  );
}

/** The kept marks, with the one `$share`/`$unshare` changes added or removed. */
function changedSharing(kept: Coding[], change: Writer['sharing']): Coding[] {
  if (!change) return kept;
  const others = kept.filter((t) => !(t.system === SHARING_SYSTEM && t.code === change.audience));
  return change.shared ? [...others, { system: SHARING_SYSTEM, code: change.audience }] : others;
}

/**
 * Fields the caller may not set: the owner tag always comes from `owner`; security labels and the
 * directory listing are kept from the current version unless the caller works for the practice; the
 * sharing marks are kept from the current version whoever writes (only `$share` and `$unshare`
 * change them, recording the change); the origin mark is the server's: set on what a patient or
 * family member creates, kept afterwards; the inbox's `reviewed` mark is the staff's: a patient's
 * write drops it, so a changed item is new again (record-sharing.ts).
 */
function withProtectedMeta(writer: Writer, resource: Resource, current: Resource | undefined, owner: string): Resource {
  const { principal } = writer;
  const staff = principal.kind === 'practitioner' || principal.kind === 'system';
  const always = new Set([OWNER_SYSTEM, SHARING_SYSTEM, ORIGIN_SYSTEM]);
  const staffOnly = new Set([DIRECTORY_SYSTEM, INBOX_SYSTEM]);
  const isProtected = (t: Coding): boolean => always.has(t.system ?? '') || (!staff && staffOnly.has(t.system ?? ''));
  const keptTags = (current?.meta?.tag ?? []).filter(
    (t) => t.system === SHARING_SYSTEM || t.system === ORIGIN_SYSTEM || (!staff && t.system === DIRECTORY_SYSTEM),
  );
  const origin = !current && !staff ? [{ system: ORIGIN_SYSTEM, code: 'patient' }] : [];
  const tags = [
    ...(resource.meta?.tag ?? []).filter((t) => !isProtected(t)),
    ...changedSharing(keptTags, writer.sharing),
    ...origin,
    { system: OWNER_SYSTEM, code: owner },
  ];
  const meta = { ...resource.meta, tag: tags };
  if (!staff) {
    if (current?.meta?.security) meta.security = current.meta.security;
    else delete meta.security;
  }
  return { ...resource, meta } as Resource;
}
