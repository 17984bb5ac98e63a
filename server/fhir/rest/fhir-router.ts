import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { FhirError, outcome } from '../outcomes.ts';
import { fhirErrorHandler } from './error-handler.ts';
import type { AskedInteraction, FhirContext } from './fhir-context.ts';
import { readsBinaryContent, streamsBinaryBody } from './binary-interactions.ts';
import { sendJson } from './http.ts';
import { ROUTES } from './routes.ts';
import type { Route } from './routes.ts';

/** The FHIR R4 endpoint, mounted at /fhir/R4: content negotiation, the route table, errors. */
export function fhirRouter(ctx: FhirContext, capabilityStatement: CapabilityStatement): Router {
  const router = express.Router();
  // Bodies are read raw (with the size limit) and parsed by request-input.ts, which checks
  // content type, depth and keys before anything else sees them. Binary content is the exception:
  // it is streamed into the blob store by its handler (binary-interactions.ts), never buffered here.
  router.use(express.raw({ type: (req) => !streamsBinaryBody(req as Request), limit: ctx.config.limits.bodyBytes }));
  router.use(negotiate);
  // FHIR responses carry patient data: no browser or proxy may keep a copy (clients that want
  // conditional reads keep their own and send If-None-Match).
  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/metadata', (_req, res) => sendJson(res, 200, capabilityStatement));
  // The base URL itself answers what this API is (the CapabilityStatement, as /metadata does), so
  // a person or client landing on it learns what is served and where. With search parameters it
  // would be a system-level search, which is not served: that falls through to 401/404 below.
  router.get('/', (req: Request, res: Response, next: NextFunction) => {
    if (!isBareBase(req)) return next();
    res.set('Content-Location', `${ctx.config.fhirBaseUrl}/metadata`);
    sendJson(res, 200, capabilityStatement);
  });
  for (const route of ROUTES) {
    const unscoped = ctx.accessFor ? undefined : route.handler(ctx);
    const interaction = interactionOf(route);
    router[route.method](route.path, (req: Request, res: Response, next: NextFunction) => {
      const asked: AskedInteraction = {
        interaction,
        ...(typeof req.params.type === 'string' ? { resourceType: req.params.type } : {}),
      };
      const handle = unscoped
        ? Promise.resolve(unscoped)
        : callerContext(ctx, req, res, asked).then((scoped) => route.handler(scoped));
      handle.then((h) => h(req, res)).catch(next);
    });
  }
  // No route: 404, once the caller may know that (without a token: 401, like every other request
  // outside the public directory, the base URL included).
  router.use((req: Request, res: Response, next: NextFunction) => {
    callerContext(ctx, req, res, { interaction: 'unsupported' })
      .then(() => next(new FhirError(404, outcome('not-supported', `${req.method} ${req.path} is not supported`))))
      .catch(next);
  });
  router.use(fhirErrorHandler(ctx.config.limits.bodyBytes, ctx.config.fhirBaseUrl));
  return router;
}

/** The route's CapabilityStatement interaction (`batch|transaction` for the Bundle route), or `$<operation>`. */
function interactionOf(route: Route): string {
  if (route.operation) return `$${route.operation}`;
  return [route.interaction ?? 'unsupported'].flat().join('|');
}

/** The context of one request: the repository seen through the caller's access scope. */
async function callerContext(
  ctx: FhirContext,
  req: Request,
  res: Response,
  asked: AskedInteraction,
): Promise<FhirContext> {
  const scope = await ctx.accessFor?.(req, res, asked);
  return scope ? { ...ctx, repo: ctx.repo.withScope(scope), scope } : ctx;
}

/** Only presentation parameters: anything else makes `GET [base]?…` a system-level search. */
function isBareBase(req: Request): boolean {
  return Object.keys(req.query).every((name) => name === '_format' || name === '_pretty');
}

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

/** JSON is the only format served: other `_format` values or Accept headers get 406. */
function negotiate(req: Request, _res: Response, next: NextFunction): void {
  // A Binary's content is served in its own type (R4 http.html#binary), whatever the Accept.
  if (readsBinaryContent(req)) return next();
  const format = req.query._format;
  if (typeof format === 'string' && !JSON_FORMATS.has(format.split(';')[0]!.trim())) {
    throw new FhirError(406, outcome('not-supported', `Only JSON is supported, not _format=${format}`));
  }
  const accept = req.get('accept');
  if (accept && !/(^|,|\s)(\*\/\*|application\/\*|application\/(fhir\+)?json)(\s*;|\s*,|\s*$)/.test(accept)) {
    throw new FhirError(406, outcome('not-supported', 'Only application/fhir+json is supported'));
  }
  next();
}
