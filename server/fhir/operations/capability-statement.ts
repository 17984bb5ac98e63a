import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';
import { getResourceTypes, searchParametersFor } from '../definitions.ts';
import { isSearchable } from '../search/parse-search.ts';

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];
type SystemInteraction = 'transaction' | 'batch' | 'search-system' | 'history-system';

/**
 * One thing the server serves, at the system, type or instance level: CapabilityStatement
 * interaction codes (`read`, `batch`…) or an operation name (`validate`), for the given resource
 * types (all when absent). fhir/rest/routes.ts derives the list from its route table.
 */
export interface ServedInteraction {
  level: 'system' | 'type' | 'instance';
  interaction?: string | readonly string[];
  operation?: string;
  types?: readonly string[];
}

/**
 * Generates the CapabilityStatement from what the server serves and the search parameters the parser
 * accepts, once at start-up: it describes exactly what this build does.
 */
export function buildCapabilityStatement(
  served: readonly ServedInteraction[],
  options: { baseUrl: string; software: string; version: string },
): CapabilityStatement {
  const typeInteractions = unique(
    served.filter((r) => r.level !== 'system').flatMap((r) => interactionsOf(r) as TypeInteraction[]),
  );
  const operationsOf = (type: string): string[] =>
    unique(
      served
        .filter((r) => r.level !== 'system' && r.operation && (!r.types || r.types.includes(type)))
        .map((r) => r.operation as string),
    );
  const resource = getResourceTypes().map((type): CapabilityStatementRestResource => ({
    type: type as CapabilityStatementRestResource['type'],
    interaction: typeInteractions.map((code) => ({ code })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    conditionalRead: 'modified-since',
    searchParam: searchParamsOf(type),
    operation: operationsOf(type).map((name) => ({ name, definition: operationDefinition(name) })),
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: options.software, version: options.version },
    implementation: { description: 'Patient portal FHIR server', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        resource,
        interaction: unique(
          served
            .filter((r) => r.level === 'system')
            .flatMap((r) => interactionsOf(r).map((code) => ({ code: code as SystemInteraction }))),
        ),
      },
    ],
  };
}

function searchParamsOf(type: string): CapabilityStatementRestResourceSearchParam[] {
  const params: CapabilityStatementRestResourceSearchParam[] = [
    { name: '_id', type: 'token', definition: 'http://hl7.org/fhir/SearchParameter/Resource-id' },
    { name: '_lastUpdated', type: 'date', definition: 'http://hl7.org/fhir/SearchParameter/Resource-lastUpdated' },
    { name: '_text', type: 'string', documentation: 'Word-prefix search of the narrative' },
    { name: '_content', type: 'string', documentation: 'Word-prefix search of every text value of the resource' },
  ];
  for (const [code, sp] of searchParametersFor(type)) {
    if (code === '_id' || code === '_lastUpdated' || !isSearchable(sp)) continue;
    params.push({
      name: code,
      type: sp.type as CapabilityStatementRestResourceSearchParam['type'],
      definition: sp.url,
    });
  }
  return params;
}

function interactionsOf(item: ServedInteraction): string[] {
  return item.interaction === undefined ? [] : [item.interaction].flat();
}

function unique<T>(items: T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = JSON.stringify(item);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Our own operations (fhir-profiles/operation-definitions/); the others are FHIR's. */
const OWN_OPERATIONS = new Set(['share', 'unshare', 'decide', 'invite', 'uninvite', 'update-profile']);

function operationDefinition(name: string): string {
  if (OWN_OPERATIONS.has(name)) return `https://patient-portal.example.org/fhir/OperationDefinition/${name}`;
  return `http://hl7.org/fhir/OperationDefinition/${name === 'everything' ? 'Patient' : 'Resource'}-${name}`;
}
