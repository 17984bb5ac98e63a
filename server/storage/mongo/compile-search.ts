import type { Document } from 'mongodb';
import { notSupported, tooCostly } from '../../fhir/outcomes.ts';
import { FULL_TEXT_PARAMS, words } from '../../fhir/search/content-index.ts';
import type { IndexKind } from '../../fhir/search/index-rows.ts';
import { accessFilterFor } from '../../fhir/search/search-request.ts';
import type {
  AccessRule,
  QuantityCondition,
  SearchFilter,
  SearchRequest,
  StringCondition,
  TokenCondition,
  UriCondition,
} from '../../fhir/search/search-request.ts';
import { effectiveOrder, seekAfter } from '../search-order.ts';
import type { EffectiveOrder, OrderKey } from '../search-order.ts';
import { dateCondition, negated, numberCondition } from '../value-conditions.ts';
import type { Condition, Operator, RangeField } from '../value-conditions.ts';
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
  string: ['v', 'v'],
  token: ['c', 'c'],
  reference: ['r', 'r'],
  date: ['lo', 'hi'],
  number: ['lo', 'hi'],
  quantity: ['lo', 'hi'],
  uri: ['v', 'v'],
};

/** Threaded through every nested query: the caller's access rule applies to each set of resources read. */
interface Scope {
  source: DocumentSource;
  access?: AccessRule;
}

