import type { SQLInputValue } from 'node:sqlite';
import { accessFilterFor } from '../../fhir/search/search-request.ts';
import type { AccessRule, SearchFilter, SearchRequest } from '../../fhir/search/search-request.ts';
import type { IndexKind } from '../../fhir/search/index-rows.ts';
import { effectiveOrder, seekAfter } from '../search-order.ts';
import type { OrderKey } from '../search-order.ts';
import { dateCondition, numberCondition } from '../value-conditions.ts';
import type { HistoryQuery } from '../stored-version.ts';
import {
  allOf,
  anyOf,
  quantityCondition,
  rangeColumn,
  sqlOf,
  stringCondition,
  tokenCondition,
  uriCondition,
} from './sql-conditions.ts';
import type { CompiledSql } from './sql-conditions.ts';
import { fullTextCondition, fullTextMissing, isFullTextFilter } from './full-text-query.ts';
import { FULL_TEXT_PARAMS } from '../../fhir/search/content-index.ts';

/**
 * Compiles the internal search form into SQL over `resources` + the `idx_*` tables, with the
 * semantics written in search-request.ts. Every value is a bound parameter; table and column names
 * come only from this file, never from the request.
 */
/** The columns a sort key reads per index kind: [ascending (smallest), descending (largest)]. */
const SORT_COLUMNS: Record<IndexKind, [string, string]> = {
  string: ['value', 'value'],
  token: ['code', 'code'],
  reference: ['target', 'target'],
  date: ['low', 'high'],
  number: ['low', 'high'],
  quantity: ['low', 'high'],
  uri: ['value', 'value'],
};

export interface CompiledSearch {
  page: CompiledSql;
  count: CompiledSql;
  sortKeys: number;
  reversed: boolean;
}

/** Threaded through every nested query: the caller's access rule applies to each `resources` alias. */
interface Scope {
  access?: AccessRule;
}

export function compileSearch(request: SearchRequest): CompiledSearch {
  const where = whereOf(
    request.resourceType,
    request.filters,
    'r',
    0,
    { access: request.access },
    request.includeDeleted,
  );
  const count = { sql: `SELECT count(*) AS n FROM resources r WHERE ${where.sql}`, params: [...where.params] };
  const order = effectiveOrder(request);
  const keyColumns = order.keys.map(sortExpression);
  const select = [
    'r.type',
    'r.id',
    'r.version_id',
    'r.last_updated',
    'r.deleted',
    ...keyColumns.map((k, i) => `${k.sql} AS k${i}`),
  ];
  // The seek reads the key columns of the inner select by their aliases `k0`, `k1`, ...
  const keyset = request.page
    ? sqlOf(seekAfter(order, request.page.position), (f) => (f === 'id' ? 'id' : `k${f}`))
    : { sql: '1', params: [] };
  const orderBy = (p: string): string =>
    [
      ...order.keys.flatMap((k, i) => [
        `(${p}k${i} IS NULL) ${k.nullsFirst ? 'DESC' : 'ASC'}`,
        `${p}k${i} ${k.descending ? 'DESC' : 'ASC'}`,
      ]),
      `${p}id ${order.idDescending ? 'DESC' : 'ASC'}`,
    ].join(', ');
  // The page is chosen on the narrow `resources` rows first and only then joined with the content:
  // sorting every match together with its JSON made large result sets cost O(matches × size).
  const keys = order.keys.map((_, i) => `, p.k${i}`).join('');
  const page = {
    sql:
      `SELECT p.type, p.id, p.version_id, p.last_updated, p.deleted, h.content${keys} FROM ` +
      `(SELECT * FROM (SELECT ${select.join(', ')} FROM resources r WHERE ${where.sql}) WHERE ${keyset.sql} ` +
      `ORDER BY ${orderBy('')} LIMIT ?) p ` +
      `JOIN history h ON h.type = p.type AND h.id = p.id AND h.version_id = p.version_id ORDER BY ${orderBy('p.')}`,
    params: [...keyColumns.flatMap((k) => k.params), ...where.params, ...keyset.params, request.count + 1],
  };
  return { page, count, sortKeys: order.keys.length, reversed: order.reversed };
}

function sortExpression(key: OrderKey): CompiledSql {
  const source = key.source;
  if (source.kind === 'id') return { sql: 'r.id', params: [] };
  if (source.kind === 'lastUpdated') return { sql: 'r.last_updated', params: [] };
  // Ascending by a resource's smallest value, descending by its largest (search-request.ts).
  const [low, high] = SORT_COLUMNS[source.index];
  const fn = key.byLargest ? `MAX(${high})` : `MIN(${low})`;
  return {
    sql: `(SELECT ${fn} FROM idx_${source.index} WHERE type = r.type AND id = r.id AND param = ?)`,
    params: [source.param],
  };
}

