import type { Request, Response } from 'express';
import { allOk, badRequest, FhirError } from '../outcomes.ts';
import { setActedOn } from './acted-on.ts';
import type { FhirContext } from './fhir-context.ts';
import { notModified, sendJson, sendWritten, setVersionHeaders } from './http.ts';
import { idParam, patchBody, resourceBody, resourceTypeParam } from './request-input.ts';

/** Interactions on one resource: /[type]/[id] and /[type]/[id]/_history/[vid]. */

export function read(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const resource = await ctx.repo.read(resourceTypeParam(req), idParam(req));
    setActedOn(res, resource);
    setVersionHeaders(res, resource);
    if (notModified(req, resource)) res.status(304).end();
    else sendJson(res, 200, resource);
  };
}

export function vread(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const resource = await ctx.repo.vread(resourceTypeParam(req), idParam(req), idParam(req, 'vid'));
    setActedOn(res, resource);
    setVersionHeaders(res, resource);
    sendJson(res, 200, resource);
  };
}

export function update(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const id = idParam(req);
    const resource = resourceBody(req, ctx, type);
    if (resource.id === undefined) throw badRequest('The resource in an update must carry its id', `${type}.id`);
    if (resource.id !== id)
      throw badRequest(`Resource id '${resource.id}' does not match '${id}' in the URL`, `${type}.id`);
    const result = await ctx.repo.update(resource, { ifMatch: req.get('if-match') });
    setActedOn(res, result.resource);
    const location = result.created
      ? `${ctx.config.fhirBaseUrl}/${type}/${id}/_history/${result.resource.meta?.versionId}`
      : undefined;
    sendWritten(req, res, result.created ? 201 : 200, result.resource, location);
  };
}

export function patch(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const result = await ctx.repo.patch(type, idParam(req), patchBody(req, ctx), { ifMatch: req.get('if-match') });
    setActedOn(res, result.resource);
    sendWritten(req, res, 200, result.resource);
  };
}

export function remove(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const id = idParam(req);
    const deleted = await ctx.repo.transaction(async (tx) => {
      // The version deleted (or, when it was deleted before, the last one with content), read in the
      // delete's transaction: the repository's delete returns nothing, and the audit record names
      // its owner and patients (docs/decisions/0020-audit-cost.md).
      // It never changes the delete's answer: a refusal here just leaves the trail to look it up.
      const last = await tx.history({ resourceType: type, id, count: 2 }).then(
        (versions) => versions.find((v) => v.resource)?.resource,
        (err: unknown) => {
          if (err instanceof FhirError) return undefined;
          throw err;
        },
      );
      await tx.delete(type, id, { ifMatch: req.get('if-match') });
      return last;
    });
    if (deleted) setActedOn(res, deleted);
    sendJson(res, 200, allOk(`${type}/${id} deleted`));
  };
}
