import type { Document } from 'mongodb';
import { tooCostly } from '../../fhir/outcomes.ts';
import type { IndexKind } from '../../fhir/search/index-rows.ts';
import { accessFilterFor } from '../../fhir/search/search-request.ts';
import type {
  AccessRule, DateCondition, NumberCondition, PagePosition, QuantityCondition, SearchFilter, SearchRequest, StringCondition, TokenCondition, UriCondition,
} from '../../fhir/search/search-request.ts';
import { effectiveOrder } from '../search-order.ts';
import type { EffectiveOrder, OrderKey } from '../search-order.ts';
import type { HistoryQuery } from '../stored-version.ts';

/**
 * Compiles the internal search form into a MongoDB aggregation over `resources` documents (see
 * documents.ts), with the semantics of search-request.ts. Values are always operands, never
 * operators or paths; the only `$regex` is built from a fully escaped literal.
 *
 * Chains and `_has` join two sets of resources. MongoDB's `$lookup` cannot use our index arrays
 * well, so the inner search runs first (through the same source) and its ids become an `$in`
 * list; at most MAX_JOIN_IDS, beyond which the search is refused as too costly.
 */
export interface DocumentSource {
  /** Runs an aggregation pipeline over the `resources` collection. */
  aggregate(pipeline: Document[]): Promise<Document[]>;
}

export interface CompiledSearch {
  pipeline: Document[];
  countPipeline: Document[];
  order: EffectiveOrder;
}

export const MAX_JOIN_IDS = 100_000;

/** MongoDB compares strings by UTF-8 bytes, i.e. code points: this sorts after every character. */
const MAX_CHAR = '\u{10FFFF}';

/** The fields of an index array a sort key reads: [ascending (smallest), descending (largest)]. */
const SORT_FIELDS: Record<IndexKind, [string, string]> = {
  string: ['v', 'v'], token: ['c', 'c'], reference: ['r', 'r'], date: ['lo', 'hi'], number: ['lo', 'hi'], quantity: ['lo', 'hi'], uri: ['v', 'v'],
};

/** Threaded through every nested query: the caller's access rule applies to each set of resources read. */
interface Scope { source: DocumentSource; access?: AccessRule }

export async function compileSearch(request: SearchRequest, source: DocumentSource): Promise<CompiledSearch> {
  const match = await matchOf(request.resourceType, request.filters, { source, access: request.access }, request.includeDeleted);
  const order = effectiveOrder(request);
  const countPipeline = [{ $match: match }, { $count: 'n' }];
  const limit = { $limit: request.count + 1 };
  if (order.keys.length === 0) {
    const seek = request.page ? [{ id: { [order.idDescending ? '$lt' : '$gt']: request.page.position.id } }] : [];
    const pipeline = [{ $match: { $and: [match, ...seek] } }, { $sort: { id: order.idDescending ? -1 : 1 } }, limit, { $project: { idx: 0 } }];
    return { pipeline, countPipeline, order };
  }
  const keys: Document = {};
  const flags: Document = {};
  const sort: Document = {};
  order.keys.forEach((key, i) => {
    keys[`_k${i}`] = sortExpression(key);
    flags[`_n${i}`] = { $cond: [{ $eq: [{ $ifNull: [`$_k${i}`, null] }, null] }, 1, 0] };
    sort[`_n${i}`] = key.nullsFirst ? -1 : 1;
    sort[`_k${i}`] = key.descending ? -1 : 1;
  });
  sort.id = order.idDescending ? -1 : 1;
  const pipeline: Document[] = [{ $match: match }, { $addFields: keys }, { $addFields: flags }];
  if (request.page) pipeline.push({ $match: keysetCondition(order, request.page.position) });
  pipeline.push({ $sort: sort }, limit, { $project: { idx: 0 } });
  return { pipeline, countPipeline, order };
}

function sortExpression(key: OrderKey): Document | string {
  const source = key.source;
  if (source.kind === 'id') return '$id';
  if (source.kind === 'lastUpdated') return '$lastUpdated';
  const [low, high] = SORT_FIELDS[source.index];
  const values = { $map: { input: { $filter: { input: { $ifNull: [`$idx.${source.index}`, []] }, cond: { $eq: ['$$this.p', source.param] } } }, in: `$$this.${key.byLargest ? high : low}` } };
  return key.byLargest ? { $max: values } : { $min: values };
}

