import type { Bundle, BundleEntry, BundleLink } from '@medplum/fhirtypes';
import type { Query } from '../search/parse-search.ts';
import { queryString } from '../input/query-text.ts';
import type { HistoryQuery, StoredVersion } from '../../storage/stored-version.ts';

/** The Bundle `_history` answers with, and its paging cursor (searchsets: search-bundle.ts). */

/** History paging resumes strictly after the last version shown, encoded in `_page`. */
export function encodeHistoryCursor(v: StoredVersion): string {
  return Buffer.from(JSON.stringify([v.lastUpdated, v.resourceType, v.id, v.versionId])).toString('base64url');
}

export function decodeHistoryCursor(text: string): HistoryQuery['before'] | undefined {
  try {
    const [lastUpdated, resourceType, id, versionId] = JSON.parse(
      Buffer.from(text, 'base64url').toString('utf8'),
    ) as unknown[];
    if ([lastUpdated, resourceType, id, versionId].every((x) => typeof x === 'string')) {
      return { lastUpdated, resourceType, id, versionId } as NonNullable<HistoryQuery['before']>;
    }
  } catch {
    // fall through: an unreadable cursor is the caller's error
  }
  return undefined;
}

export function historyBundle(
  base: string,
  path: string,
  query: Query,
  versions: StoredVersion[],
  hasMore: boolean,
): Bundle {
  const entry: BundleEntry[] = versions.map((v) => {
    const url = `${v.resourceType}/${v.id}`;
    const e: BundleEntry = {
      fullUrl: `${base}/${url}`,
      request: {
        method: v.deleted ? 'DELETE' : v.versionId === '1' ? 'POST' : 'PUT',
        url: v.versionId === '1' ? v.resourceType : url,
      },
      response: {
        status: v.deleted ? '204' : v.versionId === '1' ? '201' : '200',
        etag: `W/"${v.versionId}"`,
        lastModified: v.lastUpdated,
      },
    };
    if (v.resource) e.resource = v.resource;
    return e;
  });
  const link: BundleLink[] = [{ relation: 'self', url: `${base}${path}${queryString(query)}` }];
  const last = versions.at(-1);
  if (hasMore && last)
    link.push({ relation: 'next', url: `${base}${path}${queryString(query, { _page: encodeHistoryCursor(last) })}` });
  return { resourceType: 'Bundle', type: 'history', link, entry };
}
