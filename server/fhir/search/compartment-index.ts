import type { Resource } from '@medplum/fhirtypes';
import { patientCompartmentParams } from '../definitions.ts';
import { extractIndexRowsOf } from './extract-index.ts';
import type { IndexRow, ReferenceRow } from './index-rows.ts';

/**
 * The patient-compartment rows, computed at write time with the rest of the index: one reference
 * row `_compartment` → `Patient/<id>` for each patient whose compartment the resource is in, by the
 * R4 Patient CompartmentDefinition (a Patient is in its own; a Binary by its securityContext).
 * Access control (server/access/access-policy.ts) selects a patient's data on these rows and
 * `Patient/$everything` lists them, so both share one definition of the compartment.
 *
 * The rows are stored: their shape (param, target, targetType) must not change without a reindex.
 */
export const COMPARTMENT_PARAM = '_compartment';

/** The compartment rows of `resource`, from its already computed search-parameter rows. */
export function compartmentRows(resource: Resource, rows: IndexRow[]): ReferenceRow[] {
  const params = new Set(patientCompartmentParams().get(resource.resourceType) ?? []);
  const targets = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) targets.add(`Patient/${resource.id}`);
  const context = binaryPatient(resource);
  if (context) targets.add(context);
  for (const row of rows) {
    if (
      row.kind === 'reference' &&
      params.has(row.param) &&
      row.targetType === 'Patient' &&
      row.target.startsWith('Patient/')
    )
      targets.add(row.target);
  }
  return [...targets].map((target) => ({ kind: 'reference', param: COMPARTMENT_PARAM, target, targetType: 'Patient' }));
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
