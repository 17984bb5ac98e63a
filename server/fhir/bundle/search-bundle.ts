import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { Repository } from '../../storage/repository.ts';
import type { SearchPage } from '../../storage/stored-version.ts';
import { outcome } from '../outcomes.ts';
import { resolveIncludes } from '../search/includes.ts';
import { encodeCursor } from '../search/parse-search.ts';
import type { ParsedSearch, Query } from '../search/parse-search.ts';
import { subsetOf } from '../search/summary.ts';
import { queryString } from '../input/query-text.ts';

/**
 * Runs a parsed search and builds the searchset Bundle: matches, included resources, outcome
 * entries for ignored parameters or cut-short includes, and self/next/previous links whose cursors
 * are keyset positions (so that deep pages cost the same as the first).
 */
export async function searchBundle(
  repo: Repository,
  base: string,
  path: string,
  query: Query,
  parsed: ParsedSearch,
): Promise<Bundle> {
  const page = await repo.search(parsed.request);
  const { shaping } = parsed;
  const matches = page.versions.map((v) => v.resource as Resource);
  const entry: BundleEntry[] = matches.map((resource) => ({
    fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
    resource: subsetOf(resource, shaping),
    search: { mode: 'match' },
  }));
  if (shaping.include.length || shaping.revinclude.length) {
    const included = await resolveIncludes(repo, matches, shaping, base);
    for (const resource of included.resources) {
      entry.push({
        fullUrl: `${base}/${resource.resourceType}/${resource.id}`,
        resource: subsetOf(resource, { summary: shaping.summary }),
        search: { mode: 'include' },
      });
    }
    if (included.truncated)
      entry.push(
        outcomeEntry(`Included resources were limited to ${included.resources.length}; narrow the search or page it`),
      );
  }
  if (parsed.ignored.length)
    entry.push(
      outcomeEntry(`Ignored unknown or unsupported search parameters: ${parsed.ignored.join(', ')}`, 'not-supported'),
    );
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    link: links(base, path, query, parsed, page),
    entry,
  };
  if (page.total !== undefined) bundle.total = page.total;
  return bundle;
}

function outcomeEntry(text: string, code: 'not-supported' | 'too-costly' = 'too-costly'): BundleEntry {
  return { resource: outcome(code, text, undefined, 'warning'), search: { mode: 'outcome' } };
}

function links(base: string, path: string, query: Query, parsed: ParsedSearch, page: SearchPage): BundleLink[] {
  const url = (cursor?: string): string => `${base}${path}${queryString(query, { _cursor: cursor })}`;
  const link: BundleLink[] = [{ relation: 'self', url: `${base}${path}${queryString(query)}` }];
  const backwards = parsed.request.page?.direction === 'before';
  // Reading forwards, `hasMore` says whether a next page exists; reading backwards, a previous one.
  const hasNext = backwards ? page.last !== undefined : page.hasMore;
  const hasPrevious = backwards ? page.hasMore : parsed.request.page !== undefined;
  if (hasNext && page.last) link.push({ relation: 'next', url: url(encodeCursor('after', page.last)) });
  if (hasPrevious && page.first) link.push({ relation: 'previous', url: url(encodeCursor('before', page.first)) });
  return link;
}
