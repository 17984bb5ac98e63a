import type { Document } from 'mongodb';
import type { DateCondition, SearchFilter, SearchRequest, StringCondition, TokenCondition } from '../../fhir/search/search-request.ts';
import type { HistoryQuery } from '../stored-version.ts';

/**
 * Compiles the internal search form into a MongoDB filter over `resources` documents (see
 * documents.ts), with the semantics of search-request.ts. Values are always operands, never
 * operators or paths; the only `$regex` is built from a fully escaped literal.
 */
export interface CompiledQuery {
  filter: Document;
  sort: Document;
  limit: number;
  /** The filter without the paging condition, for counting. */
  countFilter: Document;
}

/** MongoDB compares strings by UTF-8 bytes, i.e. code points: this sorts after every character. */
const MAX_CHAR = '\u{10FFFF}';

export function compileSearch(request: SearchRequest): CompiledQuery {
  const and: Document[] = [{ type: request.resourceType }, { deleted: false }, ...request.filters.map(compileFilter)];
  const countFilter = { $and: and };
  const filter = request.afterId === undefined ? countFilter : { $and: [...and, { id: { $gt: request.afterId } }] };
  return { filter, countFilter, sort: { id: 1 }, limit: request.count + 1 };
}

function compileFilter(filter: SearchFilter): Document {
  switch (filter.kind) {
    case 'id':
      return { id: { $in: filter.ids } };
    case 'lastUpdated':
      return { $or: filter.any.map((c) => dateCondition('lastUpdated', 'lastUpdated', c)) };
    case 'string':
      return elemMatch('string', filter.param, filter.any.map(stringCondition));
    case 'token':
      return elemMatch('token', filter.param, filter.any.map(tokenCondition));
    case 'reference':
      return elemMatch('reference', filter.param, filter.any.map((c) => ({ r: c.target })));
    case 'uri':
      return elemMatch('uri', filter.param, filter.any.map((c) => ({ v: c.value })));
    case 'date':
      return elemMatch('date', filter.param, filter.any.map((c) => dateCondition('lo', 'hi', c)));
    case 'compartment':
      return { 'idx.reference': { $elemMatch: { p: { $in: filter.params }, r: filter.target } } };
  }
}

function elemMatch(kind: string, param: string, any: Document[]): Document {
  return { [`idx.${kind}`]: { $elemMatch: { p: param, $or: any } } };
}

function stringCondition(c: StringCondition): Document {
  switch (c.match) {
    case 'exact':
      return { e: c.value };
    case 'contains':
      return { v: { $regex: escapeRegex(c.value) } };
    case 'prefix':
      return { v: { $gte: c.value, $lt: c.value + MAX_CHAR } };
  }
}

/** Every character with a meaning in a regular expression is escaped, so the pattern is a literal. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&').replace(/\u0000/g, '\\x00');
}

function tokenCondition(c: TokenCondition): Document {
  if (c.system === undefined) return { c: c.code ?? null };
  if (c.system === null) return { s: null, c: c.code ?? null };
  if (c.code === undefined) return { s: c.system };
  return { s: c.system, c: c.code };
}

function dateCondition(low: string, high: string, c: DateCondition): Document {
  switch (c.prefix) {
    case 'eq':
      return { [low]: { $gte: c.low }, [high]: { $lte: c.high } };
    case 'ne':
      return { $or: [{ [low]: { $lt: c.low } }, { [high]: { $gt: c.high } }] };
    case 'lt':
      return { [low]: { $lt: c.low } };
    case 'le':
      return { [low]: { $lte: c.high } };
    case 'gt':
      return { [high]: { $gt: c.high } };
    case 'ge':
      return { [high]: { $gte: c.low } };
    case 'sa':
      return { [low]: { $gt: c.high } };
    case 'eb':
      return { [high]: { $lt: c.low } };
    case 'ap':
      return { [low]: { $lte: c.high }, [high]: { $gte: c.low } };
  }
}

export function compileHistory(query: HistoryQuery): { filter: Document; sort: Document; limit: number } {
  const and: Document[] = [];
  if (query.resourceType !== undefined) and.push({ type: query.resourceType });
  if (query.id !== undefined) and.push({ id: query.id });
  if (query.since !== undefined) and.push({ lastUpdated: { $gte: query.since } });
  if (query.before) {
    // Keyset: strictly before (lastUpdated, type, id, versionId) in descending order.
    const b = query.before;
    const v = Number(b.versionId);
    and.push({
      $or: [
        { lastUpdated: { $lt: b.lastUpdated } },
        { lastUpdated: b.lastUpdated, type: { $lt: b.resourceType } },
        { lastUpdated: b.lastUpdated, type: b.resourceType, id: { $lt: b.id } },
        { lastUpdated: b.lastUpdated, type: b.resourceType, id: b.id, versionId: { $lt: v } },
      ],
    });
  }
  return { filter: and.length ? { $and: and } : {}, sort: { lastUpdated: -1, type: -1, id: -1, versionId: -1 }, limit: query.count };
}
