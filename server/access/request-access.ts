import type { Patient } from '@medplum/fhirtypes';
import { parseFilter } from '../fhir/search/parse-filter.ts';
import type { SearchFilter } from '../fhir/search/search-request.ts';
import type { PatientFilter } from '../auth/smart/launch-resolution.ts';
import type { AccessScope } from '../storage/access-scope.ts';
import type { Repository } from '../storage/repository.ts';
import { EPOCH_LOCAL, principalKey } from './access-cache.ts';
import type { AccessCaches, ResolvedAccess } from './access-cache.ts';
import { accessScopeFor, compileRules, publicScope } from './access-policy.ts';
import type { Account } from '../auth/accounts/account.ts';
import { anonymousMay, tokenRequired } from './anonymous-access.ts';
import type { AskedInteraction } from './anonymous-access.ts';
import { resolveEntitlements, resolvePrincipal } from './entitlements.ts';
import type { Principal, TokenGrant } from './principal.ts';

/**
 * The glue between the bearer-token check and the storage layer: for each FHIR request, the caller's
 * AccessScope. A request without a token gets the public scope (the practitioner directory,
 * read-only) when it asks what anonymous-access.ts allows, and 401 otherwise (`asked` is what the
 * FHIR router says the request is; the console's routes check for a grant themselves); a request
 * with a valid token gets its principal's scope, computed from the records. With `cache`, the
 * principal and its compiled rules are kept per process while the access epoch the bearer check
 * read for this request is the one they were computed under, and until the first term they depend
 * on changes (access-cache.ts, decision 0017); the AccessScope itself is per request (it remembers
 * the patients checked during a write). The principal is left in `res.locals.principal` for the
 * audit trail; it is frozen, since requests share it.
 */
export interface RequestAccessDeps {
  /** The unscoped repository (entitlements are looked up by the server itself). */
  repo: Repository;
  findAccount: (id: string) => Promise<Account | undefined>;
  fhirBaseUrl: string;
  /** The process's access caches; without them every request resolves its principal afresh. */
  cache?: Pick<AccessCaches, 'readEpoch' | 'principals'>;
  /** The clock terms are judged by (tests move it); default the real one. */
  now?: () => Date;
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
    const { principal, rule } = await resolved(deps, grant, res.locals);
    res.locals.principal = principal;
    return accessScopeFor(principal, { fhirBaseUrl: deps.fhirBaseUrl }, rule);
  };
}

/** The principal and its rules: cached under the epoch this request read first, else computed (and cached). */
async function resolved(
  deps: RequestAccessDeps,
  grant: TokenGrant,
  locals: Record<string, unknown>,
): Promise<ResolvedAccess> {
  const options = { fhirBaseUrl: deps.fhirBaseUrl };
  const { cache } = deps;
  if (!cache) {
    const principal = await resolvePrincipal(grant, deps);
    return { principal, rule: compileRules(principal, options) };
  }
  // Normally the bearer check read the epoch before anything else; a caller that set the grant
  // itself gets it read here, still before the records are.
  const epoch = typeof locals[EPOCH_LOCAL] === 'string' ? locals[EPOCH_LOCAL] : await cache.readEpoch();
  const key = principalKey(grant);
  const now = deps.now?.() ?? new Date();
  const cached = cache.principals.get(key, epoch, now.getTime());
  if (cached) return cached;
  const { principal, changesAt } = await resolveEntitlements(grant, { ...deps, now: () => now });
  const entry = { principal: frozen(principal), rule: compileRules(principal, options) };
  cache.principals.set(key, entry, epoch, now.getTime(), changesAt);
  return entry;
}

function frozen(principal: Principal): Principal {
  for (const value of Object.values(principal)) if (Array.isArray(value)) Object.freeze(value);
  for (const scope of principal.scopes) Object.freeze(scope);
  return Object.freeze(principal);
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
