import type { DateCondition, DatePrefix, NumberCondition } from '../fhir/search/search-request.ts';

/**
 * The engine-neutral form of a comparison: a small tree over named fields that each engine only
 * translates (sqlite/compile-search.ts into SQL, mongo/compile-search.ts into a filter document)
 * and the in-memory matcher (fhir/search/match-index-rows.ts) evaluates. The rules themselves, the
 * R4 search prefixes on ranges here and the keyset seek in search-order.ts, are written once.
 *
 * `F` names the fields: `'low' | 'high'` for a range, a sort key's position or `'id'` for a seek.
 */
export type Condition<F> =
  { all: Array<Condition<F>> } | { any: Array<Condition<F>> } | { not: Condition<F> } | Comparison<F> | NullTest<F>;

export type Operator = '<' | '<=' | '>' | '>=' | '=' | '!=';
export type Value = string | number;
export interface Comparison<F> {
  field: F;
  op: Operator;
  value: Value;
}
/** `isNull: true` holds when the field has no value; `false` when it has one. */
export interface NullTest<F> {
  field: F;
  isNull: boolean;
}

export type RangeField = 'low' | 'high';

/**
 * The R4 prefixes on ranges: the row's [low, high] against the searched [low, high], as written in
 * search-request.ts. `upper` says whether the searched range includes its high end (dates) or
 * stops just before it (a number's precision range: "100" is [99.5, 100.5)).
 */
export function rangeCondition(
  prefix: DatePrefix,
  searched: { low: Value; high: Value },
  upper: 'inclusive' | 'exclusive',
): Condition<RangeField> {
  const cmp = (field: RangeField, op: Operator, value: Value): Comparison<RangeField> => ({ field, op, value });
  const within: Condition<RangeField> = {
    all: [cmp('low', '>=', searched.low), cmp('high', upper === 'inclusive' ? '<=' : '<', searched.high)],
  };
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return { not: within };
    case 'lt':
      return cmp('low', '<', searched.low);
    case 'le':
      return cmp('low', '<=', searched.high);
    case 'gt':
      return cmp('high', '>', searched.high);
    case 'ge':
      return cmp('high', '>=', searched.low);
    case 'sa':
      return cmp('low', '>', searched.high);
    case 'eb':
      return cmp('high', '<', searched.low);
    case 'ap':
      return { all: [cmp('low', '<=', searched.high), cmp('high', '>=', searched.low)] };
  }
}

/** A date (or `_lastUpdated`) condition: the searched value denotes a closed range of instants. */
export function dateCondition(c: DateCondition): Condition<RangeField> {
  return rangeCondition(c.prefix, c, 'inclusive');
}

/**
 * A number (or quantity) condition. `eq`, `ne` and `ap` use the range the value's precision implies
 * (widened by the parser for `ap`); the other prefixes compare with the value itself.
 */
export function numberCondition(c: NumberCondition): Condition<RangeField> {
  const usesRange = c.prefix === 'eq' || c.prefix === 'ne' || c.prefix === 'ap';
  return rangeCondition(c.prefix, usesRange ? c : { low: c.value, high: c.value }, 'exclusive');
}

const NEGATED: Record<Operator, Operator> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '=': '!=', '!=': '=' };

/**
 * The condition with its `not` pushed down to the leaves (De Morgan, flipped operators), for a
 * query language without a general negation. Exact only where the compared fields always have a
 * value, which holds for index rows' ranges (the one place `not` is built).
 */
export function negated<F>(c: Condition<F>): Condition<F> {
  if ('all' in c) return { any: c.all.map(negated) };
  if ('any' in c) return { all: c.any.map(negated) };
  if ('not' in c) return c.not;
  if ('isNull' in c) return { field: c.field, isNull: !c.isNull };
  return { field: c.field, op: NEGATED[c.op], value: c.value };
}

/**
 * Evaluates a condition in memory. `read` gives a field's value, null when it has none. A
 * comparison with a missing value is false, and a `not` is pushed down to the leaves first, so a
 * missing value answers as it does in SQL (`NOT (NULL >= ?)` is not true) and in MongoDB. Strings
 * compare by UTF-16 code units: the same order as the engines' for the ISO instants of ranges.
 */
export function evaluate<F>(c: Condition<F>, read: (field: F) => Value | null): boolean {
  if ('all' in c) return c.all.every((x) => evaluate(x, read));
  if ('any' in c) return c.any.some((x) => evaluate(x, read));
  if ('not' in c) return evaluate(negated(c.not), read);
  const value = read(c.field);
  if ('isNull' in c) return (value === null) === c.isNull;
  if (value === null) return false;
  switch (c.op) {
    case '<':
      return value < c.value;
    case '<=':
      return value <= c.value;
    case '>':
      return value > c.value;
    case '>=':
      return value >= c.value;
    case '=':
      return value === c.value;
    case '!=':
      return value !== c.value;
  }
}
