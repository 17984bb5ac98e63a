import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { Principal, TokenGrant } from '../access/principal.ts';
import { actedOn } from '../fhir/rest/acted-on.ts';
import { auditTarget, isAudited } from './audit-interaction.ts';
import type { AuditTarget, RequestFacts } from './audit-interaction.ts';
import type { AuditRecord, AuditWho } from './audit-record.ts';
import { actionOf, QUERY_LIMIT } from './audit-record.ts';
import { contextOf, reachedTarget } from './audit-targets.ts';

/** What the middleware needs of the trail (the trail itself in the server, a list in unit tests). */
export interface AuditSink {
  record(entry: AuditRecord): void;
}

export interface AuditMiddlewareOptions {
  logger: Logger;
  now?: () => Date;
  /**
   * What the request was asked to do; the FHIR REST reading (audit-interaction.ts#auditTarget) by
   * default, apiAuditTarget for the console's /api/ routes.
   */
  target?: (facts: RequestFacts, body: unknown) => AuditTarget;
  /**
   * The FHIR base URL (config.fhirBaseUrl). With it, the record of a request that succeeded on one
   * resource carries that resource's owner and patients, from what the FHIR handler left on the
   * exchange (fhir/rest/acted-on.ts); without it, the trail looks the target up again.
   */
  fhirBaseUrl?: string;
}

/** Facts read when the request arrives: the path and the socket may be gone by the time it ends. */
interface Arrival {
  method: string;
  path: string;
  ip?: string;
  query?: string;
}

/**
 * Audits every FHIR request but `GET /metadata`, once its response is done. Mount it at the FHIR
 * base BEFORE the bearer-token middleware (so that its 401s are audited too) and the router:
 * `app.use('/fhir/R4', auditMiddleware(audit, { logger, fhirBaseUrl }), smart.bearer, fhirRouter(...))` (paths are
 * read relative to the mount point). The caller is `res.locals.principal` as request-access.ts left
 * it, or, when the request ended before a Principal was resolved, `res.locals.grant`; a request
 * answered 401 is recorded as an anonymous attempt whatever it carried. The resource a successful
 * request acted on is what the FHIR handler left (fhir/rest/acted-on.ts): its owner and patients
 * go into the record, so the trail need not read it again. Nothing here delays the response: the
 * record is built after it finished (in the 'finish' listener) and only queued.
 */
export function auditMiddleware(sink: AuditSink, options: AuditMiddlewareOptions): RequestHandler {
  const now = options.now ?? (() => new Date());
  return (req: Request, res: Response, next: NextFunction) => {
    if (isAudited(req.method, req.path)) {
      const arrival: Arrival = {
        method: req.method,
        path: req.path,
        ip: req.socket.remoteAddress,
        query: queryOf(req.originalUrl),
      };
      let done = false;
      const end = (): void => {
        if (done) return;
        done = true;
        try {
          sink.record(recordOf(arrival, req, res, now(), options));
        } catch (err) {
          // A listener that throws would take the process down: log and carry on.
          options.logger.error({ err }, 'audit: could not build the audit record of a request');
        }
      };
      // 'finish': the response was sent. 'close' alone: the client went away first (still audited:
      // the interaction may have changed data).
      res.once('finish', end);
      res.once('close', end);
    }
    next();
  };
}

