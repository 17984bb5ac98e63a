import type { SQLInputValue } from 'node:sqlite';
import type {
  QuantityCondition,
  StringCondition,
  TokenCondition,
  UriCondition,
} from '../../fhir/search/search-request.ts';
import { numberCondition } from '../value-conditions.ts';
import type { Condition, RangeField } from '../value-conditions.ts';

/**
 * One search condition on one index table's columns, as SQL with bound values: strings, tokens,
 * URIs, quantities, and the engine-neutral range and seek trees (value-conditions.ts,
 * search-order.ts) translated. compile-search.ts places them in the query.
 */

export interface CompiledSql {
  sql: string;
  params: SQLInputValue[];
}

/** Above every other code point in SQLite's BINARY (UTF-8 byte) order: the end of a prefix range. */
const MAX_CHAR = '\u{10FFFF}';

export function anyOf(parts: CompiledSql[]): CompiledSql {
  if (parts.length === 0) return { sql: '0', params: [] };
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

export function allOf(parts: CompiledSql[]): CompiledSql {
  if (parts.length === 0) return { sql: '1', params: [] };
  return { sql: `(${parts.map((p) => p.sql).join(' AND ')})`, params: parts.flatMap((p) => p.params) };
}

export function stringCondition(c: StringCondition): CompiledSql {
  switch (c.match) {
    case 'exact':
      return { sql: 'exact = ?', params: [c.value] };
    case 'contains':
      // instr() is a literal substring test: no pattern characters to escape.
      return { sql: 'instr(value, ?) > 0', params: [c.value] };
    case 'prefix':
      return { sql: '(value >= ? AND value < ?)', params: [c.value, c.value + MAX_CHAR] };
  }
}

export function tokenCondition(c: TokenCondition): CompiledSql {
  if ('text' in c)
    return {
      sql: '((text >= ? AND text < ?) OR instr(text, ?) > 0)',
      params: [c.text, c.text + MAX_CHAR, ` ${c.text}`],
    };
  if (c.system === undefined) return { sql: 'code = ?', params: [c.code ?? null] };
  if (c.system === null) return { sql: '(system IS NULL AND code = ?)', params: [c.code ?? null] };
  if (c.code === undefined) return { sql: 'system = ?', params: [c.system] };
  return { sql: '(system = ? AND code = ?)', params: [c.system, c.code] };
}

export function uriCondition(c: UriCondition): CompiledSql {
  if (c.match === 'exact') return { sql: 'value = ?', params: [c.value] };
  return {
    sql: '(value = ? OR (value >= ? AND value < ?))',
    params: [c.value, `${c.value}/`, `${c.value}/${MAX_CHAR}`],
  };
}

/** The index tables name a range's bounds `low` and `high`, as the neutral form does. */
export const rangeColumn = (field: RangeField): string => field;

/** A neutral condition (value-conditions.ts) as SQL over the columns `column` names; values are bound. */
export function sqlOf<F>(c: Condition<F>, column: (field: F) => string): CompiledSql {
  if ('all' in c) return allOf(c.all.map((x) => sqlOf(x, column)));
  if ('any' in c) return anyOf(c.any.map((x) => sqlOf(x, column)));
  if ('not' in c) {
    const inner = sqlOf(c.not, column);
    return { sql: 'field' in c.not ? `NOT (${inner.sql})` : `NOT ${inner.sql}`, params: inner.params };
  }
  if ('isNull' in c) return { sql: `${column(c.field)} IS ${c.isNull ? '' : 'NOT '}NULL`, params: [] };
  return { sql: `${column(c.field)} ${c.op} ?`, params: [c.value] };
}

export function quantityCondition(c: QuantityCondition): CompiledSql {
  const parts = [sqlOf(numberCondition(c), rangeColumn)];
  if (c.code !== undefined) parts.push({ sql: 'code = ?', params: [c.code] });
  if (c.system !== undefined) parts.push({ sql: 'system = ?', params: [c.system] });
  return allOf(parts);
}