/** Documents strictly after `position` in the effective order (see the SQLite twin). */
function keysetCondition({ keys, idDescending }: EffectiveOrder, position: PagePosition): Document {
  const alternatives: Document[] = [];
  const equalSoFar: Document[] = [];
  keys.forEach((key, i) => {
    const field = `_k${i}`;
    const value = position.values[i] ?? null;
    const cmp = key.descending ? '$lt' : '$gt';
    if (value === null) {
      if (key.nullsFirst) alternatives.push({ $and: [...equalSoFar, { [field]: { $ne: null } }] });
      equalSoFar.push({ [field]: null });
    } else {
      const after = key.nullsFirst ? { $and: [{ [field]: { $ne: null } }, { [field]: { [cmp]: value } }] } : { $or: [{ [field]: null }, { [field]: { [cmp]: value } }] };
      alternatives.push({ $and: [...equalSoFar, after] });
      equalSoFar.push({ [field]: value });
    }
  });
  alternatives.push({ $and: [...equalSoFar, { id: { [idDescending ? '$lt' : '$gt']: position.id } }] });
  return { $or: alternatives };
}

async function matchOf(type: string, filters: SearchFilter[], scope: Scope, includeDeleted = false): Promise<Document> {
  const access = accessFilterFor(scope.access, type);
  if (access === 'none') return NOTHING;
  const all = access === 'all' ? filters : [...filters, access];
  const parts = await Promise.all(all.map((f) => compileFilter(type, f, scope)));
  return { $and: [{ type }, ...(includeDeleted ? [] : [{ deleted: false }]), ...parts] };
}

/** Matches no document (an empty `$or` is not allowed). */
const NOTHING: Document = { $or: [{ _id: { $exists: false } }] };

async function compileFilter(type: string, filter: SearchFilter, scope: Scope): Promise<Document> {
  switch (filter.kind) {
    case 'id':
      return { id: { $in: filter.ids } };
    case 'lastUpdated':
      return anyOf(filter.any.map((c) => dateCondition('lastUpdated', 'lastUpdated', c)));
    case 'string':
      return elemMatch('string', filter.param, filter.any.map(stringCondition));
    case 'token':
      return elemMatch('token', filter.param, filter.any.map(tokenCondition));
    case 'reference':
      return { 'idx.reference': { $elemMatch: { p: filter.param, r: { $in: filter.any.map((c) => c.target) } } } };
    case 'uri':
      return elemMatch('uri', filter.param, filter.any.map(uriCondition));
    case 'date':
      return elemMatch('date', filter.param, filter.any.map((c) => dateCondition('lo', 'hi', c)));
    case 'number':
      return elemMatch('number', filter.param, filter.any.map(numberCondition));
    case 'quantity':
      return elemMatch('quantity', filter.param, filter.any.map(quantityCondition));
    case 'missing': {
      const has = { [`idx.${filter.index}`]: { $elemMatch: { p: filter.param } } };
      return filter.missing ? { $nor: [has] } : has;
    }
    case 'not':
      return { $nor: [await compileFilter(type, filter.filter, scope)] };
    case 'or':
      return anyOf(await Promise.all(filter.filters.map((f) => compileFilter(type, f, scope))));
    case 'and':
      return { $and: [{}, ...(await Promise.all(filter.filters.map((f) => compileFilter(type, f, scope))))] };
    case 'chain': {
      const targets: string[] = [];
      for (const target of filter.targets) {
        const ids = await idsOf(scope.source, await matchOf(target.type, target.filters, scope));
        targets.push(...ids.map((id) => `${target.type}/${id}`));
        checkJoinSize(targets.length);
      }
      return { 'idx.reference': { $elemMatch: { p: filter.param, r: { $in: targets } } } };
    }
    case 'has': {
      const match = await matchOf(filter.sourceType, filter.filters, scope);
      const docs = await scope.source.aggregate([
        { $match: match },
        { $project: { _id: 0, ref: '$idx.reference' } },
        { $unwind: '$ref' },
        { $match: { 'ref.p': filter.param, 'ref.rt': type } },
        { $group: { _id: '$ref.r' } },
        { $limit: MAX_JOIN_IDS + 1 },
      ]);
      checkJoinSize(docs.length);
      return { id: { $in: docs.map((d) => String(d._id).slice(type.length + 1)) } };
    }
  }
}

async function idsOf(source: DocumentSource, match: Document): Promise<string[]> {
  const docs = await source.aggregate([{ $match: match }, { $project: { _id: 0, id: 1 } }, { $limit: MAX_JOIN_IDS + 1 }]);
  checkJoinSize(docs.length);
  return docs.map((d) => String(d.id));
}

