import express from 'express';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Logger } from 'pino';
import { badRequest, FhirError, forbidden, notFound, outcome } from '../fhir/outcomes.ts';
import type { AccessScope } from '../storage/access-scope.ts';
import type { Repository } from '../storage/repository.ts';
import type { Principal } from '../access/principal.ts';
import { administers, worksAt } from '../auth/practice-clients.ts';
import type { PracticeClients } from '../auth/practice-clients.ts';
import { ClientRegistrationError } from '../auth/smart/clients.ts';
import type { ClientRegistration } from '../auth/smart/clients.ts';
import { isClientKind } from '../auth/smart/client-metadata.ts';

/**
 * The console's API for a practice's SMART apps (bearer token of a practitioner):
 * - `GET  /api/practices/:practiceId/apps`: the apps with a launch URL, for the "Launch app" menu
 *   (any practitioner of the practice);
 * - `GET|POST /api/practices/:practiceId/clients`, `DELETE …/clients/:clientId`: registration by the
 *   practice's administrators (PractitionerRole code `admin`, practice-clients.ts).
 * Everyone else gets 404 for a practice they do not work at (as for a practice that does not exist)
 * and 403 for administration of their own practice without the admin role.
 */
export interface PracticeClientsRouteDeps {
  bearer: RequestHandler;
  accessFor: (req: Request, res: Response) => Promise<AccessScope>;
  /** The unscoped repository (the admin check reads the caller's roles). */
  repo: Repository;
  clients: PracticeClients;
  logger: Pick<Logger, 'error'>;
}

const BASE = '/api/practices/:practiceId';
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function practiceClientsRouter(deps: PracticeClientsRouteDeps): Router {
  const router = express.Router();
  const json = express.json({ limit: '64kb', strict: true });

  router.get(
    `${BASE}/apps`,
    deps.bearer,
    handle(deps, 'member', async (practiceId, _req, res) => {
      const apps = (await deps.clients.list(practiceId))
        .filter((c) => c.launchUri)
        .map(({ clientId, name, launchUri }) => ({ clientId, name, launchUri }));
      res.status(200).json(apps);
    }),
  );
  router.get(
    `${BASE}/clients`,
    deps.bearer,
    handle(deps, 'admin', async (practiceId, _req, res) => {
      res.status(200).json(await deps.clients.list(practiceId));
    }),
  );
  router.post(
    `${BASE}/clients`,
    json,
    deps.bearer,
    handle(deps, 'admin', async (practiceId, req, res) => {
      const registered = await deps.clients.register(practiceId, registrationOf(req.body));
      res.status(201).json(registered);
    }),
  );
  router.delete(
    `${BASE}/clients/:clientId`,
    deps.bearer,
    handle(deps, 'admin', async (practiceId, req, res) => {
      if (!(await deps.clients.remove(practiceId, String(req.params.clientId))))
        throw notFound('No such client at this practice');
      res.status(204).end();
    }),
  );
  return router;
}

type Handler = (practiceId: string, req: Request, res: Response) => Promise<void>;

/**
 * Runs `work` for a caller who may: errors go on as FhirErrors to the /api error handler (app.ts),
 * which answers them with an OperationOutcome, as the FHIR API does.
 */
function handle(deps: PracticeClientsRouteDeps, needs: 'member' | 'admin', work: Handler): RequestHandler {
  return async (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    try {
      if (!res.locals.grant) throw new FhirError(401, outcome('login', 'Sign in as a practitioner of this practice'));
      await deps.accessFor(req, res);
      const principal = res.locals.principal as Principal | undefined;
      const practiceId = String(req.params.practiceId);
      if (!ID.test(practiceId) || !worksAt(principal, practiceId)) throw notFound('No such practice');
      if (needs === 'admin' && !(await administers(deps.repo, principal, practiceId)))
        throw forbidden("Only the practice's administrators manage its apps");
      await work(practiceId, req, res);
    } catch (err) {
      if (err instanceof ClientRegistrationError) return next(new FhirError(400, outcome('invalid', err.message)));
      if (!(err instanceof FhirError)) deps.logger.error({ err }, 'practice clients request failed');
      next(err);
    }
  };
}

/** The fields an administrator may set; anything else in the body is refused, not ignored. */
function registrationOf(body: unknown): Omit<ClientRegistration, 'practiceId' | 'clientId' | 'firstParty'> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body must be a JSON object');
  const allowed = new Set(['name', 'kind', 'redirectUris', 'launchUri', 'scope', 'jwksUri', 'jwks', 'managesAccess']);
  const unknown = Object.keys(body).filter((k) => !allowed.has(k));
  if (unknown.length) throw badRequest(`Unknown fields: ${unknown.join(', ').slice(0, 200)}`, unknown[0]);
  const b = body as Record<string, unknown>;
  if (typeof b.name !== 'string' || b.name.length > 200)
    throw badRequest('name must be a string of at most 200 characters', 'name');
  if (!isClientKind(b.kind))
    throw badRequest('kind must be public, confidential-symmetric, confidential-asymmetric or backend', 'kind');
  if (typeof b.scope !== 'string' || b.scope.length > 2000)
    throw badRequest('scope must be a space-separated string', 'scope');
  const strings = (v: unknown, field: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length > 20 || v.some((x) => typeof x !== 'string' || x.length > 2000))
      throw badRequest(`${field} must be a list of URLs`, field);
    return v as string[];
  };
  const redirectUris = strings(b.redirectUris, 'redirectUris');
  if (b.launchUri !== undefined && typeof b.launchUri !== 'string')
    throw badRequest('launchUri must be a URL', 'launchUri');
  if (b.jwksUri !== undefined && typeof b.jwksUri !== 'string') throw badRequest('jwksUri must be a URL', 'jwksUri');
  if (b.managesAccess !== undefined && typeof b.managesAccess !== 'boolean')
    throw badRequest('managesAccess must be true or false', 'managesAccess');
  if (
    b.jwks !== undefined &&
    (typeof b.jwks !== 'object' || b.jwks === null || !Array.isArray((b.jwks as { keys?: unknown }).keys))
  )
    throw badRequest('jwks must be a JWKS object {"keys": [...]}', 'jwks');
  return {
    name: b.name,
    kind: b.kind,
    scope: b.scope,
    ...(redirectUris ? { redirectUris } : {}),
    ...(typeof b.launchUri === 'string' ? { launchUri: b.launchUri } : {}),
    ...(typeof b.jwksUri === 'string' ? { jwksUri: b.jwksUri } : {}),
    ...(b.jwks ? { jwks: b.jwks as { keys: Array<Record<string, unknown>> } } : {}),
    ...(b.managesAccess === true ? { managesAccess: true } : {}),
  };
}