export async function compileSearch(request: SearchRequest, source: DocumentSource): Promise<CompiledSearch> {
  const match = await matchOf(
    request.resourceType,
    request.filters,
    { source, access: request.access },
    request.includeDeleted,
  );
  const order = effectiveOrder(request);
  const countPipeline = [{ $match: match }, { $count: 'n' }];
  const limit = { $limit: request.count + 1 };
  if (order.keys.length === 0) {
    const seek = request.page ? [mongoOf(seekAfter(order, request.page.position), seekField)] : [];
    const pipeline = [
      { $match: { $and: [match, ...seek] } },
      { $sort: { id: order.idDescending ? -1 : 1 } },
      limit,
      { $project: { idx: 0, words: 0 } },
    ];
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
  if (request.page) pipeline.push({ $match: mongoOf(seekAfter(order, request.page.position), seekField) });
  pipeline.push({ $sort: sort }, limit, { $project: { idx: 0, words: 0 } });
  return { pipeline, countPipeline, order };
}

function sortExpression(key: OrderKey): Document | string {
  const source = key.source;
  if (source.kind === 'id') return '$id';
  if (source.kind === 'lastUpdated') return '$lastUpdated';
  const [low, high] = SORT_FIELDS[source.index];
  const values = {
    $map: {
      input: {
        $filter: { input: { $ifNull: [`$idx.${source.index}`, []] }, cond: { $eq: ['$$this.p', source.param] } },
      },
      in: `$$this.${key.byLargest ? high : low}`,
    },
  };
  return key.byLargest ? { $max: values } : { $min: values };
}

/** The seek reads the sort keys added as `_k0`, `_k1`, ... (see compileSearch). */
const seekField = (field: number | 'id'): string => (field === 'id' ? 'id' : `_k${field}`);

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
      return anyOf(filter.any.map((c) => mongoOf(dateCondition(c), () => 'lastUpdated')));
    case 'string':
      if (FULL_TEXT_PARAMS.has(filter.param)) return anyOf(filter.any.map((c) => wordCondition(filter.param, c)));
      return elemMatch('string', filter.param, filter.any.map(stringCondition));
    case 'token':
      return elemMatch('token', filter.param, filter.any.map(tokenCondition));
    case 'reference':
      return { 'idx.reference': { $elemMatch: { p: filter.param, r: { $in: filter.any.map((c) => c.target) } } } };
    case 'uri':
      return elemMatch('uri', filter.param, filter.any.map(uriCondition));
    case 'date':
      return elemMatch(
        'date',
        filter.param,
        filter.any.map((c) => mongoOf(dateCondition(c), rangeField)),
      );
    case 'number':
      return elemMatch(
        'number',
        filter.param,
        filter.any.map((c) => mongoOf(numberCondition(c), rangeField)),
      );
    case 'quantity':
      return elemMatch('quantity', filter.param, filter.any.map(quantityCondition));
    case 'missing': {
      if (filter.index === 'string' && FULL_TEXT_PARAMS.has(filter.param))
        return { [`${wordsField(filter.param)}.0`]: { $exists: !filter.missing } };
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
  const docs = await source.aggregate([
    { $match: match },
    { $project: { _id: 0, id: 1 } },
    { $limit: MAX_JOIN_IDS + 1 },
  ]);
  checkJoinSize(docs.length);
  return docs.map((d) => String(d.id));
}

function checkJoinSize(n: number): void {
  if (n > MAX_JOIN_IDS)
    throw tooCostly(`A chained or _has search matched more than ${MAX_JOIN_IDS} resources; narrow it`);
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

/** The `words` array of a full-text parameter (documents.ts). */
const wordsField = (param: string): string => (param === '_text' ? 'words.t' : 'words.c');

/**
 * A `_content`/`_text` condition on the resource's words: `prefix` is an anchored, escaped,
 * case-sensitive `$regex`, which MongoDB answers from the `{ type, words.* }` index as a range of
 * keys (`$text` has no prefix search: see docs/decisions/0019-full-text-index.md). As on SQLite, a
 * value that is not one normalised word (the parser makes no other) matches nothing.
 */
function wordCondition(param: string, c: StringCondition): Document {
  const normalised = words(c.value);
  if (c.match !== 'contains' && (normalised.length !== 1 || normalised[0] !== c.value)) return NOTHING;
  switch (c.match) {
    case 'exact':
      return { [wordsField(param)]: c.value };
    case 'contains':
      throw notSupported('`:contains` is not supported on _content and _text', 'contains');
    case 'prefix':
      return { [wordsField(param)]: { $regex: `^${escapeRegex(c.value)}` } };
  }
}

/** Every character with a meaning in a regular expression is escaped, so the pattern is a literal. */
export function escapeRegex(text: string): string {
  // NUL is matched on purpose: a pattern must not end at it (the linter's control-character rule).
  // eslint-disable-next-line no-control-regex
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

/** Index array elements name a range's bounds `lo` and `hi`. */
const rangeField = (field: RangeField): string => (field === 'low' ? 'lo' : 'hi');

const OPERATORS: Record<Exclude<Operator, '='>, string> = {
  '<': '$lt',
  '<=': '$lte',
  '>': '$gt',
  '>=': '$gte',
  '!=': '$ne',
};

/**
 * A neutral condition (value-conditions.ts) as a filter document on the fields `field` names. A
 * `not` is pushed down to the leaves (there is no general negation of a field's comparison). An
 * `all` of leaves on distinct fields is one document, `{ lo: ..., hi: ... }`; when two leaves share
 * a field (both bounds of `_lastUpdated` are the one field) it is an `$and`.
 */
function mongoOf<F>(c: Condition<F>, field: (f: F) => string): Document {
  if ('not' in c) return mongoOf(negated(c.not), field);
  if ('all' in c || 'any' in c) {
    const children = 'all' in c ? c.all : c.any;
    const parts = children.map((x) => mongoOf(x, field));
    if (parts.length === 1) return parts[0] as Document;
    if ('any' in c) return parts.length === 0 ? NOTHING : { $or: parts };
    const fields = children.map((x) => ('field' in x ? field(x.field) : null));
    const mergeable = fields.every((f) => f !== null) && new Set(fields).size === fields.length;
    return mergeable ? (Object.assign({}, ...parts) as Document) : { $and: parts };
  }
  const name = field(c.field);
  if ('isNull' in c) return { [name]: c.isNull ? null : { $ne: null } };
  return { [name]: c.op === '=' ? c.value : { [OPERATORS[c.op]]: c.value } };
}

function quantityCondition(c: QuantityCondition): Document {
  const parts: Document[] = [mongoOf(numberCondition(c), rangeField)];
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
  return {
    filter: and.length ? { $and: and } : {},
    sort: { lastUpdated: -1, type: -1, id: -1, versionId: -1 },
    limit: query.count,
  };
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
          pipeline: [
            { $match: { $expr: { $eq: ['$_id', '$$rid'] } } },
            { $match: visible },
            { $limit: 1 },
            { $project: { _id: 1 } },
          ],
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
