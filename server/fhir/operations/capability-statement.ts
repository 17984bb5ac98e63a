import type { CapabilityStatement, CapabilityStatementRestResource, CapabilityStatementRestResourceSearchParam } from '@medplum/fhirtypes';
import { getResourceTypes, searchParametersFor } from '../definitions.ts';
import { isSearchable } from '../search/parse-search.ts';
import type { Route } from '../rest/routes.ts';

type TypeInteraction = NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'];
type SystemInteraction = 'transaction' | 'batch' | 'search-system' | 'history-system';

/**
 * Generates the CapabilityStatement from the route table and the search parameters the parser
 * accepts, once at start-up: it describes exactly what this build does.
 */
export function buildCapabilityStatement(routes: Route[], options: { baseUrl: string; software: string; version: string }): CapabilityStatement {
  const typeInteractions = unique(routes.filter((r) => r.level !== 'system').flatMap((r) => interactionsOf(r) as TypeInteraction[]));
  const operationsOf = (type: string): string[] =>
    unique(routes.filter((r) => r.level !== 'system' && r.operation && (!r.types || r.types.includes(type))).map((r) => r.operation as string));
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
    operation: operationsOf(type).map((name) => ({ name, definition: `http://hl7.org/fhir/OperationDefinition/${name === 'everything' ? 'Patient' : 'Resource'}-${name}` })),
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
        interaction: unique(routes.filter((r) => r.level === 'system').flatMap((r) => interactionsOf(r).map((code) => ({ code: code as SystemInteraction })))),
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
    params.push({ name: code, type: sp.type as CapabilityStatementRestResourceSearchParam['type'], definition: sp.url });
  }
  return params;
}

function interactionsOf(route: Route): string[] {
  return route.interaction === undefined ? [] : [route.interaction].flat();
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
