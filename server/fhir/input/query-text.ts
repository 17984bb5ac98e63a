import { badRequest } from '../outcomes.ts';
import type { Query } from '../search/parse-search.ts';
import { queryKeyProblem } from './json-guard.ts';

/** `If-None-Exist: identifier=x|1` (or `Patient?identifier=x|1`) → its query. */
export function queryFromHeader(value: string): Query {
  return queryFromText(value.replace(/^[^?]*\?/, ''));
}

/**
 * A query string (`a=1&a=2&b=3`) → its query, repeated names as arrays; names are checked like a
 * URL's. The object has no prototype, so no name (`__proto__`, `toString`) can mean anything else.
 */
export function queryFromText(text: string): Query {
  const query: Query = Object.create(null) as Query;
  for (const [key, v] of new URLSearchParams(text)) {
    const problem = queryKeyProblem(key);
    if (problem) throw badRequest(`Invalid search parameter '${key.slice(0, 80)}': ${problem}`, key);
    const prior = query[key];
    query[key] = prior === undefined ? v : [...(Array.isArray(prior) ? prior : [prior]), v];
  }
  return query;
}

/** A query → the query string of a link (`?a=1&a=2`), with some parameters replaced or dropped. */
export function queryString(query: Query, replace: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (Object.hasOwn(replace, key)) continue;
    for (const v of Array.isArray(value) ? value : [value ?? '']) params.append(key, v);
  }
  for (const [key, value] of Object.entries(replace)) if (value !== undefined) params.append(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
