import type { Request, Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { everythingOperation } from '../operations/everything-operation.ts';
import { validateOperation } from '../operations/validate-operation.ts';
import { shareOperation } from '../operations/share-operation.ts';
import { decideOperation } from '../operations/decide-operation.ts';
import { inviteOperation } from '../operations/invite-operation.ts';
import { updateProfileOperation } from '../operations/update-profile-operation.ts';
import { setActedOn } from './acted-on.ts';
import { badRequest } from '../outcomes.ts';
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

/** `[type]/[id]/$share` and `$unshare` (POST; a Parameters body or `?audience=`). */
export function share(ctx: FhirContext, shared: boolean) {
  return async (req: Request, res: Response): Promise<void> => {
    const type = resourceTypeParam(req);
    const id = idParam(req);
    const body = hasBody(req) ? jsonResourceBody(req, ctx) : undefined;
    const audience = req.query.audience;
    if (audience !== undefined && typeof audience !== 'string') throw badRequest('audience is given once');
    const onRead = (resource: Resource) => setActedOn(res, resource);
    const written = await shareOperation(ctx, {
      type,
      id,
      shared,
      ...(body ? { body } : {}),
      ...(audience !== undefined ? { audienceQuery: audience } : {}),
      onRead,
    });
    setActedOn(res, written);
    sendJson(res, 200, written);
  };
}

/** `Task/[id]/$decide` (POST, a Parameters body): staff decide a patient's proposed update field by field. */
export function decide(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    const onRead = (resource: Resource) => setActedOn(res, resource);
    const decided = await decideOperation(ctx, { id: idParam(req), body: jsonResourceBody(req, ctx), onRead });
    setActedOn(res, decided);
    sendJson(res, 200, decided);
  };
}

/**
 * `Patient/[id]/$invite` and `$uninvite` (POST, no parameters): the invitation workflow decides with
 * the request's principal, which the access resolver left in `res.locals.principal`.
 */
export function invite(ctx: FhirContext, cancel: boolean) {
  return async (req: Request, res: Response): Promise<void> => {
    if (resourceTypeParam(req) !== 'Patient') throw badRequest('$invite and $uninvite are operations on a Patient');
    const patientId = idParam(req);
    const onRead = (patient: Resource) => setActedOn(res, patient);
    const caller: unknown = res.locals.principal;
    const task = await inviteOperation(ctx.invitations, { patientId, caller, repo: ctx.repo, onRead }, cancel);
    sendJson(res, 200, task);
  };
}

/**
 * `Person/[id]/$update-profile` (POST, a Parameters body): the patient saves their profile and each
 * practice holding their record gets the change by its setting; answers a Parameters of results.
 */
export function updateProfile(ctx: FhirContext) {
  return async (req: Request, res: Response): Promise<void> => {
    if (resourceTypeParam(req) !== 'Person') throw badRequest('$update-profile is an operation on a Person');
    const onRead = (resource: Resource) => setActedOn(res, resource);
    sendJson(
      res,
      200,
      await updateProfileOperation(ctx, { id: idParam(req), body: jsonResourceBody(req, ctx), onRead }),
    );
  };
}

function hasBody(req: Request): boolean {
  return Buffer.isBuffer(req.body) && req.body.length > 0;
}