function checkJoinSize(n: number): void {
  if (n > MAX_JOIN_IDS) throw tooCostly(`A chained or _has search matched more than ${MAX_JOIN_IDS} resources; narrow it`);
}

function elemMatch(kind: string, param: string, any: Document[]): Document {
  return { [`idx.${kind}`]: { $elemMatch: { p: param, ...anyOf(any) } } };
}

/** One alternative is used as it is; several become `$or` (an empty list matches nothing). */
function anyOf(parts: Document[]): Document {
  if (parts.length === 1) return parts[0] as Document;
  return parts.length === 0 ? NOTHING : { $or: parts };
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
  if ('text' in c) return { t: { $regex: `(?:^| )${escapeRegex(c.text)}` } };
  if (c.system === undefined) return { c: c.code ?? null };
  if (c.system === null) return { s: null, c: c.code ?? null };
  if (c.code === undefined) return { s: c.system };
  return { s: c.system, c: c.code };
}

function uriCondition(c: UriCondition): Document {
  if (c.match === 'exact') return { v: c.value };
  return { $or: [{ v: c.value }, { v: { $gte: `${c.value}/`, $lt: `${c.value}/${MAX_CHAR}` } }] };
}

function dateCondition(low: string, high: string, c: DateCondition): Document {
  switch (c.prefix) {
    case 'eq':
      // $and, not one object: for _lastUpdated `low` and `high` are the same field.
      return { $and: [{ [low]: { $gte: c.low } }, { [high]: { $lte: c.high } }] };
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
      return { $and: [{ [low]: { $lte: c.high } }, { [high]: { $gte: c.low } }] };
  }
}

function numberCondition(c: NumberCondition): Document {
  switch (c.prefix) {
    case 'eq':
      return { lo: { $gte: c.low }, hi: { $lt: c.high } };
    case 'ne':
      return { $or: [{ lo: { $lt: c.low } }, { hi: { $gte: c.high } }] };
    case 'lt':
      return { lo: { $lt: c.value } };
    case 'eb':
      return { hi: { $lt: c.value } };
    case 'le':
      return { lo: { $lte: c.value } };
    case 'gt':
      return { hi: { $gt: c.value } };
    case 'sa':
      return { lo: { $gt: c.value } };
    case 'ge':
      return { hi: { $gte: c.value } };
    case 'ap':
      return { lo: { $lte: c.high }, hi: { $gte: c.low } };
  }
}

function quantityCondition(c: QuantityCondition): Document {
  const parts: Document[] = [numberCondition(c)];
  if (c.code !== undefined) parts.push({ c: c.code });
  if (c.system !== undefined) parts.push({ s: c.system });
  return { $and: parts };
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

/**
 * History for a caller with an access rule: the versions of resources whose current document
 * (a tombstone keeps its access rows) the rule lets them see. Each version looks up its resource's
 * document by `_id` (an index seek per version, stopped by `$limit` once the page is full).
 */
export async function compileHistoryPipeline(query: HistoryQuery, source: DocumentSource): Promise<Document[]> {
  const { filter, sort, limit } = compileHistory(query);
  const pipeline: Document[] = [{ $match: filter }, { $sort: sort }];
  if (query.access) {
    const visible = await accessMatch(query.access, query.resourceType, source);
    pipeline.push(
      {
        $lookup: {
          from: 'resources',
          let: { rid: { $concat: ['$type', '/', '$id'] } },
          pipeline: [{ $match: { $expr: { $eq: ['$_id', '$$rid'] } } }, { $match: visible }, { $limit: 1 }, { $project: { _id: 1 } }],
          as: '_visible',
        },
      },
      { $match: { '_visible.0': { $exists: true } } },
      { $project: { _visible: 0 } },
    );
  }
  pipeline.push({ $limit: limit });
  return pipeline;
}

/** The access rule as a match on `resources` documents, for one type or (system history) any type. */
async function accessMatch(rule: AccessRule, type: string | undefined, source: DocumentSource): Promise<Document> {
  const scope: Scope = { source, access: rule };
  if (type !== undefined) return matchOf(type, [], scope, true);
  const listed = Object.keys(rule.types);
  const alternatives = await Promise.all(listed.map((t) => matchOf(t, [], scope, true)));
  const others = rule.otherTypes;
  if (others !== 'none') {
    const condition = others === 'all' ? {} : await compileFilter('', others, scope);
    alternatives.push({ $and: [{ type: { $nin: listed } }, condition] });
  }
  return anyOf(alternatives);
}
