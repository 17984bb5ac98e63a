import type { Request, Response } from 'express';
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { allOk, badRequest, issuesOutcome } from '../outcomes.ts';
import type { FhirContext } from '../rest/fhir-context.ts';
import { sendJson } from '../rest/http.ts';
import { idParam, jsonResourceBody, resourceBody, resourceTypeParam } from '../rest/request-input.ts';

/**
 * `$validate` on a type (`POST /Patient/$validate`) or an instance (`POST /Patient/1/$validate`,
 * or GET to validate the stored version). The body is the resource itself or a Parameters resource
 * whose `resource` parameter holds it. Always answers 200 with an OperationOutcome; nothing is stored.
 */
export function validateOperation(ctx: FhirContext, level: 'type' | 'instance') {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const id = level === 'instance' ? idParam(req) : undefined;
    const resource = req.method === 'GET' && id ? await ctx.repo.read(type, id) : resourceToValidate(req, ctx, type);
    if (id && resource.id !== undefined && resource.id !== id) {
      throw badRequest(`Resource id '${resource.id}' does not match '${id}' in the URL`, `${type}.id`);
    }
    const issues = ctx.validator.issues(resource);
    sendJson(res, 200, issues.length ? issuesOutcome(issues) : allOk('Validation passed'));
  };
}

function resourceToValidate(req: Request, ctx: FhirContext, type: string): Resource {
  const body = jsonResourceBody(req, ctx);
  if (body.resourceType !== 'Parameters') return resourceBody(req, ctx, type, body);
  const resource = (body as Parameters).parameter?.find((p) => p.name === 'resource')?.resource;
  if (!resource) throw badRequest(`A Parameters body needs a 'resource' parameter`, 'Parameters.parameter');
  if (resource.resourceType !== type) throw badRequest(`resourceType '${resource.resourceType}' does not match '${type}'`, 'Parameters.parameter.resource');
  return resource;
}
