import { dateCondition, evaluate, numberCondition } from '../../storage/value-conditions.ts';
import type { Condition, RangeField } from '../../storage/value-conditions.ts';
import type { IndexRow } from './index-rows.ts';
import type {
  AccessFilter,
  QuantityCondition,
  SearchFilter,
  StringCondition,
  TokenCondition,
  UriCondition,
} from './search-request.ts';

/**
 * Evaluates a filter against one resource version's index rows in memory, by the matching semantics
 * written down in search-request.ts. The engines answer every query from the *current* version's
 * rows; this serves the one place where an older version must be judged on its own content: the
 * repository's per-version access check of vread and history (a resource re-filed from one patient
 * to another must not show its old content to the new patient).
 *
 * It covers the filter kinds access rules are made of (id, token, reference, string, uri, missing,
 * and/or/not) and the range kinds (date, number, quantity), whose prefix rules it takes from the
 * engines' neutral form (storage/value-conditions.ts). For the others (`_lastUpdated`, which is not
 * an index row, chains, `_has`) it answers false: a caller whose rule needs them sees the current
 * version but not older ones. That is the safe side, and no rule the server builds today uses them
 * (granular scopes name token parameters such as category).
 */
export function rowsMatch(filter: AccessFilter, resource: { id: string }, rows: readonly IndexRow[]): boolean {
  if (filter === 'all') return true;
  if (filter === 'none') return false;
  return matches(filter, resource, rows);
}

/**
 * Whether rowsMatch answers `filter` exactly as the engines would: true when it is made only of the
 * kinds evaluated here. A filter with `_lastUpdated`, a chain or `_has` anywhere (even under a `not`,
 * where the false answer for them would turn into true) must be asked of the store instead.
 */
export function evaluableInMemory(filter: AccessFilter): boolean {
  return filter === 'all' || filter === 'none' || evaluable(filter);
}

/** The parameters a filter looks at (an `id` filter looks at none: the id is a column). */
export function filterParams(filter: SearchFilter, into: Set<string> = new Set()): Set<string> {
  switch (filter.kind) {
    case 'and':
    case 'or':
      for (const f of filter.filters) filterParams(f, into);
      return into;
    case 'not':
      return filterParams(filter.filter, into);
    case 'id':
      return into;
    default:
      if ('param' in filter && typeof filter.param === 'string') into.add(filter.param);
      else into.add('(unknown)');
      return into;
  }
}

function evaluable(filter: SearchFilter): boolean {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return filter.filters.every(evaluable);
    case 'not':
      return evaluable(filter.filter);
    case 'id':
    case 'missing':
    case 'token':
    case 'reference':
    case 'string':
    case 'uri':
    case 'date':
    case 'number':
    case 'quantity':
      return true;
    default:
      return false;
  }
}

function matches(filter: SearchFilter, resource: { id: string }, rows: readonly IndexRow[]): boolean {
  switch (filter.kind) {
    case 'id':
      return filter.ids.includes(resource.id);
    case 'and':
      return filter.filters.every((f) => matches(f, resource, rows));
    case 'or':
      return filter.filters.some((f) => matches(f, resource, rows));
    case 'not':
      return !matches(filter.filter, resource, rows);
    case 'missing':
      return rows.some((r) => r.kind === filter.index && r.param === filter.param) !== filter.missing;
    case 'token':
      return rows.some(
        (r) => r.kind === 'token' && r.param === filter.param && filter.any.some((c) => tokenMatches(c, r)),
      );
    case 'reference':
      return rows.some(
        (r) => r.kind === 'reference' && r.param === filter.param && filter.any.some((c) => c.target === r.target),
      );
    case 'string':
      return rows.some(
        (r) => r.kind === 'string' && r.param === filter.param && filter.any.some((c) => stringMatches(c, r)),
      );
    case 'uri':
      return rows.some(
        (r) => r.kind === 'uri' && r.param === filter.param && filter.any.some((c) => uriMatches(c, r.value)),
      );
    case 'date':
      return rows.some(
        (r) => r.kind === 'date' && r.param === filter.param && filter.any.some((c) => inRange(dateCondition(c), r)),
      );
    case 'number':
      return rows.some(
        (r) =>
          r.kind === 'number' && r.param === filter.param && filter.any.some((c) => inRange(numberCondition(c), r)),
      );
    case 'quantity':
      return rows.some(
        (r) => r.kind === 'quantity' && r.param === filter.param && filter.any.some((c) => quantityMatches(c, r)),
      );
    default:
      return false;
  }
}

function tokenMatches(
  c: TokenCondition,
  row: { system: string | null; code: string | null; text: string | null },
): boolean {
  if ('text' in c) return row.text !== null && (row.text.startsWith(c.text) || row.text.includes(` ${c.text}`));
  if (c.code !== undefined && row.code !== c.code) return false;
  if (c.system === null) return row.system === null;
  return c.system === undefined || row.system === c.system;
}

function stringMatches(c: StringCondition, row: { value: string; exact: string }): boolean {
  switch (c.match) {
    case 'prefix':
      return row.value.startsWith(c.value);
    case 'contains':
      return row.value.includes(c.value);
    case 'exact':
      return row.exact === c.value;
  }
}

function uriMatches(c: UriCondition, value: string): boolean {
  return c.match === 'exact' ? value === c.value : value === c.value || value.startsWith(`${c.value}/`);
}

function inRange(condition: Condition<RangeField>, row: { low: string | number; high: string | number }): boolean {
  return evaluate(condition, (field) => row[field]);
}

function quantityMatches(
  c: QuantityCondition,
  row: { system: string | null; code: string | null; low: number; high: number },
): boolean {
  return (
    inRange(numberCondition(c), row) &&
    (c.code === undefined || row.code === c.code) &&
    (c.system === undefined || row.system === c.system)
  );
}
