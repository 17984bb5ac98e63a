import type { IndexKind } from './index-rows.ts';

/**
 * The one internal form of a search. The REST layer parses a query string into it once
 * (parse-search.ts); each engine compiles it into its own query language (SQL / a MongoDB
 * aggregation). Filters are ANDed; the conditions inside one filter are ORed (a comma-separated
 * value). Result shaping (_include, _summary, _elements) happens above the engines.
 */
export interface SearchRequest {
  resourceType: string;
  filters: SearchFilter[];
  /** Sort keys, most significant first; the resource id always breaks ties (ascending). */
  sort: SortKey[];
  /** Page size, already clamped to the server maximum. */
  count: number;
  /**
   * Keyset paging: only resources ordered strictly after (or, for a previous page, before) this
   * position. A `before` page is returned in the normal order.
   */
  page?: { position: PagePosition; direction: 'after' | 'before' };
  /** Whether the caller wants Bundle.total (`estimate` is answered exactly: it is as cheap here). */
  total: 'none' | 'estimate' | 'accurate';
  /**
   * What the caller may see. Engines apply it to EVERY set of resources a query reads (the matches,
   * chain targets, `_has` sources, the count), so nothing outside it can influence a result.
   * Absent only for the server's own work (imports, entitlement lookups, demo data).
   */
  access?: AccessRule;
  /**
   * Also match deleted resources (tombstones keep the access rows of their last version). Used by
   * reads, which must tell 410 from 404 only for resources the caller may see.
   */
  includeDeleted?: boolean;
}

/**
 * Visibility per resource type: a resource is visible when it matches its type's entry. `all` and
 * `none` avoid a filter; `otherTypes` covers every type not listed. See server/access/access-policy.ts.
 */
export interface AccessRule {
  types: Readonly<Record<string, AccessFilter>>;
  otherTypes: AccessFilter;
}

export type AccessFilter = SearchFilter | 'all' | 'none';

export function accessFilterFor(rule: AccessRule | undefined, resourceType: string): AccessFilter {
  if (!rule) return 'all';
  return Object.hasOwn(rule.types, resourceType) ? (rule.types[resourceType] as AccessFilter) : rule.otherTypes;
}

export type DatePrefix = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge' | 'sa' | 'eb' | 'ap';

/** A closed range of instants (ISO UTC strings) that a date search value denotes. */
export interface DateCondition {
  prefix: DatePrefix;
  low: string;
  high: string;
}
export interface StringCondition {
  match: 'prefix' | 'exact' | 'contains';
  value: string;
}
/**
 * `system` undefined: any system; null: no system (`|code`). `code` undefined: any code (`system|`).
 * `text`: the `:text` modifier, a normalised word prefix of the coding's display / concept text.
 */
export type TokenCondition = { system?: string | null; code?: string } | { text: string };
export interface ReferenceCondition {
  target: string;
}
export interface UriCondition {
  match: 'exact' | 'below';
  value: string;
}
/**
 * A number search value: `value` as given, [low, high) the range its precision implies ("100" is
 * [99.5, 100.5)); for `ap` the range is widened to ±10% of the value.
 */
export interface NumberCondition {
  prefix: DatePrefix;
  value: number;
  low: number;
  high: number;
}
/** A quantity adds a unit: `code` matches the row's code (UCUM code, else unit); `system` when given. */
export interface QuantityCondition extends NumberCondition {
  system?: string;
  code?: string;
}

export type SearchFilter =
  | { kind: 'id'; ids: string[] }
  | { kind: 'lastUpdated'; any: DateCondition[] }
  | { kind: 'string'; param: string; any: StringCondition[] }
  | { kind: 'token'; param: string; any: TokenCondition[] }
  | { kind: 'reference'; param: string; any: ReferenceCondition[] }
  | { kind: 'date'; param: string; any: DateCondition[] }
  | { kind: 'uri'; param: string; any: UriCondition[] }
  | { kind: 'number'; param: string; any: NumberCondition[] }
  | { kind: 'quantity'; param: string; any: QuantityCondition[] }
  /** `:missing`: the resource has (missing=false) or has no (missing=true) row of `index` for `param`. */
  | { kind: 'missing'; index: IndexKind; param: string; missing: boolean }
  /** Matches the resources `filter` does not match (token `:not`, which includes resources without the value). */
  | { kind: 'not'; filter: SearchFilter }
  /** Matches when any of `filters` matches (composite values with different first components). */
  | { kind: 'or'; filters: SearchFilter[] }
  /** Matches when all of `filters` match (the words of one `_content` value). */
  | { kind: 'and'; filters: SearchFilter[] }
  /**
   * Chaining (`subject:Patient.name=x`): a reference row of `param` points at a current resource of
   * one of the `targets` types that matches all of that target's filters.
   */
  | { kind: 'chain'; param: string; targets: ChainTarget[] }
  /**
   * Reverse chaining (`_has:Observation:patient:code=x`): some current `sourceType` resource that
   * matches all `filters` has a reference row of `param` pointing at this resource.
   */
  | { kind: 'has'; sourceType: string; param: string; filters: SearchFilter[] };

export interface ChainTarget {
  type: string;
  filters: SearchFilter[];
}

/** Kinds of index rows a filter reads; `id`/`lastUpdated` read columns of the resource itself. */
export type FilterKind = SearchFilter['kind'];

/**
 * A sort key. `index` rows of `param` give the value: ascending sorts by the smallest value of a
 * resource (`low` of ranges), descending by the largest (`high`). `id` and `lastUpdated` are columns.
 * Resources without a value sort after all others in both directions.
 */
export interface SortKey {
  source: { kind: 'index'; index: IndexKind; param: string } | { kind: 'id' } | { kind: 'lastUpdated' };
  descending: boolean;
}

/** Where a page ends: the sort values of its last resource (null when it had none) and its id. */
export interface PagePosition {
  values: Array<string | number | null>;
  id: string;
}

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
 *                text: row.text starts with text, or contains ' ' + text (a word prefix).
 * - reference:   row.target = target.
 * - uri:         exact: row.value = value; below: row.value = value or starts with value + '/'.
 *                (`:above` is parsed into exact conditions on the value and its '/'-ancestors.)
 * - date:        with the row's range [r.low, r.high] and the condition's [c.low, c.high]:
 *                eq: r.low >= c.low and r.high <= c.high   ne: not eq
 *                lt: r.low < c.low        le: r.low <= c.high
 *                gt: r.high > c.high      ge: r.high >= c.low
 *                sa: r.low > c.high       eb: r.high < c.low
 *                ap: r.low <= c.high and r.high >= c.low
 * - number:      with the row's [r.low, r.high] (stored values are exact: low = high) and c:
 *                eq: r.low >= c.low and r.high < c.high   ne: not eq
 *                lt: r.low < c.value      le: r.low <= c.value
 *                gt: r.high > c.value     ge: r.high >= c.value
 *                sa: r.low > c.value      eb: r.high < c.value
 *                ap: r.low <= c.high and r.high >= c.low (c widened by the parser)
 * - quantity:    number rules, and row.code = c.code when given, row.system = c.system when given.
 * - missing:     missing=true: no row of (index, param); false: at least one.
 * - not/or/and:  boolean combinations of whole filters.
 * - chain/has:   as described on the types; nested filters follow these same rules.
 */
