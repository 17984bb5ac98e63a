import { badRequest } from '../outcomes.ts';
import { isKnownResourceType } from '../definitions.ts';
import type { Query } from '../search/parse-search.ts';
import { queryFromText } from '../input/query-text.ts';

/** The target of a Bundle entry's request.url: `Patient`, `Patient/1`, `Patient?x=y`, `Patient/1/_history/2`. */
export interface EntryTarget {
  type: string;
  id?: string;
  versionId?: string;
  query: Query;
  hasQuery: boolean;
}

const ID = '[A-Za-z0-9\\-.]{1,64}';
const PATH = new RegExp(`^([A-Z][A-Za-z]+)(?:/(${ID})(?:/_history/(${ID}))?)?$`);

export function parseEntryUrl(url: string, baseUrl: string, at: string): EntryTarget {
  let text = url.startsWith(`${baseUrl}/`) ? url.slice(baseUrl.length + 1) : url;
  text = text.replace(/^\//, '');
  const mark = text.indexOf('?');
  const path = mark < 0 ? text : text.slice(0, mark);
  const search = mark < 0 ? undefined : text.slice(mark + 1);
  const match = PATH.exec(path);
  if (!match || !isKnownResourceType(match[1] as string))
    throw badRequest(`Unsupported request.url '${url.slice(0, 200)}'`, `${at}.request.url`);
  let query: Query;
  try {
    query = queryFromText(search ?? '');
  } catch (err) {
    throw badRequest(`Unsupported request.url '${url.slice(0, 200)}': ${(err as Error).message}`, `${at}.request.url`);
  }
  return { type: match[1] as string, id: match[2], versionId: match[3], query, hasQuery: search !== undefined };
}
