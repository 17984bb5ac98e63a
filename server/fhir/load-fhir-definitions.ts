import { join } from 'node:path';
import { loadCustomSearchParameters } from './custom-search-parameters.ts';
import { loadDefinitions, registerCustomSearchParameters } from './definitions.ts';

/** The project's fhir-profiles/ folder (this file is server/fhir/). */
const SEARCH_PARAMETERS_DIR = join(import.meta.dirname, '..', '..', 'fhir-profiles', 'search-parameters');

/**
 * R4 definitions plus our own search parameters (fhir-profiles/search-parameters): what the server,
 * the reindex command and tests load before indexing or searching. It lives here, not in app.ts, so
 * a command can load them without assembling the HTTP server; not in definitions.ts, because
 * custom-search-parameters.ts reads that module's tables to check each parameter.
 */
export function loadFhirDefinitions(): void {
  loadDefinitions();
  registerCustomSearchParameters(loadCustomSearchParameters(SEARCH_PARAMETERS_DIR));
}
