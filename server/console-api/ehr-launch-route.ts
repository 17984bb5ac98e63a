import type { Encounter, Patient } from '@medplum/fhirtypes';
import express from 'express';
import type { Request, RequestHandler, Response, Router } from 'express';
import type { Logger } from 'pino';
import { badRequest, FhirError, forbidden, outcome } from '../fhir/outcomes.ts';
import type { Repository } from '../storage/repository.ts';
import type { AccessScope } from '../storage/access-scope.ts';
import type { TokenGrant } from '../access/principal.ts';

/**
 * `POST /api/ehr-launch`: the practitioner console's "launch app" action (SMART EHR launch). The
 * console, signed in as a practitioner, names the patient (and optionally the encounter) in view;
 * the server checks the practitioner can read them, stores the launch context (single use, bound to
 * that practitioner's account, 10 minutes) and answers the opaque `launch` value and the `iss` to put
 * on the app's launch URL. The app then authorizes with scope `launch` and gets the context in its
 * token response.
 */
export const EHR_LAUNCH_PATH = '/api/ehr-launch';

export interface EhrLaunchDeps {
  /** The bearer-token middleware (sets res.locals.grant). */
  bearer: RequestHandler;
  /** The caller's access scope (server/access/request-access.ts); sets res.locals.principal. */
  accessFor: (req: Request, res: Response) => Promise<AccessScope>;
  repo: Repository;
  createLaunch: (input: { patient: string; encounter?: string; practitionerAccountId: string }) => Promise<string>;
  fhirBaseUrl: string;
  logger: Pick<Logger, 'error'>;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function ehrLaunchRouter(deps: EhrLaunchDeps): Router {
  const router = express.Router();
  router.post(
    EHR_LAUNCH_PATH,
    express.json({ limit: '4kb', type: ['application/json', 'application/fhir+json'] }),
    deps.bearer,
    async (req, res, next) => {
      res.set('Cache-Control', 'no-store');
      try {
        const launch = await createLaunch(deps, req, res);
        res.status(201).json({ launch, iss: deps.fhirBaseUrl });
      } catch (err) {
        // FhirErrors (and anything unexpected, as a bare 500) are answered by the /api error handler.
        if (!(err instanceof FhirError)) deps.logger.error({ err }, 'EHR launch failed');
        next(err);
      }
    },
  );
  return router;
}

async function createLaunch(deps: EhrLaunchDeps, req: Request, res: Response): Promise<string> {
  const grant = res.locals.grant as TokenGrant | undefined;
  if (!grant?.accountId) throw new FhirError(401, outcome('login', 'Sign in as a practitioner to launch an app'));
  const scope = await deps.accessFor(req, res);
  if ((res.locals.principal as { kind?: string } | undefined)?.kind !== 'practitioner')
    throw forbidden('Only practitioners launch apps from the console');
  const body = (req.body ?? {}) as { patient?: unknown; encounter?: unknown };
  if (typeof body.patient !== 'string' || !ID.test(body.patient))
    throw badRequest('patient must be a Patient id', 'patient');
  if (body.encounter !== undefined && (typeof body.encounter !== 'string' || !ID.test(body.encounter)))
    throw badRequest('encounter must be an Encounter id', 'encounter');
  const repo = deps.repo.withScope(scope);
  // Both reads answer 404 for records the practitioner cannot see, exactly as for missing ones.
  await repo.read<Patient>('Patient', body.patient);
  if (typeof body.encounter === 'string') {
    const encounter = await repo.read<Encounter>('Encounter', body.encounter);
    if (encounter.subject?.reference !== `Patient/${body.patient}`)
      throw badRequest('The encounter is not one of this patient', 'encounter');
  }
  return deps.createLaunch({
    patient: body.patient,
    practitionerAccountId: grant.accountId,
    ...(typeof body.encounter === 'string' ? { encounter: body.encounter } : {}),
  });
}
