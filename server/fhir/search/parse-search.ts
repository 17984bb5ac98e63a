import type { SearchParameter } from '@medplum/fhirtypes';
import { searchParametersFor } from '../definitions.ts';
import { badRequest, notSupported } from '../outcomes.ts';
import { localReference } from './extract-index.ts';
import { dateRange, normalizeString } from './normalize.ts';
import type { DateCondition, DatePrefix, SearchFilter, SearchRequest, TokenCondition } from './search-request.ts';

/** Parameter kinds whose filters the engines answer today (number, quantity and composite come next). */
export const SEARCHABLE_TYPES = new Set(['string', 'token', 'reference', 'date', 'uri']);

/** Result parameters understood here; other `_` parameters are reported as unsupported. */
const CONTROL_PARAMS = new Set(['_count', '_cursor', '_total', '_format', '_pretty']);

export interface SearchLimits {
  defaultCount: number;
  maxCount: number;
  /** Most comma-separated values in one parameter. */
  maxOrValues: number;
}

export interface SearchParseOptions extends SearchLimits {
  /** The server's FHIR base URL: references given as absolute URLs on it count as local. */
  baseUrl: string;
  /** `Prefer: handling=strict`: unknown parameters are errors instead of being ignored. */
  strict: boolean;
}

export interface ParsedSearch {
  request: SearchRequest;
  /** Parameters that were ignored (lenient handling); reported in the Bundle's outcome. */
  ignored: string[];
}

export type Query = Record<string, string | string[] | undefined>;

/**
 * Parses a search query string into the internal form once. Unknown or unsupported parameters
 * are rejected with 400 under `Prefer: handling=strict` and otherwise ignored and reported.
 */
export function parseSearch(resourceType: string, query: Query, options: SearchParseOptions): ParsedSearch {
  const request: SearchRequest = { resourceType, filters: [], count: options.defaultCount, total: 'none' };
  const ignored: string[] = [];
  const params = searchParametersFor(resourceType);
  for (const [key, raw] of Object.entries(query)) {
    for (const value of Array.isArray(raw) ? raw : [raw ?? '']) {
      if (applyControl(request, key, value, options)) continue;
      const filter = parseFilter(params, key, value, options);
      if (filter) request.filters.push(filter);
      else if (options.strict) throw badRequest(`Unknown or unsupported search parameter '${key}' for ${resourceType}`, key);
      else ignored.push(key);
    }
  }
  return { request, ignored };
}

function applyControl(request: SearchRequest, key: string, value: string, limits: SearchLimits): boolean {
  if (!CONTROL_PARAMS.has(key)) return false;
  if (key === '_count') {
    if (!/^\d{1,9}$/.test(value)) throw badRequest(`_count must be a non-negative integer, got '${value}'`, '_count');
    request.count = Math.min(Number(value), limits.maxCount);
  } else if (key === '_cursor') {
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(value)) throw badRequest('Invalid paging cursor', '_cursor');
    request.afterId = value;
  } else if (key === '_total') {
    if (!['none', 'estimate', 'accurate'].includes(value)) throw badRequest(`_total must be none, estimate or accurate`, '_total');
    request.total = value === 'none' ? 'none' : 'accurate';
  }
  return true;
}

function parseFilter(params: Map<string, SearchParameter>, key: string, value: string, options: SearchParseOptions): SearchFilter | undefined {
  const [code = '', modifier] = key.split(':', 2) as [string, string | undefined];
  const values = splitValues(value);
  if (values.length > options.maxOrValues) throw badRequest(`At most ${options.maxOrValues} values are allowed in '${key}'`, key);
  if (code === '_id' && !modifier) return { kind: 'id', ids: values };
  if (code === '_lastUpdated' && !modifier) return { kind: 'lastUpdated', any: values.map((v) => parseDate(key, v)) };
  const sp = params.get(code);
  if (!sp || !SEARCHABLE_TYPES.has(sp.type as string)) return undefined;
  switch (sp.type) {
    case 'string':
      return parseString(code, key, modifier, values);
    case 'token':
      if (modifier) return unsupportedModifier(key);
      return { kind: 'token', param: code, any: values.map(parseToken) };
    case 'reference':
      return { kind: 'reference', param: code, any: parseReferences(sp, key, modifier, values, options.baseUrl) };
    case 'date':
      if (modifier) return unsupportedModifier(key);
      return { kind: 'date', param: code, any: values.map((v) => parseDate(key, v)) };
    case 'uri':
      if (modifier) return unsupportedModifier(key);
      return { kind: 'uri', param: code, any: values.map((v) => ({ value: v })) };
  }
  return undefined;
}

function unsupportedModifier(key: string): never {
  throw notSupported(`The modifier in '${key}' is not supported`);
}

/** Commas separate alternatives; `\,` is a literal comma. */
function splitValues(value: string): string[] {
  const parts = value.split(/(?<!\\),/).map((v) => v.replace(/\\,/g, ','));
  return parts.filter((v) => v !== '');
}

function parseString(code: string, key: string, modifier: string | undefined, values: string[]): SearchFilter {
  if (modifier === 'exact') return { kind: 'string', param: code, any: values.map((value) => ({ match: 'exact', value })) };
  if (modifier === 'contains' || modifier === undefined) {
    const match = modifier ?? 'prefix';
    return { kind: 'string', param: code, any: values.map((v) => ({ match, value: normalizeString(v) })) };
  }
  return unsupportedModifier(key);
}

function parseToken(value: string): TokenCondition {
  const bar = value.indexOf('|');
  if (bar < 0) return { code: value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (!system) return { system: null, code };
  return code ? { system, code } : { system };
}

function parseReferences(sp: SearchParameter, key: string, modifier: string | undefined, values: string[], baseUrl: string) {
  const targets = sp.target ?? [];
  if (modifier && !targets.includes(modifier as never)) {
    throw badRequest(`'${modifier}' is not a target type of search parameter '${sp.code}'`, key);
  }
  return values.flatMap((value) => {
    const ref = localReference(value, baseUrl);
    if (ref.includes('/') || ref.includes(':')) return [{ target: ref }];
    // A bare id: the target types tell which resources it may name.
    const types = modifier ? [modifier] : targets;
    return types.map((type) => ({ target: `${type}/${ref}` }));
  });
}

const PREFIXES = new Set<DatePrefix>(['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap']);

function parseDate(key: string, value: string): DateCondition {
  const head = value.slice(0, 2) as DatePrefix;
  const prefix = PREFIXES.has(head) ? head : 'eq';
  const text = PREFIXES.has(head) ? value.slice(2) : value;
  const range = dateRange(text);
  if (!range) throw badRequest(`Invalid date '${value}' in '${key}'`, key);
  return { prefix, ...range };
}
