import type { Patient } from '@medplum/fhirtypes';
import { parseFilter } from '../fhir/search/parse-filter.ts';
import type { SearchFilter } from '../fhir/search/search-request.ts';
import type { PatientFilter } from '../auth/smart/launch-resolution.ts';
import type { AccessScope } from '../storage/access-scope.ts';
import type { Repository } from '../storage/repository.ts';
import { accessScopeFor, publicScope } from './access-policy.ts';
import type { Account } from '../auth/accounts/account.ts';
import { anonymousMay, tokenRequired } from './anonymous-access.ts';
import type { AskedInteraction } from './anonymous-access.ts';
import { resolvePrincipal } from './entitlements.ts';
import type { TokenGrant } from './principal.ts';

/**
 * The glue between the bearer-token check and the storage layer: for each FHIR request, the caller's
 * AccessScope. A request without a token gets the public scope (the practitioner directory,
 * read-only) when it asks what anonymous-access.ts allows, and 401 otherwise (`asked` is what the
 * FHIR router says the request is; the console's routes check for a grant themselves); a request
 * with a valid token gets its principal's scope, recomputed from the records at every request. The
 * principal is left in `res.locals.principal` for the audit trail.
 */
export interface RequestAccessDeps {
  /** The unscoped repository (entitlements are looked up by the server itself). */
  repo: Repository;
  findAccount: (id: string) => Promise<Account | undefined>;
  fhirBaseUrl: string;
}

/**
 * The part of an HTTP exchange access resolution reads and writes: express's `res.locals` (the bearer
 * check left the grant there). Typed by shape so that access rules do not depend on the HTTP framework.
 */
export interface ExchangeLocals {
  locals: Record<string, unknown>;
}

export function requestAccess(
  deps: RequestAccessDeps,
): (req: unknown, res: ExchangeLocals, asked?: AskedInteraction) => Promise<AccessScope> {
  const anonymous = publicScope();
  return async (_req, res, asked) => {
    const grant = res.locals.grant as TokenGrant | undefined;
    if (!grant) {
      if (asked && !anonymousMay(asked)) throw tokenRequired();
      return anonymous;
    }
    const principal = await resolvePrincipal(grant, deps);
    res.locals.principal = principal;
    return accessScopeFor(principal, { fhirBaseUrl: deps.fhirBaseUrl });
  };
}

/** How many patients the standalone-launch picker lists at once (a name search narrows them). */
export const PICKER_LIMIT = 50;

/**
 * The patient records an account may pick at a standalone launch (`launch/patient`): those its
 * entitlements reach, with a display name, read through the account's own access scope. For a
 * practitioner that is the patients of their practices (the first PICKER_LIMIT by family name, or
 * those whose name starts with `filter.name`), for a patient or family member the linked records.
 * `filter.id` answers whether one given record is among them (the picker's choice is checked so).
 */
export function patientChoices(deps: Pick<RequestAccessDeps, 'repo' | 'findAccount' | 'fhirBaseUrl'>) {
  return async (accountId: string, filter: PatientFilter = {}): Promise<Array<{ id: string; display: string }>> => {
    const principal = await resolvePrincipal({ accountId, clientId: '', scope: 'user/Patient.rs' }, deps);
    if (principal.kind !== 'practitioner' && principal.patients.length === 0) return [];
    const scoped = deps.repo.withScope(accessScopeFor(principal, { fhirBaseUrl: deps.fhirBaseUrl }));
    const filters: SearchFilter[] = principal.kind === 'practitioner' ? [] : [{ kind: 'id', ids: principal.patients }];
    if (filter.id !== undefined) filters.push({ kind: 'id', ids: [filter.id] });
    const name = filter.name?.trim();
    if (name) {
      const byName = parseFilter('Patient', 'name', name.slice(0, 100), {
        baseUrl: deps.fhirBaseUrl,
        maxOrValues: 1,
        maxChainDepth: 0,
      });
      if (byName) filters.push(byName);
    }
    const page = await scoped.search({
      resourceType: 'Patient',
      filters,
      sort: [{ source: { kind: 'index', index: 'string', param: 'family' }, descending: false }],
      count: PICKER_LIMIT,
      total: 'none',
    });
    return page.versions.flatMap((v) =>
      v.resource ? [{ id: v.resource.id as string, display: displayName(v.resource as Patient) }] : [],
    );
  };
}

function displayName(patient: Patient): string {
  const name = patient.name?.[0];
  const text = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ');
  return text || `Patient ${patient.id}`;
}
