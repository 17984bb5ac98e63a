import type { Resource } from '@medplum/fhirtypes';
import { Aggregator } from 'mingo';
import type { Document } from 'mongodb';
import { extractIndexRows } from '../../server/fhir/search/extract-index.ts';
import { parseSearch } from '../../server/fhir/search/parse-search.ts';
import type { Query } from '../../server/fhir/search/parse-search.ts';
import type { SearchRequest } from '../../server/fhir/search/search-request.ts';
import type { DocumentSource } from '../../server/storage/mongo/compile-search.ts';
import { toCurrentDocument } from '../../server/storage/mongo/documents.ts';
import type { CurrentDocument } from '../../server/storage/mongo/documents.ts';
import { runSearch } from '../../server/storage/mongo/search-runner.ts';
import { mingoSource } from '../support/mingo-source.ts';
import type { Engine, EngineResult } from './oracle-runner.ts';
import { MAX_COUNT } from './oracle-runner.ts';

/**
 * The MongoDB engine without a MongoDB server: the engine's own documents (documents.ts, with the
 * index rows of extract-index.ts) and its real aggregation pipelines (search-runner.ts), executed
 * by mingo. Queries are parsed by the server's parser (parse-search.ts) and paged the way the REST
 * layer pages: the next request seeks after the last position of the previous page.
 */
export function mingoDocuments(resources: Resource[], baseUrl: string): CurrentDocument[] {
  return resources.map((resource) => {
    // The oracle only compares ids: the documents keep no resource body (cheaper for mingo to copy).
    const version = {
      resourceType: resource.resourceType,
      id: resource.id as string,
      versionId: resource.meta?.versionId as string,
      lastUpdated: resource.meta?.lastUpdated as string,
      deleted: false,
    };
    return toCurrentDocument(version, extractIndexRows(resource, baseUrl));
  });
}

/**
 * A `resources` collection for the engine's pipelines, executed by mingo like
 * test/support/mingo-source.ts does, with two savings that change no answer: every pipeline the
 * engine builds starts with a `$match` on `type`, so only that type's documents are handed to mingo;
 * and instead of a deep copy of every document per aggregation (most of the time of a query), the
 * documents are deep-frozen once and handed over as shallow copies (any attempt by mingo to modify a
 * nested value would throw).
 */
export function partitionedSource(docs: CurrentDocument[]): DocumentSource {
  const byType = new Map<string, Document[]>();
  for (const d of docs) {
    deepFreeze(d);
    const list = byType.get(d.type);
    if (list) list.push(d);
    else byType.set(d.type, [d]);
  }
  const run = (pipeline: Document[], list: Document[]): Promise<Document[]> =>
    Promise.resolve(new Aggregator(pipeline).run(list.map((d) => ({ ...d }))) as Document[]);
  return {
    aggregate: (pipeline: Document[]) => {
      const type = matchedType(pipeline[0]?.$match);
      return run(pipeline, type !== undefined ? (byType.get(type) ?? []) : (docs as Document[]));
    },
  };
}

function deepFreeze(value: unknown): void {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
}

/** The plain mingoSource of test/support over the same documents (used to cross-check partitionedSource). */
export { mingoSource };

/** The `type` a `$match` requires: `{ $and: [{ type }, ...] }`, possibly nested in the first `$and` term. */
function matchedType(match: Document | undefined): string | undefined {
  let m = match;
  for (let depth = 0; m && depth < 4; depth++) {
    if (typeof m.type === 'string') return m.type;
    m = Array.isArray(m.$and) ? (m.$and[0] as Document) : undefined;
  }
  return undefined;
}

/** Query parameters as Express hands them to the parser: a repeated key becomes an array. */
function queryObject(params: Array<[string, string]>): Query {
  const query: Query = {};
  for (const [key, value] of params) {
    const prior = query[key];
    query[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  return query;
}

export function mingoEngine(source: DocumentSource, baseUrl: string): Engine {
  return async (g, count, maxPages) => {
    const params: Array<[string, string]> = [...g.query.params, ['_count', String(count)]];
    if (g.total) params.push(['_total', 'accurate']);
    const parsed = parseSearch(g.query.resourceType, queryObject(params), {
      defaultCount: 20,
      maxCount: MAX_COUNT,
      maxOrValues: 100,
      baseUrl,
      strict: true,
    });
    let request: SearchRequest = parsed.request;
    const result: EngineResult = { ids: [], pages: 0, pageSizes: [] };
    for (;;) {
      const page = await runSearch(source, request);
      result.ids.push(...page.versions.map((v) => v.id));
      if (result.pages === 0 && page.total !== undefined) result.total = page.total;
      result.pages++;
      result.pageSizes.push(page.versions.length);
      if (!page.hasMore || !page.last || result.pages >= maxPages) break;
      // Later pages do not need the total again.
      request = { ...request, total: 'none', page: { position: page.last, direction: 'after' } };
    }
    return result;
  };
}
