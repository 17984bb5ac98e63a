import type { ResourceScope, ScopeInteraction } from '../../access/principal.ts';

/**
 * SMART App Launch scopes (2.2 §3 "Scopes and Launch Context"), v1 and v2 syntax.
 *
 * Resource scopes: `<context>/<type>.<permissions>[?<query>]`
 * - context: `patient`, `user` or `system`;
 * - type: a resource type (`Observation`) or `*`;
 * - permissions, v2: the letters c r u d s, each at most once, in that order (`rs`, `cruds`),
 *   optionally followed by a granular query (`patient/Observation.rs?category=…|vital-signs`);
 * - permissions, v1: `read` (= rs), `write` (= cud) or `*` (= cruds); no query.
 *
 * The other scopes SMART and OpenID Connect define are recognised but carry no resource access:
 * `launch`, `launch/patient`, `launch/encounter`, `openid`, `fhirUser`, `profile`,
 * `offline_access`, `online_access`. Anything else is refused.
 */

export const LAUNCH_SCOPES = ['launch', 'launch/patient', 'launch/encounter'] as const;
export const IDENTITY_SCOPES = ['openid', 'fhirUser', 'profile'] as const;
export const REFRESH_SCOPES = ['offline_access', 'online_access'] as const;
/** Every scope that is not a resource scope and that this server understands. */
export const NON_RESOURCE_SCOPES: ReadonlySet<string> = new Set<string>([
  ...LAUNCH_SCOPES,
  ...IDENTITY_SCOPES,
  ...REFRESH_SCOPES,
]);

const ORDER: readonly ScopeInteraction[] = ['c', 'r', 'u', 'd', 's'];
const V1: Record<string, ScopeInteraction[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};
const CONTEXTS = new Set(['patient', 'user', 'system']);
const RESOURCE_TYPE = /^(\*|[A-Z][A-Za-z]{0,63})$/;
const QUERY_PART = /^[A-Za-z0-9_\-.:]+=[^&=\s]+$/;
/** RFC 6749 scope-token characters (the provider checks the same before we see a scope). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const MAX_SCOPE_LENGTH = 512;

/** A scope this server does not understand; `scope` is the offending token. */
export class ScopeError extends Error {
  override name = 'ScopeError';
  readonly scope: string;

  constructor(scope: string, reason: string) {
    super(`Scope "${scope.length > 80 ? `${scope.slice(0, 80)}…` : scope}" ${reason}`);
    this.scope = scope;
  }
}

/** Splits a space-separated scope string into its distinct tokens (empty string → none). */
export function scopeTokens(scope: string | undefined): string[] {
  if (!scope) return [];
  return [...new Set(scope.split(' ').filter(Boolean))];
}

/**
 * The resource scopes of a scope string, in order. Throws ScopeError for a malformed or unknown
 * scope; the non-resource scopes listed above are accepted and not returned.
 */
export function parseScopes(scope: string): ResourceScope[] {
  if (typeof scope !== 'string') throw new ScopeError(String(scope), 'is not a string');
  const out: ResourceScope[] = [];
  for (const token of scopeTokens(scope)) {
    const parsed = parseScope(token);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** One scope token: a ResourceScope, undefined for a recognised non-resource scope, or ScopeError. */
export function parseScope(token: string): ResourceScope | undefined {
  if (token.length > MAX_SCOPE_LENGTH) throw new ScopeError(token, `is longer than ${MAX_SCOPE_LENGTH} characters`);
  if (!SCOPE_TOKEN.test(token)) throw new ScopeError(token, 'contains characters a scope cannot have');
  if (NON_RESOURCE_SCOPES.has(token)) return undefined;
  const slash = token.indexOf('/');
  if (slash < 0) throw new ScopeError(token, 'is not a known scope (resource scopes look like patient/Observation.rs)');
  const context = token.slice(0, slash);
  if (!CONTEXTS.has(context)) throw new ScopeError(token, 'must start with patient/, user/ or system/');
  const rest = token.slice(slash + 1);
  const question = rest.indexOf('?');
  const path = question < 0 ? rest : rest.slice(0, question);
  const query = question < 0 ? undefined : rest.slice(question + 1);
  const dot = path.lastIndexOf('.');
  if (dot < 0) throw new ScopeError(token, 'needs a permission after the resource type, e.g. .rs or .read');
  const resourceType = path.slice(0, dot);
  if (!RESOURCE_TYPE.test(resourceType)) throw new ScopeError(token, 'needs a resource type such as Observation, or *');
  const permissions = path.slice(dot + 1);
  const v1 = V1[permissions];
  const interactions = v1 ? [...v1] : parseV2Permissions(token, permissions);
  const scope: ResourceScope = { context: context as ResourceScope['context'], resourceType, interactions };
  if (query !== undefined) {
    if (v1) throw new ScopeError(token, 'mixes a v1 permission (read/write/*) with a v2 search query');
    checkQuery(token, query);
    scope.query = query;
  }
  return scope;
}

function parseV2Permissions(token: string, permissions: string): ScopeInteraction[] {
  if (!/^[cruds]{1,5}$/.test(permissions)) {
    throw new ScopeError(token, 'has an unknown permission: use read, write or * (v1), or the letters c r u d s (v2)');
  }
  const letters = [...permissions] as ScopeInteraction[];
  let last = -1;
  for (const letter of letters) {
    const index = ORDER.indexOf(letter);
    if (index <= last) throw new ScopeError(token, 'must list each of c r u d s at most once and in that order');
    last = index;
  }
  return letters;
}

function checkQuery(token: string, query: string): void {
  if (!query) throw new ScopeError(token, 'has an empty search query after ?');
  for (const part of query.split('&')) {
    if (!QUERY_PART.test(part))
      throw new ScopeError(token, `has a malformed search parameter "${part}" (expected name=value)`);
  }
}

/** True when the scope token is a resource scope (whatever its validity). */
export function isResourceScopeToken(token: string): boolean {
  return !NON_RESOURCE_SCOPES.has(token);
}

/**
 * Whether the allowed scope `allowed` covers the requested `wanted`: same context, same type or
 * `*`, at least the same interactions, and no query or the same query (a granular grant covers
 * only that exact query; an ungranular grant covers any query).
 */
export function scopeCovers(allowed: ResourceScope, wanted: ResourceScope): boolean {
  if (allowed.context !== wanted.context) return false;
  if (allowed.resourceType !== '*' && allowed.resourceType !== wanted.resourceType) return false;
  if (!wanted.interactions.every((i) => allowed.interactions.includes(i))) return false;
  return allowed.query === undefined || allowed.query === wanted.query;
}

/** The requested tokens that an allow-list (a client's registered scope) does not cover. */
export function scopesBeyond(allowedScope: string, requested: readonly string[]): string[] {
  const allowedTokens = new Set(scopeTokens(allowedScope));
  const allowedResources = [...allowedTokens].filter(isResourceScopeToken).map((t) => parseScope(t)!);
  return requested.filter((token) => {
    if (allowedTokens.has(token)) return false;
    if (!isResourceScopeToken(token)) return true;
    const wanted = parseScope(token)!;
    return !allowedResources.some((allowed) => scopeCovers(allowed, wanted));
  });
}
