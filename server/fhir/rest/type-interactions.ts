import type { Request, Response } from 'express';
import { allOk, badRequest } from '../outcomes.ts';
import { setActedOn } from './acted-on.ts';
import type { FhirContext } from './fhir-context.ts';
import { searchBundle } from '../bundle/search-bundle.ts';
import { queryFromHeader } from '../input/query-text.ts';
import { sendJson, sendWritten } from './http.ts';
import { conditionalSearch, queryOf, resourceBody, resourceTypeParam, searchOf } from './request-input.ts';

/** Interactions on a resource type: create, search and the conditional update/delete on /[type]?... */

export function create(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const resource = resourceBody(req, ctx, type);
    const header = req.get('if-none-exist');
    const ifNoneExist =
      header === undefined ? undefined : conditionalSearch(ctx, type, queryFromHeader(header), 'If-None-Exist');
    const result = await ctx.repo.create(resource, { ifNoneExist });
    setActedOn(res, result.resource);
    const location = `${ctx.config.fhirBaseUrl}/${type}/${result.resource.id}/_history/${result.resource.meta?.versionId}`;
    sendWritten(req, res, result.created ? 201 : 200, result.resource, location);
  };
}

export function search(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const query = queryOf(req);
    const parsed = searchOf(req, ctx, type, query);
    sendJson(res, 200, await searchBundle(ctx.repo, ctx.config.fhirBaseUrl, `/${type}`, query, parsed));
  };
}

export function conditionalUpdate(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const criteria = conditionalSearch(ctx, type, queryOf(req), 'A conditional update');
    const result = await ctx.repo.conditionalUpdate(resourceBody(req, ctx, type), criteria);
    const location = `${ctx.config.fhirBaseUrl}/${type}/${result.resource.id}/_history/${result.resource.meta?.versionId}`;
    sendWritten(req, res, result.created ? 201 : 200, result.resource, result.created ? location : undefined);
  };
}

export function conditionalDelete(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const query = queryOf(req);
    if (Object.keys(query).length === 0) throw badRequest('DELETE on a type needs search criteria');
    await ctx.repo.conditionalDelete(conditionalSearch(ctx, type, query, 'A conditional delete'));
    sendJson(res, 200, allOk('Deleted'));
  };
}
