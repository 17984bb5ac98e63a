// `@web-shared/fhir`: the apps' FHIR R4 client, the FHIR shapes they use, and OperationOutcome → messages.
export {
  FHIR_BASE,
  FhirClient,
  nextLink,
  type Page,
  pageOf,
  resourcesOf,
  sameOriginPath,
  type SearchParams,
} from './fhir-client';
export type * from './fhir-types';
export { errorMessages, issueMessage, isVersionConflict, VERSION_CONFLICT_MESSAGE } from './operation-outcome';
export * from './directory-terms';
