import type { Resource } from '@medplum/fhirtypes';
import { patientCompartmentParams } from '../fhir/definitions.ts';
import { extractIndexRows, extractIndexRowsOf } from '../fhir/search/extract-index.ts';
import type { IndexRow, ReferenceRow } from '../fhir/search/index-rows.ts';

/**
 * The index rows access control reads, computed at write time with the rest of the index:
 *
 * - `_compartment` (reference rows): the patients whose compartment the resource is in, by the R4
 *   Patient CompartmentDefinition (a Patient is in its own). A patient's queries select on these.
 * - the owning practice: a `meta.tag` of OWNER_SYSTEM whose code is the practice's Organization id,
 *   indexed as an ordinary `_tag` token row. The repository sets it from the writer's identity and
 *   never takes it from a request body (access-policy.ts#prepareWrite).
 * - directory listing: a `meta.tag` DIRECTORY_LISTED on Practitioner, PractitionerRole, Organization,
 *   Location and HealthcareService resources a practice publishes in the public directory.
 *
 * A deletion keeps these rows (tombstoneRows), so a caller who could see a resource is told it is
 * gone (410) and everyone else that it does not exist (404).
 */
export const OWNER_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice';
export const DIRECTORY_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/directory';
export const DIRECTORY_LISTED = { system: DIRECTORY_SYSTEM, code: 'listed' } as const;
export const COMPARTMENT_PARAM = '_compartment';

/** The full index of a resource: its search parameters plus the access rows. */
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
  return row.kind === 'token' && row.param === '_tag' && (row.system === OWNER_SYSTEM || row.system === DIRECTORY_SYSTEM);
}

/** The Patient ids whose compartment `resource` is in (computed from its index rows). */
export function compartmentsOf(resource: Resource, rows: IndexRow[]): string[] {
  return compartmentRows(resource, rows).map((r) => r.target.slice('Patient/'.length));
}

/**
 * The Patient ids whose compartment `resource` would be in, evaluating only the compartment's
 * parameters (a write checks them before the full index is computed).
 */
export function compartmentTargets(resource: Resource, baseUrl: string): string[] {
  const params = new Set(patientCompartmentParams().get(resource.resourceType) ?? []);
  return compartmentsOf(resource, params.size ? extractIndexRowsOf(resource, baseUrl, params) : []);
}

function compartmentRows(resource: Resource, rows: IndexRow[]): ReferenceRow[] {
  const params = new Set(patientCompartmentParams().get(resource.resourceType) ?? []);
  const targets = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) targets.add(`Patient/${resource.id}`);
  const context = binaryPatient(resource);
  if (context) targets.add(context);
  for (const row of rows) {
    if (row.kind === 'reference' && params.has(row.param) && row.targetType === 'Patient' && row.target.startsWith('Patient/')) targets.add(row.target);
  }
  return [...targets].map((target) => ({ kind: 'reference', param: COMPARTMENT_PARAM, target, targetType: 'Patient' }));
}

/**
 * A Binary is in no compartment of the R4 CompartmentDefinition; its `securityContext` says whose
 * it is (R4 Binary: "access is controlled by the security context"). A Binary whose context is a
 * Patient is in that patient's compartment, so the patient (and their family members) can read the
 * letter or image they or their practice uploaded; without one, only the owning practice can.
 */
function binaryPatient(resource: Resource): string | undefined {
  if (resource.resourceType !== 'Binary') return undefined;
  const reference = (resource as { securityContext?: { reference?: string } }).securityContext?.reference;
  return reference && /^Patient\/[A-Za-z0-9\-.]{1,64}$/.test(reference) ? reference : undefined;
}

/** The owning practice (Organization id) recorded on a resource, if any. */
export function ownerOf(resource: Resource | undefined): string | undefined {
  return resource?.meta?.tag?.find((t) => t.system === OWNER_SYSTEM)?.code;
}
