import type { IndexKind } from './index-rows.ts';

/**
 * The one internal form of a search. The REST layer parses a query string into it once
 * (parse-search.ts); each engine compiles it into its own query language (SQL / a MongoDB filter).
 * Filters are ANDed; the conditions inside one filter are ORed (a comma-separated value).
 */
export interface SearchRequest {
  resourceType: string;
  filters: SearchFilter[];
  /** Page size, already clamped to the server maximum. */
  count: number;
  /** Keyset paging: return resources whose id sorts after this one. */
  afterId?: string;
  /** Whether the caller wants Bundle.total. */
  total: 'none' | 'accurate';
}

export type DatePrefix = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge' | 'sa' | 'eb' | 'ap';

/** A closed range of instants (ISO UTC strings) that a date search value denotes. */
export interface DateCondition { prefix: DatePrefix; low: string; high: string }
export interface StringCondition { match: 'prefix' | 'exact' | 'contains'; value: string }
/** `system` undefined: any system; null: no system (`|code`). `code` undefined: any code (`system|`). */
export interface TokenCondition { system?: string | null; code?: string }
export interface ReferenceCondition { target: string }
export interface UriCondition { value: string }

export type SearchFilter =
  | { kind: 'id'; ids: string[] }
  | { kind: 'lastUpdated'; any: DateCondition[] }
  | { kind: 'string'; param: string; any: StringCondition[] }
  | { kind: 'token'; param: string; any: TokenCondition[] }
  | { kind: 'reference'; param: string; any: ReferenceCondition[] }
  | { kind: 'date'; param: string; any: DateCondition[] }
  | { kind: 'uri'; param: string; any: UriCondition[] }
  /** Membership of a compartment: a reference row of any of `params` equals `target` (e.g. Patient/1). */
  | { kind: 'compartment'; params: string[]; target: string };

/** Kinds of index rows a filter reads; `id`/`lastUpdated` read columns of the resource itself. */
export type FilterKind = SearchFilter['kind'];
export type IndexedFilterKind = Extract<FilterKind, IndexKind>;

/*
 * Matching semantics, identical on every engine. A filter matches a resource when at least one of
 * the resource's index rows for that parameter (same kind, same `param`) satisfies at least one
 * of the filter's conditions (`any`).
 *
 * - id:          resource id is one of `ids`.
 * - lastUpdated: the resource's lastUpdated, as the range [lastUpdated, lastUpdated], against the
 *                date rules below.
 * - string:      `prefix`: row.value starts with condition.value; `contains`: row.value contains it
 *                as a literal substring (never a pattern); `exact`: row.exact equals it. The parser
 *                normalises prefix/contains values the way rows are normalised (lower case, no
 *                diacritics), and leaves exact values untouched.
 * - token:       system undefined: row.code = code; system null: row.system is null and
 *                row.code = code; code undefined: row.system = system; else both equal.
 * - reference:   row.target = target.
 * - uri:         row.value = value.
 * - compartment: some reference row whose param is one of `params` has target = `target`.
 * - date:        with the row's range [r.low, r.high] and the condition's [c.low, c.high]:
 *                eq: r.low >= c.low and r.high <= c.high   ne: not eq
 *                lt: r.low < c.low        le: r.low <= c.high
 *                gt: r.high > c.high      ge: r.high >= c.low
 *                sa: r.low > c.high       eb: r.high < c.low
 *                ap: r.low <= c.high and r.high >= c.low
 */
