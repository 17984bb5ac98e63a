import type { OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';
import { allOk, badRequest, issuesOutcome } from '../outcomes.ts';
import { ofType, shown } from '../input/resource-input.ts';
import type { OperationContext } from '../operation-context.ts';

/** What `$validate` is asked: the type, the id for an instance, and the body (none: the stored version). */
export interface ValidateRequest {
  type: string;
  id?: string;
  /** The JSON body (an object, checked for depth and keys, nothing more); absent to validate the stored version. */
  body?: Resource;
  /** Given the stored version when it is read (no body): the REST layer records it as what the request acted on. */
  onRead?: (resource: Resource) => void;
}

/**
 * `$validate` on a type (`POST /Patient/$validate`) or an instance (`POST /Patient/1/$validate`,
 * or GET to validate the stored version). The body is the resource itself or a Parameters resource
 * whose `resource` parameter holds it. The answer is always an OperationOutcome (200); nothing is stored.
 */
export async function validateOperation(
  ctx: OperationContext,
  { type, id, body, onRead }: ValidateRequest,
): Promise<OperationOutcome> {
  const resource = body === undefined ? await readStored(ctx, type, id, onRead) : resourceToValidate(body, type);
  // The body is checked by the validator, shape first: nothing here may assume its types.
  if (id && resource.id !== undefined && resource.id !== id) {
    throw badRequest(`Resource id ${shown(resource.id)} does not match '${id}' in the URL`, `${type}.id`);
  }
  const issues = ctx.validator.issues(resource);
  return issues.length ? issuesOutcome(issues) : allOk('Validation passed');
}

async function readStored(
  ctx: OperationContext,
  type: string,
  id: string | undefined,
  onRead: ValidateRequest['onRead'],
): Promise<Resource> {
  if (id === undefined) throw badRequest('A request body is required');
  const stored = await ctx.repo.read(type, id);
  onRead?.(stored);
  return stored;
}

function resourceToValidate(body: Resource, type: string): Resource {
  if (body.resourceType !== 'Parameters') return ofType(body, type);
  const parameters: unknown = (body as Parameters).parameter;
  const param = Array.isArray(parameters)
    ? (parameters as unknown[]).find((p) => isObject(p) && p.name === 'resource')
    : undefined;
  const resource: unknown = isObject(param) ? param.resource : undefined;
  if (!isObject(resource))
    throw badRequest(`A Parameters body needs a 'resource' parameter holding a resource`, 'Parameters.parameter');
  return ofType(resource as unknown as Resource, type, 'Parameters.parameter.resource');
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
