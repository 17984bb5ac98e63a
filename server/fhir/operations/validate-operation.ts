import type { Request, Response } from 'express';
import type { Parameters, Resource } from '@medplum/fhirtypes';
import { allOk, badRequest, issuesOutcome } from '../outcomes.ts';
import type { FhirContext } from '../rest/fhir-context.ts';
import { sendJson } from '../rest/http.ts';
import { idParam, jsonResourceBody, ofType, resourceTypeParam, shown } from '../rest/request-input.ts';

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
    // The body is checked by the validator, shape first: nothing here may assume its types.
    if (id && resource.id !== undefined && resource.id !== id) {
      throw badRequest(`Resource id ${shown(resource.id)} does not match '${id}' in the URL`, `${type}.id`);
    }
    const issues = ctx.validator.issues(resource);
    sendJson(res, 200, issues.length ? issuesOutcome(issues) : allOk('Validation passed'));
  };
}

function resourceToValidate(req: Request, ctx: FhirContext, type: string): Resource {
  const body = jsonResourceBody(req, ctx);
  if (body.resourceType !== 'Parameters') return ofType(body, type);
  const parameters: unknown = (body as Parameters).parameter;
  const param = Array.isArray(parameters) ? parameters.find((p: unknown) => isObject(p) && p.name === 'resource') : undefined;
  const resource: unknown = param?.resource;
  if (!isObject(resource)) throw badRequest(`A Parameters body needs a 'resource' parameter holding a resource`, 'Parameters.parameter');
  return ofType(resource as unknown as Resource, type, 'Parameters.parameter.resource');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
