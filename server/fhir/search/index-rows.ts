/**
 * The write-time search index: for every current resource version, one row per value of every
 * search parameter, normalised per parameter type. Both engines store exactly these rows (SQLite in
 * one table per kind, MongoDB as arrays inside the current-version document) and answer searches
 * from them, so a search never parses resource JSON. See docs/decisions/0004-search-index-layout.md.
 *
 * Conventions shared by both engines:
 * - `string` values are lower-cased with diacritics removed (`value`); `exact` keeps the original.
 * - dates are ISO-8601 UTC instants with millisecond precision, so text order is time order; every
 *   value is a closed range [low, high] (a day is 00:00:00.000 to 23:59:59.999).
 * - numbers and quantities are ranges [low, high] given by the value's precision.
 * - references are stored as `Type/id` when relative (or resolvable to this server) and as the
 *   absolute URL / canonical otherwise.
 */
export type IndexKind = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri';

export interface StringRow {
  kind: 'string';
  param: string;
  value: string;
  exact: string;
}
export interface TokenRow {
  kind: 'token';
  param: string;
  system: string | null;
  code: string | null;
  text: string | null;
}
export interface ReferenceRow {
  kind: 'reference';
  param: string;
  target: string;
  targetType: string | null;
}
export interface DateRow {
  kind: 'date';
  param: string;
  low: string;
  high: string;
}
export interface NumberRow {
  kind: 'number';
  param: string;
  low: number;
  high: number;
}
export interface QuantityRow {
  kind: 'quantity';
  param: string;
  system: string | null;
  code: string | null;
  low: number;
  high: number;
}
export interface UriRow {
  kind: 'uri';
  param: string;
  value: string;
}

export type IndexRow = StringRow | TokenRow | ReferenceRow | DateRow | NumberRow | QuantityRow | UriRow;

/** Earliest / latest instants used for open-ended ranges (e.g. a Period without an end). */
export const MIN_INSTANT = '0001-01-01T00:00:00.000Z';
export const MAX_INSTANT = '9999-12-31T23:59:59.999Z';
