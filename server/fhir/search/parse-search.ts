import { isKnownResourceType, searchParametersFor } from '../definitions.ts';
import { badRequest } from '../outcomes.ts';
import type { IndexKind } from './index-rows.ts';
import { parseFilter } from './parse-filter.ts';
import type { PagePosition, SearchRequest, SortKey } from './search-request.ts';

export { isSearchable } from './parse-filter.ts';

/** Result parameters handled here rather than as filters. */
const CONTROL_PARAMS = new Set([
  '_count',
  '_cursor',
  '_total',
  '_format',
  '_pretty',
  '_sort',
  '_summary',
  '_elements',
  '_include',
  '_revinclude',
  '_include:iterate',
  '_revinclude:iterate',
]);

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

/** `_include=Observation:patient:Patient` / `_revinclude=Provenance:target` (`*` for every reference parameter). */
export interface IncludeParam {
  sourceType: string;
  param: string;
  targetType?: string;
  iterate: boolean;
}

/** How the matched resources are presented, applied above the engines (include-resolver.ts, summary.ts). */
export interface ResultShaping {
  include: IncludeParam[];
  revinclude: IncludeParam[];
  summary?: 'true' | 'text' | 'data' | 'count' | 'false';
  elements?: string[];
}

export interface ParsedSearch {
  request: SearchRequest;
  shaping: ResultShaping;
  /** Parameters that were ignored (lenient handling); reported in the Bundle's outcome. */
  ignored: string[];
}

export type Query = Record<string, string | string[] | undefined>;

/** Most links in a chain / nested _has; deeper chains are refused with 400 (each link is a join). */
export const MAX_CHAIN_DEPTH = 4;
const MAX_SORT_KEYS = 5;
const MAX_INCLUDES = 10;

/**
 * Parses a search query string into the internal form once. Unknown or unsupported parameters
 * are rejected with 400 under `Prefer: handling=strict` and otherwise ignored and reported.
 */
export function parseSearch(resourceType: string, query: Query, options: SearchParseOptions): ParsedSearch {
  const request: SearchRequest = { resourceType, filters: [], sort: [], count: options.defaultCount, total: 'none' };
  const shaping: ResultShaping = { include: [], revinclude: [] };
  const ignored: string[] = [];
  const filterContext = { baseUrl: options.baseUrl, maxOrValues: options.maxOrValues, maxChainDepth: MAX_CHAIN_DEPTH };
  let cursor: string | undefined;
  for (const [key, raw] of Object.entries(query)) {
    for (const value of Array.isArray(raw) ? raw : [raw ?? '']) {
      if (CONTROL_PARAMS.has(key)) {
        if (key === '_cursor') cursor = value;
        else applyControl(request, shaping, key, value, options);
        continue;
      }
      const filter = parseFilter(resourceType, key, value, filterContext);
      if (filter) request.filters.push(filter);
      else if (options.strict)
        throw badRequest(`Unknown or unsupported search parameter '${key}' for ${resourceType}`, key);
      else ignored.push(key);
    }
  }
  // The cursor is read last: it must fit the sort order, wherever _sort appears in the query.
  if (cursor !== undefined) request.page = decodeCursor(cursor, request.sort.length);
  return { request, shaping, ignored };
}

function applyControl(
  request: SearchRequest,
  shaping: ResultShaping,
  key: string,
  value: string,
  limits: SearchLimits,
): void {
  switch (key) {
    case '_count':
      if (!/^\d{1,9}$/.test(value)) throw badRequest(`_count must be a non-negative integer, got '${value}'`, '_count');
      request.count = Math.min(Number(value), limits.maxCount);
      return;
    case '_total':
      if (!['none', 'estimate', 'accurate'].includes(value))
        throw badRequest(`_total must be none, estimate or accurate`, '_total');
      request.total = value as SearchRequest['total'];
      return;
    case '_sort':
      request.sort = parseSort(request.resourceType, value);
      return;
    case '_summary':
      if (!['true', 'text', 'data', 'count', 'false'].includes(value))
        throw badRequest(`_summary must be true, text, data, count or false`, '_summary');
      shaping.summary = value as ResultShaping['summary'];
      if (value === 'count') {
        request.count = 0;
        request.total = 'accurate';
      }
      return;
    case '_elements':
      shaping.elements = parseElements(value);
      return;
    case '_include':
    case '_include:iterate':
    case '_revinclude':
    case '_revinclude:iterate': {
      const list = key.startsWith('_include') ? shaping.include : shaping.revinclude;
      if (shaping.include.length + shaping.revinclude.length >= MAX_INCLUDES)
        throw badRequest(`At most ${MAX_INCLUDES} _include/_revinclude parameters are allowed`, key);
      list.push(parseInclude(request.resourceType, key, value));
      return;
    }
    default:
      return; // _format, _pretty: the server always answers JSON
  }
}

