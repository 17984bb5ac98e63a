import type { Resource } from '@medplum/fhirtypes';
import { COMPARTMENT_PARAM, compartmentRows } from '../fhir/search/compartment-index.ts';
import { extractIndexRows } from '../fhir/search/extract-index.ts';
import type { IndexRow } from '../fhir/search/index-rows.ts';

/**
 * The marks access control reads, stored with every resource's index:
 *
 * - the owning practice: a `meta.tag` of OWNER_SYSTEM whose code is the practice's Organization id,
 *   indexed as an ordinary `_tag` token row. The repository sets it from the writer's identity and
 *   never takes it from a request body (access-policy.ts#prepareWrite).
 * - directory listing: a `meta.tag` DIRECTORY_LISTED on Practitioner, PractitionerRole, Organization,
 *   Location and HealthcareService resources a practice publishes in the public directory.
 * - the patient compartments (`_compartment` reference rows): search indexing, computed in
 *   server/fhir/search/compartment-index.ts; a patient's queries select on them.
 *
 * A deletion keeps these rows (tombstoneRows), so a caller who could see a resource is told it is
 * gone (410) and everyone else that it does not exist (404).
 */
export const OWNER_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice';
export const DIRECTORY_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/directory';
export const DIRECTORY_LISTED = { system: DIRECTORY_SYSTEM, code: 'listed' } as const;

/** The full index the repository stores: the search parameters' rows plus the compartment rows. */
export function indexWithAccess(resource: Resource, baseUrl: string): IndexRow[] {
  const rows = extractIndexRows(resource, baseUrl);
  return [...rows, ...compartmentRows(resource, rows)];
}

/** The rows a tombstone keeps: ownership, listing and compartments of the last version. */
export function tombstoneRows(resource: Resource, baseUrl: string): IndexRow[] {
  return indexWithAccess(resource, baseUrl).filter(isAccessRow);
}

export function isAccessRow(row: IndexRow): boolean {
  if (row.kind === 'reference') return row.param === COMPARTMENT_PARAM;
  return (
    row.kind === 'token' && row.param === '_tag' && (row.system === OWNER_SYSTEM || row.system === DIRECTORY_SYSTEM)
  );
}

/** The owning practice (Organization id) recorded on a resource, if any. */
export function ownerOf(resource: Resource | undefined): string | undefined {
  return resource?.meta?.tag?.find((t) => t.system === OWNER_SYSTEM)?.code;
}