/**
 * The conditions on one `resources` alias. One filter, the likeliest to be selective, *drives*:
 * it is compiled as `id IN (lookup)`, which SQLite answers from the lookup index. Every other filter
 * is a correlated `EXISTS` probe on the `(type, id, param, ...)` owner index, so its cost is per
 * candidate rather than per match: `category=vital-signs` no longer builds a set of every
 * vital-sign Observation just to intersect it with one patient's few. Without a driver (only
 * ranges, negations, _id or _lastUpdated), resources are walked in the page order and probed, which
 * stops as soon as the page is full.
 */
function whereOf(
  type: string,
  filters: SearchFilter[],
  alias: string,
  depth: number,
  scope: Scope,
  includeDeleted = false,
): CompiledSql {
  const access = accessFilterFor(scope.access, type);
  if (access === 'none') return { sql: '0', params: [] };
  // The access filter is one more ANDed filter. It may drive only when it is a reference (a patient's
  // compartments: few rows); a practice's ownership would select every resource of the practice.
  const all = access === 'all' ? filters : [...filters, access];
  const driver = chooseDriver(all, access !== 'all' && access.kind !== 'reference' ? filters.length : all.length);
  return allOf([
    { sql: includeDeleted ? `${alias}.type = ?` : `${alias}.type = ? AND ${alias}.deleted = 0`, params: [type] },
    ...all.map((f, i) => compileFilter(type, f, alias, depth, scope, i === driver)),
  ]);
}

/** Kinds that make a good driver, most selective first; ranges and negations never drive. */
const DRIVER_RANK: Partial<Record<SearchFilter['kind'], number>> = {
  reference: 1,
  has: 2,
  chain: 3,
  token: 4,
  uri: 5,
  string: 6,
};

/** The index of the driving filter among the first `eligible` ones, or -1. */
function chooseDriver(filters: SearchFilter[], eligible: number): number {
  if (filters.some((f) => f.kind === 'id')) return -1; // the primary key already drives
  let best = -1;
  let bestRank = Infinity;
  filters.forEach((f, i) => {
    if (i >= eligible) return;
    const rank = driverRank(f);
    if (rank !== undefined && rank < bestRank) {
      best = i;
      bestRank = rank;
    }
  });
  return best;
}

function driverRank(f: SearchFilter): number | undefined {
  // `_content=blood pres` is an `and` of words, answered by one FTS5 lookup: ranked as a string.
  if (isFullTextFilter(f)) return DRIVER_RANK.string;
  if (f.kind === 'string' && f.any.some((c) => c.match === 'contains')) return undefined;
  if (f.kind === 'token' && f.any.some((c) => 'text' in c)) return undefined;
  return DRIVER_RANK[f.kind];
}

function compileFilter(
  type: string,
  filter: SearchFilter,
  a: string,
  depth: number,
  scope: Scope,
  drive = false,
): CompiledSql {
  // `_content`/`_text` live in FTS5, not idx_string; the lookup serves as driver and as probe alike.
  if (isFullTextFilter(filter)) return fullTextCondition(type, a, filter);
  switch (filter.kind) {
    case 'id':
      return { sql: `${a}.id IN (${filter.ids.map(() => '?').join(', ')})`, params: filter.ids };
    case 'lastUpdated':
      return anyOf(filter.any.map((c) => sqlOf(dateCondition(c), () => `${a}.last_updated`)));
    case 'string':
      return indexed(type, a, 'string', filter.param, anyOf(filter.any.map(stringCondition)), drive);
    case 'token':
      return indexed(type, a, 'token', filter.param, anyOf(filter.any.map(tokenCondition)), drive);
    case 'reference':
      return indexed(
        type,
        a,
        'reference',
        filter.param,
        { sql: `target IN (${filter.any.map(() => '?').join(', ')})`, params: filter.any.map((c) => c.target) },
        drive,
      );
    case 'uri':
      return indexed(type, a, 'uri', filter.param, anyOf(filter.any.map(uriCondition)), drive);
    case 'date':
      return indexed(
        type,
        a,
        'date',
        filter.param,
        anyOf(filter.any.map((c) => sqlOf(dateCondition(c), rangeColumn))),
        drive,
      );
    case 'number':
      return indexed(
        type,
        a,
        'number',
        filter.param,
        anyOf(filter.any.map((c) => sqlOf(numberCondition(c), rangeColumn))),
        drive,
      );
    case 'quantity':
      return indexed(type, a, 'quantity', filter.param, anyOf(filter.any.map(quantityCondition)), drive);
    case 'missing':
      if (filter.index === 'string' && FULL_TEXT_PARAMS.has(filter.param))
        return fullTextMissing(a, filter.param, filter.missing);
      return {
        sql: `${filter.missing ? 'NOT ' : ''}EXISTS (SELECT 1 FROM idx_${filter.index} WHERE type = ${a}.type AND id = ${a}.id AND param = ?)`,
        params: [filter.param],
      };
    case 'not': {
      const inner = compileFilter(type, filter.filter, a, depth, scope);
      return { sql: `NOT (${inner.sql})`, params: inner.params };
    }
    case 'or':
      return anyOf(filter.filters.map((f) => compileFilter(type, f, a, depth, scope)));
    case 'and':
      return allOf(filter.filters.map((f) => compileFilter(type, f, a, depth, scope)));
    case 'chain':
      return anyOf(
        filter.targets.map((target) => chain(type, a, filter.param, target.type, target.filters, depth, scope, drive)),
      );
    case 'has':
      return has(type, a, filter.sourceType, filter.param, filter.filters, depth, scope);
  }
}

