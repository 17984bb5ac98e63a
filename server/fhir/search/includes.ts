import { parseFhirPath, toTypedValue } from '@medplum/core';
import type { FhirPathAtom } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import type { Repository } from '../../storage/repository.ts';
import { searchParametersFor } from '../definitions.ts';
import { evaluate, termsFor } from './expressions.ts';
import { localReference } from './index-values.ts';
import type { IncludeParam, ResultShaping } from './parse-search.ts';
import type { SearchFilter } from './search-request.ts';

/**
 * `_include` and `_revinclude`: the resources the matches refer to, and the resources that refer to
 * the matches. Work is bounded: at most MAX_INCLUDED resources and MAX_ITERATIONS rounds of
 * `:iterate`; a resource is included once however many paths lead to it, so reference cycles end.
 * Included resources are read through the same repository (and so the same access rules) as the
 * matches.
 */
export const MAX_INCLUDED = 1000;
export const MAX_ITERATIONS = 4;

export interface IncludeResult {
  resources: Resource[];
  /** True when the bound cut the includes short (reported to the client in an outcome entry). */
  truncated: boolean;
}

export async function resolveIncludes(
  repo: Repository,
  matches: Resource[],
  shaping: ResultShaping,
  baseUrl: string,
): Promise<IncludeResult> {
  const seen = new Set(matches.map(key));
  const included: Resource[] = [];
  let truncated = false;
  const add = (found: Resource[]): Resource[] => {
    const fresh: Resource[] = [];
    for (const r of found) {
      if (seen.has(key(r))) continue;
      if (included.length >= MAX_INCLUDED) {
        truncated = true;
        break;
      }
      seen.add(key(r));
      included.push(r);
      fresh.push(r);
    }
    return fresh;
  };
  // First round: every include applies to the matches.
  let frontier = add(await round(repo, matches, shaping.include, shaping.revinclude, baseUrl));
  // :iterate rounds apply the iterate includes to what the previous round added.
  const include = shaping.include.filter((i) => i.iterate);
  const revinclude = shaping.revinclude.filter((i) => i.iterate);
  for (let i = 1; i < MAX_ITERATIONS && frontier.length && (include.length || revinclude.length) && !truncated; i++) {
    frontier = add(await round(repo, frontier, include, revinclude, baseUrl));
  }
  return { resources: included, truncated };
}

function key(r: Resource): string {
  return `${r.resourceType}/${r.id}`;
}

async function round(
  repo: Repository,
  from: Resource[],
  include: IncludeParam[],
  revinclude: IncludeParam[],
  baseUrl: string,
): Promise<Resource[]> {
  const found: Resource[] = [];
  for (const inc of include) found.push(...(await forwardIncludes(repo, from, inc, baseUrl)));
  for (const inc of revinclude) found.push(...(await reverseIncludes(repo, from, inc)));
  return found;
}

/** The resources that `inc.param` of the `from` resources (of type inc.sourceType) points at. */
async function forwardIncludes(
  repo: Repository,
  from: Resource[],
  inc: IncludeParam,
  baseUrl: string,
): Promise<Resource[]> {
  const byType = new Map<string, Set<string>>();
  for (const resource of from) {
    if (resource.resourceType !== inc.sourceType) continue;
    for (const ref of referencesOf(resource, inc.param, baseUrl)) {
      const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
      if (!m || (inc.targetType && m[1] !== inc.targetType)) continue;
      const ids = byType.get(m[1] as string) ?? new Set();
      ids.add(m[2] as string);
      byType.set(m[1] as string, ids);
    }
  }
  const found: Resource[] = [];
  for (const [type, ids] of byType) found.push(...(await searchAll(repo, type, [{ kind: 'id', ids: [...ids] }])));
  return found;
}

/** The `inc.sourceType` resources whose `inc.param` points at one of the `from` resources. */
async function reverseIncludes(repo: Repository, from: Resource[], inc: IncludeParam): Promise<Resource[]> {
  const targets = from.filter((r) => !inc.targetType || r.resourceType === inc.targetType).map(key);
  if (!targets.length) return [];
  const params = inc.param === '*' ? referenceParams(inc.sourceType) : [inc.param];
  const filter: SearchFilter = {
    kind: 'or',
    filters: params.map((param) => ({ kind: 'reference', param, any: targets.map((target) => ({ target })) })),
  };
  return searchAll(repo, inc.sourceType, [filter]);
}

/** Up to MAX_INCLUDED + 1 matches (one more than can be kept, so that truncation is noticed). */
async function searchAll(repo: Repository, resourceType: string, filters: SearchFilter[]): Promise<Resource[]> {
  const page = await repo.search({ resourceType, filters, sort: [], count: MAX_INCLUDED + 1, total: 'none' });
  return page.versions.map((v) => v.resource as Resource);
}

function referenceParams(type: string): string[] {
  return [...searchParametersFor(type)].filter(([, sp]) => sp.type === 'reference').map(([code]) => code);
}

/** Parsed reference expressions per `type/param` (undefined when none applies to the type). */
const parsedExpressions = new Map<string, FhirPathAtom | undefined>();

function referenceExpression(type: string, code: string): FhirPathAtom | undefined {
  const key = `${type}/${code}`;
  if (!parsedExpressions.has(key)) {
    const sp = searchParametersFor(type).get(code);
    const expression = sp?.expression && termsFor(type, sp.expression);
    parsedExpressions.set(key, expression ? parseFhirPath(expression) : undefined);
  }
  return parsedExpressions.get(key);
}

/** The local references (`Type/id`) a reference parameter (or `*`: all of them) yields on a resource. */
function referencesOf(resource: Resource, param: string, baseUrl: string): string[] {
  const params = param === '*' ? referenceParams(resource.resourceType) : [param];
  const typed = [toTypedValue(resource)];
  const refs: string[] = [];
  for (const code of params) {
    const expression = referenceExpression(resource.resourceType, code);
    // evaluate() yields nothing for an expression this FHIRPath engine cannot run (as in indexing).
    for (const { value } of expression ? evaluate(expression, typed) : []) {
      const ref = typeof value === 'string' ? value : (value as { reference?: unknown } | null)?.reference;
      if (typeof ref === 'string') refs.push(localReference(ref, baseUrl));
    }
  }
  return refs;
}
