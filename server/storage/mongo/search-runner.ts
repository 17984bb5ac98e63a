import type { Document } from 'mongodb';
import type { PagePosition, SearchRequest } from '../../fhir/search/search-request.ts';
import type { SearchPage } from '../stored-version.ts';
import { compileSearch } from './compile-search.ts';
import type { DocumentSource } from './compile-search.ts';
import { fromDocument } from './documents.ts';
import type { CurrentDocument } from './documents.ts';

/**
 * Runs a search on any source of `resources` documents: the driver's collection in production, and
 * in CI mingo over documents built by documents.ts, so that exactly this code (compiler and paging)
 * is what the mingo agreement tests exercise.
 */
export async function runSearch(source: DocumentSource, request: SearchRequest): Promise<SearchPage> {
  const { pipeline, countPipeline, order } = await compileSearch(request, source);
  const docs = await source.aggregate(pipeline);
  const shown = docs.slice(0, request.count);
  if (order.reversed) shown.reverse();
  const position = (doc: Document | undefined): PagePosition | undefined =>
    doc && {
      values: order.keys.map((_, i) => (doc[`_k${i}`] as string | number | null | undefined) ?? null),
      id: String(doc.id),
    };
  const page: SearchPage = {
    versions: shown.map((doc) => fromDocument(doc as CurrentDocument)),
    hasMore: docs.length > request.count,
    first: position(shown[0]),
    last: position(shown.at(-1)),
  };
  if (request.total !== 'none') page.total = Number((await source.aggregate(countPipeline))[0]?.n ?? 0);
  return page;
}
