import type { DocumentReference, Provenance, ProvenanceAgent, Resource } from '@medplum/fhirtypes';
import { badRequest, conflict, forbidden, unprocessable } from '../fhir/outcomes.ts';
import { OWNER_SYSTEM, ownerOf } from './access-index.ts';
import type { Principal } from './principal.ts';
import { hasNotes, isClinicalType, NOTE_CATEGORY, SHARING_SYSTEM } from './record-sharing.ts';
import type { Audience } from './record-sharing.ts';

/**
 * Who may change a sharing mark (record-sharing.ts), checked before `$share` / `$unshare` writes:
 *
 * - only the practice's staff (practitioners, backend clients), never a patient or family member;
 * - only clinical content (what patients always see needs no sharing);
 * - with colleagues: only clinical notes, and only in a practice that enables note sharing.
 *
 * The write itself then passes the caller's update rule like any other: a practitioner may change
 * only their own notes (so only the author shares a note, with the patient or with colleagues), and
 * nobody writes another practice's records.
 */
export function checkSharingChange(principal: Principal, current: Resource, audience: string): Audience {
  if (audience !== 'patient' && audience !== 'colleagues')
    throw badRequest(`audience must be 'patient' or 'colleagues', not '${audience}'`, 'Parameters.parameter');
  if (principal.kind !== 'practitioner' && principal.kind !== 'system')
    throw forbidden("Only the practice's staff can share or stop sharing records");
  const type = current.resourceType;
  if (!isClinicalType(type))
    throw unprocessable(`${type} is not clinical content: it is not shared item by item`, type);
  if (audience === 'colleagues') {
    if (!isNote(current)) throw unprocessable('Only clinical notes are shared with colleagues', type);
    const owner = ownerOf(current);
    if (!owner || !principal.sharing?.[owner]?.noteSharing)
      throw conflict('Note sharing is disabled in this practice: notes stay with their author');
  }
  return audience;
}

/** Whether `resource` carries the sharing mark of `audience`. */
export function hasSharingMark(resource: Resource, audience: Audience): boolean {
  return (resource.meta?.tag ?? []).some((t) => t.system === SHARING_SYSTEM && t.code === audience);
}

/** A DocumentReference of category clinical-note. */
export function isNote(resource: Resource): boolean {
  if (!hasNotes(resource.resourceType)) return false;
  const categories = (resource as DocumentReference).category ?? [];
  return categories.some((c) =>
    (c.coding ?? []).some((coding) => coding.system === NOTE_CATEGORY.system && coding.code === NOTE_CATEGORY.code),
  );
}

/** The code system of the activities a sharing Provenance records. */
export const SHARING_ACTIVITY_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/sharing-activity';
const CLIENT_ID_SYSTEM = 'https://patient-portal.example.org/fhir/sid/client-id';

/**
 * The record of a sharing change: a Provenance of the version written, who (the practitioner, or a
 * backend client by its client id), on behalf of which practice, when, what (share-patient,
 * unshare-colleagues…). Owned by the record's practice; patients never read Provenance
 * (access-policy.ts HIDDEN_FROM_PATIENTS): it may name items they do not see.
 */
export function sharingProvenance(
  principal: Principal,
  written: Resource,
  audience: Audience,
  shared: boolean,
  now: Date,
): Provenance {
  const owner = ownerOf(written);
  const who: ProvenanceAgent['who'] = principal.fhirUser
    ? { reference: principal.fhirUser }
    : { identifier: { system: CLIENT_ID_SYSTEM, value: principal.clientId }, display: principal.clientId };
  const code = `${shared ? 'share' : 'unshare'}-${audience}`;
  return {
    resourceType: 'Provenance',
    meta: { tag: owner ? [{ system: OWNER_SYSTEM, code: owner }] : [] },
    target: [{ reference: `${written.resourceType}/${written.id}/_history/${written.meta?.versionId}` }],
    recorded: now.toISOString(),
    activity: {
      coding: [
        {
          system: SHARING_ACTIVITY_SYSTEM,
          code,
          display: `${shared ? 'Shared with' : 'No longer shared with'} ${audience === 'patient' ? 'the patient' : 'colleagues'}`,
        },
      ],
    },
    agent: [{ who, ...(owner ? { onBehalfOf: { reference: `Organization/${owner}` } } : {}) }],
  };
}
