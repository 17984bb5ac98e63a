import { unauthorized } from '../fhir/outcomes.ts';
import type { FhirError } from '../fhir/outcomes.ts';
import { DIRECTORY_TYPES } from './access-policy.ts';

/**
 * What a caller without a valid token may ask of the FHIR API (docs/decisions/0012): **read and
 * search the public directory** — `GET [type]/[id]`, `GET [type]?…` and `POST [type]/_search` of
 * the DIRECTORY_TYPES (Practitioner, PractitionerRole, Organization, Location, HealthcareService),
 * under the public scope (only resources a practice listed; `_include`/`_revinclude`, chains and
 * `_has` reach nothing else). Everything else answers 401 with `WWW-Authenticate: Bearer
 * realm="<FHIR base>"`, before any data is looked at, so the answer never depends on whether a
 * resource exists: other types, vread and history (old versions of a listing are not the listing),
 * operations, writes, batch and transaction Bundles, system-level search (`GET [base]?…`) and paths
 * no route serves.
 *
 * Open without a token elsewhere, never reaching this rule: `GET metadata` and `GET [base]` without
 * search parameters, which both answer the CapabilityStatement (fhir-router.ts, before the route
 * table), the discovery documents (`.well-known/smart-configuration`, the issuer's
 * `/.well-known/…`: smart/routes.ts) and CORS preflights (app.ts).
 */
/**
 * What a request asks, as the FHIR router names it: the CapabilityStatement interaction (`read`,
 * `search-type`, `$everything`, …) and the resource type when the path has one. (fhir/rest passes
 * it; auth does not depend on the HTTP layer's types.)
 */
export interface AskedInteraction {
  interaction: string;
  resourceType?: string;
}

const ANONYMOUS_INTERACTIONS: ReadonlySet<string> = new Set(['read', 'search-type']);
const DIRECTORY: ReadonlySet<string> = new Set(DIRECTORY_TYPES);

export function anonymousMay(asked: AskedInteraction): boolean {
  return (
    ANONYMOUS_INTERACTIONS.has(asked.interaction) &&
    asked.resourceType !== undefined &&
    DIRECTORY.has(asked.resourceType)
  );
}

/** The 401 every other request without a token gets (the error handler adds WWW-Authenticate). */
export function tokenRequired(): FhirError {
  return unauthorized(
    'This request needs an access token; without one only metadata and the public directory (read, search) are available',
  );
}
