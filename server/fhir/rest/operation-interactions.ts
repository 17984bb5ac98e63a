import type { Request, Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { everythingOperation } from '../operations/everything-operation.ts';
import { validateOperation } from '../operations/validate-operation.ts';
import { setActedOn } from './acted-on.ts';
import type { FhirContext } from './fhir-context.ts';
import { sendJson } from './http.ts';
import { idParam, jsonResourceBody, queryOf, resourceTypeParam } from './request-input.ts';

/**
 * The `$` operations over HTTP: the request's parts in, the operation's resource out (fhir/operations/).
 * An instance operation hands back the resource it read (`onRead`), recorded as what the request
 * acted on (acted-on.ts).
 */

/** `$validate`: POST on a type or an instance with a body, or GET on an instance (its stored version). */
export function validate(ctx: FhirContext, level: 'type' | 'instance') {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const id = level === 'instance' ? idParam(req) : undefined;
    const body = req.method === 'GET' && id ? undefined : jsonResourceBody(req, ctx);
    const onRead = (resource: Resource) => setActedOn(res, resource);
    sendJson(res, 200, await validateOperation(ctx, { type, id, body, onRead }));
  };
}

/** `Patient/[id]/$everything` (GET, or POST with a form body), its parameters in the query. */
export function everything(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const id = idParam(req);
    const onRead = (patient: Resource) => setActedOn(res, patient);
    sendJson(res, 200, await everythingOperation(ctx, type, id, queryOf(req), onRead));
  };
}