/** Resources whose `param` points at a current `targetType` resource matching `filters`. */
function chain(
  type: string,
  a: string,
  param: string,
  targetType: string,
  filters: SearchFilter[],
  depth: number,
  scope: Scope,
  drive: boolean,
): CompiledSql {
  const b = `r${depth + 1}`;
  const inner = whereOf(targetType, filters, b, depth + 1, scope);
  return indexed(
    type,
    a,
    'reference',
    param,
    {
      sql: `target IN (SELECT ? || ${b}.id FROM resources ${b} WHERE ${inner.sql})`,
      params: [`${targetType}/`, ...inner.params],
    },
    drive,
  );
}

/** Resources pointed at by the `param` of a current `sourceType` resource matching `filters`. */
function has(
  type: string,
  a: string,
  sourceType: string,
  param: string,
  filters: SearchFilter[],
  depth: number,
  scope: Scope,
): CompiledSql {
  const b = `r${depth + 1}`;
  const inner = whereOf(sourceType, filters, b, depth + 1, scope);
  return {
    sql:
      `${a}.id IN (SELECT substr(target, ?) FROM idx_reference WHERE type = ? AND param = ? AND target_type = ? AND id IN ` +
      `(SELECT ${b}.id FROM resources ${b} WHERE ${inner.sql}))`,
    params: [type.length + 2, sourceType, param, type, ...inner.params],
  };
}

/** Rows of `param` in an index table that satisfy `condition`: as the driving lookup or as a probe. */
function indexed(
  type: string,
  a: string,
  table: string,
  param: string,
  condition: CompiledSql,
  drive: boolean,
): CompiledSql {
  return indexedAny(type, a, table, [param], condition, drive);
}

/** The driving form is uncorrelated (the type is a bound value), so SQLite evaluates it once. */
function indexedAny(
  type: string,
  a: string,
  table: string,
  params: string[],
  condition: CompiledSql,
  drive: boolean,
): CompiledSql {
  const paramSql = params.length === 1 ? 'param = ?' : `param IN (${params.map(() => '?').join(', ')})`;
  if (drive) {
    return {
      sql: `${a}.id IN (SELECT id FROM idx_${table} WHERE type = ? AND ${paramSql} AND ${condition.sql})`,
      params: [type, ...params, ...condition.params],
    };
  }
  return {
    sql: `EXISTS (SELECT 1 FROM idx_${table} WHERE type = ${a}.type AND id = ${a}.id AND ${paramSql} AND ${condition.sql})`,
    params: [...params, ...condition.params],
  };
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
    add(
      '(last_updated, type, id, version_id) < (?, ?, ?, ?)',
      b.lastUpdated,
      b.resourceType,
      b.id,
      Number(b.versionId),
    );
  }
  if (query.access) {
    // A version is visible when its resource's current row (a tombstone keeps its access rows) is.
    const visible = accessCondition(query.access, query.resourceType, 'r');
    add(
      `EXISTS (SELECT 1 FROM resources r WHERE r.type = history.type AND r.id = history.id AND ${visible.sql})`,
      ...visible.params,
    );
  }
  const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
  return {
    sql:
      `SELECT type, id, version_id, last_updated, deleted, content FROM history ${clause} ` +
      `ORDER BY last_updated DESC, type DESC, id DESC, version_id DESC LIMIT ?`,
    params: [...params, query.count],
  };
}

/**
 * The access rule as a condition on the `resources` alias `a`, for one type or (system history)
 * for any type: one alternative per listed type and one for all other types.
 */
function accessCondition(rule: AccessRule, type: string | undefined, a: string): CompiledSql {
  const scope: Scope = { access: rule };
  const condition = (t: string | undefined, filter: ReturnType<typeof accessFilterFor>): CompiledSql => {
    if (filter === 'none') return { sql: '0', params: [] };
    if (filter === 'all') return { sql: '1', params: [] };
    // compileFilter needs a type only for driving lookups; probes correlate on the alias's own type.
    return compileFilter(t ?? '', filter, a, 0, scope);
  };
  if (type !== undefined) return condition(type, accessFilterFor(rule, type));
  const listed = Object.keys(rule.types);
  const alternatives = listed.map((t) =>
    allOf([{ sql: `${a}.type = ?`, params: [t] }, condition(t, accessFilterFor(rule, t))]),
  );
  const others = listed.length
    ? { sql: `${a}.type NOT IN (${listed.map(() => '?').join(', ')})`, params: listed }
    : { sql: '1', params: [] };
  alternatives.push(allOf([others, condition(undefined, rule.otherTypes)]));
  return anyOf(alternatives);
}
