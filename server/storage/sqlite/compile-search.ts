import type { SQLInputValue } from 'node:sqlite';
import type { DateCondition, SearchFilter, SearchRequest, StringCondition, TokenCondition } from '../../fhir/search/search-request.ts';
import type { HistoryQuery } from '../stored-version.ts';

/**
 * Compiles the internal search form into SQL over `resources` + the `idx_*` tables. Every value is
 * a bound parameter; table and column names come only from this file, never from the request.
 */
export interface CompiledSql { sql: string; params: SQLInputValue[] }

/** Above every other code point in SQLite's BINARY (UTF-8 byte) order: the end of a prefix range. */
const MAX_CHAR = '\u{10FFFF}';

export function compileSearch(request: SearchRequest): { page: CompiledSql; count: CompiledSql } {
  const where = ['r.type = ?', 'r.deleted = 0'];
  const params: SQLInputValue[] = [request.resourceType];
  for (const filter of request.filters) {
    const part = compileFilter(request.resourceType, filter);
    where.push(part.sql);
    params.push(...part.params);
  }
  const count = { sql: `SELECT count(*) AS n FROM resources r WHERE ${where.join(' AND ')}`, params: [...params] };
  if (request.afterId !== undefined) {
    where.push('r.id > ?');
    params.push(request.afterId);
  }
  // The page is chosen on the narrow `resources` rows first and only then joined with the content:
  // sorting every match together with its JSON made large result sets cost O(matches × size).
  const page = {
    sql:
      `SELECT p.type, p.id, p.version_id, p.last_updated, p.deleted, h.content FROM ` +
      `(SELECT r.type, r.id, r.version_id, r.last_updated, r.deleted FROM resources r ` +
      `WHERE ${where.join(' AND ')} ORDER BY r.id LIMIT ?) p ` +
      `JOIN history h ON h.type = p.type AND h.id = p.id AND h.version_id = p.version_id ORDER BY p.id`,
    params: [...params, request.count + 1],
  };
  return { page, count };
}

function compileFilter(type: string, filter: SearchFilter): CompiledSql {
  switch (filter.kind) {
    case 'id':
      return { sql: `r.id IN (${filter.ids.map(() => '?').join(', ')})`, params: filter.ids };
    case 'lastUpdated':
      return anyOf(filter.any.map((c) => dateCondition('r.last_updated', 'r.last_updated', c)));
    case 'string':
      return indexed(type, 'string', filter.param, anyOf(filter.any.map(stringCondition)));
    case 'token':
      return indexed(type, 'token', filter.param, anyOf(filter.any.map(tokenCondition)));
    case 'reference':
      return indexed(type, 'reference', filter.param, anyOf(filter.any.map((c) => ({ sql: 'target = ?', params: [c.target] }))));
    case 'uri':
      return indexed(type, 'uri', filter.param, anyOf(filter.any.map((c) => ({ sql: 'value = ?', params: [c.value] }))));
    case 'date':
      return indexed(type, 'date', filter.param, anyOf(filter.any.map((c) => dateCondition('low', 'high', c))));
    case 'compartment':
      return {
        sql: `r.id IN (SELECT id FROM idx_reference WHERE type = ? AND param IN (${filter.params.map(() => '?').join(', ')}) AND target = ?)`,
        params: [type, ...filter.params, filter.target],
      };
  }
}

function indexed(type: string, table: string, param: string, condition: CompiledSql): CompiledSql {
  return {
    sql: `r.id IN (SELECT id FROM idx_${table} WHERE type = ? AND param = ? AND ${condition.sql})`,
    params: [type, param, ...condition.params],
  };
}

function anyOf(parts: CompiledSql[]): CompiledSql {
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

function stringCondition(c: StringCondition): CompiledSql {
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

function tokenCondition(c: TokenCondition): CompiledSql {
  if (c.system === undefined) return { sql: 'code = ?', params: [c.code ?? null] };
  if (c.system === null) return { sql: '(system IS NULL AND code = ?)', params: [c.code ?? null] };
  if (c.code === undefined) return { sql: 'system = ?', params: [c.system] };
  return { sql: '(system = ? AND code = ?)', params: [c.system, c.code] };
}

function dateCondition(low: string, high: string, c: DateCondition): CompiledSql {
  switch (c.prefix) {
    case 'eq':
      return { sql: `(${low} >= ? AND ${high} <= ?)`, params: [c.low, c.high] };
    case 'ne':
      return { sql: `NOT (${low} >= ? AND ${high} <= ?)`, params: [c.low, c.high] };
    case 'lt':
      return { sql: `${low} < ?`, params: [c.low] };
    case 'le':
      return { sql: `${low} <= ?`, params: [c.high] };
    case 'gt':
      return { sql: `${high} > ?`, params: [c.high] };
    case 'ge':
      return { sql: `${high} >= ?`, params: [c.low] };
    case 'sa':
      return { sql: `${low} > ?`, params: [c.high] };
    case 'eb':
      return { sql: `${high} < ?`, params: [c.low] };
    case 'ap':
      return { sql: `(${low} <= ? AND ${high} >= ?)`, params: [c.high, c.low] };
  }
}

export function compileHistory(query: HistoryQuery): CompiledSql {
  const where: string[] = [];
  const params: SQLInputValue[] = [];
  const add = (sql: string, ...values: SQLInputValue[]): void => {
    where.push(sql);
    params.push(...values);
  };
  if (query.resourceType !== undefined) add('type = ?', query.resourceType);
  if (query.id !== undefined) add('id = ?', query.id);
  if (query.since !== undefined) add('last_updated >= ?', query.since);
  if (query.before) {
    const b = query.before;
    add('(last_updated, type, id, version_id) < (?, ?, ?, ?)', b.lastUpdated, b.resourceType, b.id, Number(b.versionId));
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql:
      `SELECT type, id, version_id, last_updated, deleted, content FROM history ${clause} ` +
      `ORDER BY last_updated DESC, type DESC, id DESC, version_id DESC LIMIT ?`,
    params: [...params, query.count],
  };
}