const SORTABLE: Record<string, IndexKind> = {
  string: 'string',
  token: 'token',
  reference: 'reference',
  date: 'date',
  number: 'number',
  quantity: 'quantity',
  uri: 'uri',
};

function parseSort(resourceType: string, value: string): SortKey[] {
  const keys = value.split(',').filter(Boolean);
  if (keys.length > MAX_SORT_KEYS) throw badRequest(`_sort takes at most ${MAX_SORT_KEYS} keys`, '_sort');
  return keys.map((item): SortKey => {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    if (code === '_id') return { source: { kind: 'id' }, descending };
    if (code === '_lastUpdated') return { source: { kind: 'lastUpdated' }, descending };
    const sp = searchParametersFor(resourceType).get(code);
    const index = sp && SORTABLE[sp.type as string];
    if (!index) throw badRequest(`Cannot sort ${resourceType} by '${code}': not a sortable search parameter`, '_sort');
    return { source: { kind: 'index', index, param: code }, descending };
  });
}

function parseElements(value: string): string[] {
  const elements = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of elements) {
    if (!/^[A-Za-z][A-Za-z0-9]{0,63}(\[x\])?$/.test(e))
      throw badRequest(`Invalid element name '${e.slice(0, 80)}' in _elements`, '_elements');
  }
  return elements;
}

function parseInclude(resourceType: string, key: string, value: string): IncludeParam {
  const [sourceType = '', param = '', targetType, ...extra] = value.split(':');
  const iterate = key.endsWith(':iterate');
  const isRev = key.startsWith('_revinclude');
  if (
    extra.length ||
    !isKnownResourceType(sourceType) ||
    (targetType !== undefined && !isKnownResourceType(targetType))
  ) {
    throw badRequest(`Invalid ${key} value '${value.slice(0, 200)}': expected Type:parameter[:TargetType]`, key);
  }
  // Without :iterate an _include starts from the matched type, and a _revinclude points at it.
  if (!iterate && !isRev && sourceType !== resourceType)
    throw badRequest(`${key}=${value} must start with ${resourceType}`, key);
  if (!iterate && isRev && targetType !== undefined && targetType !== resourceType)
    throw badRequest(`${key}=${value} must target ${resourceType}`, key);
  if (param !== '*') {
    const sp = searchParametersFor(sourceType).get(param);
    if (!sp || sp.type !== 'reference')
      throw badRequest(`'${param}' is not a reference parameter of ${sourceType}`, key);
    if (targetType && !((sp.target ?? []) as string[]).includes(targetType))
      throw badRequest(`${sourceType}.${param} cannot refer to ${targetType}`, key);
  }
  return { sourceType, param, targetType, iterate };
}

/** `_cursor` values are opaque to clients: base64url of [direction, sort values, id]. */
export function encodeCursor(direction: 'after' | 'before', position: PagePosition): string {
  return Buffer.from(JSON.stringify([direction === 'after' ? 'a' : 'b', position.values, position.id])).toString(
    'base64url',
  );
}

function decodeCursor(text: string, sortKeys: number): SearchRequest['page'] {
  const invalid = badRequest(
    'Invalid paging cursor (it must come from a next or previous link of the same search)',
    '_cursor',
  );
  if (text.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid;
  const [direction, values, id] = parsed as [unknown, unknown, unknown];
  const validValue = (v: unknown): boolean =>
    v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  if ((direction !== 'a' && direction !== 'b') || typeof id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(id))
    throw invalid;
  if (!Array.isArray(values) || values.length !== sortKeys || !values.every(validValue)) throw invalid;
  return {
    direction: direction === 'a' ? 'after' : 'before',
    position: { values: values as PagePosition['values'], id },
  };
}
