import type { Request, Response } from 'express';
import { badRequest } from '../outcomes.ts';
import { dateRange } from '../search/normalize.ts';
import type { HistoryQuery } from '../../storage/stored-version.ts';
import { decodeHistoryCursor, historyBundle } from '../bundle/history-bundle.ts';
import { setActedOn } from './acted-on.ts';
import type { FhirContext } from './fhir-context.ts';
import { sendJson } from './http.ts';
import { idParam, queryOf, resourceTypeParam } from './request-input.ts';

/** `_history` on the system, a type, or one resource; newest first, with `_since` and `_count`. */
export function history(ctx: FhirContext, level: 'system' | 'type' | 'instance') {
  return async (req: Request, res: Response): Promise<void> => {
    const query = queryOf(req);
    const resourceType = level === 'system' ? undefined : resourceTypeParam(req);
    const id = level === 'instance' ? idParam(req) : undefined;
    const count = countOf(query._count, ctx);
    const q: HistoryQuery = { resourceType, id, count: count + 1 };
    const since = single(query._since, '_since');
    if (since !== undefined) {
      const range = dateRange(since);
      if (!range || !since.includes('T')) throw badRequest(`_since must be an instant, got '${since}'`, '_since');
      q.since = range.low;
    }
    const page = single(query._page, '_page');
    if (page !== undefined) {
      q.before = decodeHistoryCursor(page);
      if (!q.before) throw badRequest('Invalid history paging cursor', '_page');
    }
    const versions = await ctx.repo.history(q);
    // A resource's history exists only if it was ever written: 404 otherwise, like read.
    if (level === 'instance' && versions.length === 0 && page === undefined && since === undefined) {
      await ctx.repo.read(resourceType as string, id as string);
    }
    if (level === 'instance')
      setActedOn(res, ...versions.slice(0, count).flatMap((v) => (v.resource ? [v.resource] : [])));
    const path =
      level === 'system'
        ? '/_history'
        : level === 'type'
          ? `/${resourceType}/_history`
          : `/${resourceType}/${id}/_history`;
    sendJson(
      res,
      200,
      historyBundle(ctx.config.fhirBaseUrl, path, query, versions.slice(0, count), versions.length > count),
    );
  };
}

function single(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) throw badRequest(`${name} may be given once`, name);
  return value;
}

function countOf(value: string | string[] | undefined, ctx: FhirContext): number {
  const text = single(value, '_count');
  if (text === undefined) return ctx.config.limits.searchDefaultCount;
  if (!/^\d{1,9}$/.test(text) || Number(text) === 0)
    throw badRequest(`_count must be a positive integer, got '${text}'`, '_count');
  return Math.min(Number(text), ctx.config.limits.searchMaxCount);
}