function recordOf(
  arrival: Arrival,
  req: Request,
  res: Response,
  at: Date,
  options: AuditMiddlewareOptions,
): AuditRecord {
  const aborted = !res.writableFinished;
  const outcome = aborted && !res.headersSent ? 499 : res.statusCode;
  const target = (options.target ?? auditTarget)(
    {
      method: arrival.method,
      path: arrival.path,
      bundleType: arrival.method === 'POST' && isSystemPath(arrival.path) ? bundleTypeOf(req.body) : undefined,
      location: headerOf(res, 'location'),
    },
    req.body,
  );
  const fullQuery = searchBody(arrival, req, target.interaction) ?? arrival.query;
  const query = fullQuery && fullQuery.length > QUERY_LIMIT ? fullQuery.slice(0, QUERY_LIMIT) : fullQuery;
  const who =
    outcome === 401
      ? undefined
      : (whoOf(res.locals.principal as Principal | undefined) ??
        whoOfGrant(res.locals.grant as TokenGrant | undefined));
  const requestId = requestIdOf(req);
  const reached = options.fhirBaseUrl ? reachedTarget({ outcome, entity: target.entity }) : undefined;
  const context = reached && contextOf(actedOn(res.locals), reached, options.fhirBaseUrl as string);
  return {
    at: at.toISOString(),
    action: actionOf(target.interaction),
    ...(target.interaction ? { interaction: target.interaction } : {}),
    ...(target.operation ? { operation: target.operation } : {}),
    outcome,
    ...(aborted ? { aborted } : {}),
    ...(who ? { who } : {}),
    ...(arrival.ip ? { ip: arrival.ip } : {}),
    ...(requestId ? { requestId } : {}),
    ...(target.entity ? { entity: target.entity } : {}),
    ...(query ? { query } : {}),
    ...(query !== fullQuery ? { queryTruncated: true } : {}),
    ...(context ? { context } : {}),
  };
}

function whoOf(principal: Principal | undefined): AuditWho | undefined {
  if (!principal) return undefined;
  return {
    subject: principal.subject,
    kind: principal.kind,
    clientId: principal.clientId,
    ...(principal.fhirUser ? { fhirUser: principal.fhirUser } : {}),
    ...(principal.kind === 'practitioner' || principal.kind === 'system'
      ? { practices: [...principal.practices] }
      : {}),
  };
}

/** A valid token whose Principal was never resolved (the request ended before the route handler). */
function whoOfGrant(grant: TokenGrant | undefined): AuditWho | undefined {
  if (!grant || typeof grant.clientId !== 'string') return undefined;
  const backend = grant.accountId
    ? {}
    : { kind: 'system' as const, ...(grant.clientPractice ? { practices: [grant.clientPractice] } : {}) };
  return { subject: grant.accountId ?? grant.clientId, clientId: grant.clientId, ...backend };
}

/** The part after `?`, undecoded, or undefined when there is none. */
function queryOf(url: string): string | undefined {
  const at = url.indexOf('?');
  return at >= 0 && at < url.length - 1 ? url.slice(at + 1) : undefined;
}

/** `POST /Type/_search` carries its parameters in a form body: they are the query too. */
function searchBody(arrival: Arrival, req: Request, interaction: string | undefined): string | undefined {
  if (interaction !== 'search-type' || arrival.method !== 'POST' || !req.is('application/x-www-form-urlencoded'))
    return undefined;
  const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : typeof req.body === 'string' ? req.body : '';
  return [arrival.query, body].filter((part) => part).join('&') || undefined;
}

function isSystemPath(path: string): boolean {
  return path === '' || path === '/';
}

/**
 * Bundle.type of a `POST /` body (the router reads bodies raw). Parsed again here, after the
 * response, rather than having the Bundle handler report it: a cost paid only by Bundle requests.
 */
function bundleTypeOf(body: unknown): string | undefined {
  try {
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : typeof body === 'string' ? body : undefined;
    const parsed: unknown = text === undefined ? body : JSON.parse(text);
    const type = (parsed as { type?: unknown } | null)?.type;
    return typeof type === 'string' ? type : undefined;
  } catch {
    return undefined;
  }
}

function headerOf(res: Response, name: string): string | undefined {
  const value = res.getHeader(name);
  return typeof value === 'string' ? value : undefined;
}

/** pino-http's `req.id` (a string by our genReqId; anything else is stringified). */
function requestIdOf(req: Request): string | undefined {
  const id = (req as unknown as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
