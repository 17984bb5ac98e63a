import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { Config } from '../config.ts';
import { tooManyRequests } from '../fhir/outcomes.ts';
import { TOKEN_KEY_LOCAL, tokenKey } from '../access/access-cache.ts';

/**
 * The FHIR API's rate limits (docs/decisions/0012), fixed windows of `windowMs`:
 *
 * - **per client IP, for requests without a valid token** (`anonymous`, mounted before the bearer
 *   check): every request is counted when it arrives and given back when it ends authenticated
 *   (`res.locals.grant`), so what stays counted is what ended without a valid token — no
 *   Authorization header, or one the bearer check refused (401). Once the budget is spent, requests
 *   without an Authorization header get 429; requests with one still go on to the bearer check (a
 *   valid token is judged by its own budget, an invalid one gets its 401 and is counted), so that
 *   anonymous traffic from a shared address (a clinic's NAT, a mobile carrier's) never blocks the
 *   signed-in users behind it.
 * - **per access token** (`perToken`, mounted after the bearer check, only for requests it let
 *   through with a grant): the key is the SHA-256 of the token the bearer check computed for its cache
 *   and left on `res.locals.tokenKey` (one hash per request), so no token is kept in memory here and
 *   one token is one budget however its header is spelled. Should a grant come without it, the
 *   header is hashed instead (keyed apart, so two tokens never share a budget).
 *
 * Both answer 429 with `Retry-After` (seconds to the end of the window) and an OperationOutcome
 * (`throttled`), as FhirErrors for the FHIR error handler. The client IP is the TCP peer (`trust
 * proxy` is off: X-Forwarded-For is never believed); IPv6 addresses count per /56, as one customer
 * usually holds one. Counters live in this process (express-rate-limit's MemoryStore): several server
 * processes each allow the limit.
 *
 * express-rate-limit directly rather than auth/accounts/rate-limit.ts's factory: that one keys by IP
 * only and answers with a page or OAuth-style JSON; these need other keys and an OperationOutcome.
 */
export interface FhirRateLimits {
  anonymous: RequestHandler;
  perToken: RequestHandler;
}

export function fhirRateLimits(limits: Config['rateLimits']): FhirRateLimits {
  const common = {
    windowMs: limits.windowMs,
    // No RateLimit/X-RateLimit headers on every answer; Retry-After comes with the 429 (below).
    standardHeaders: false,
    legacyHeaders: false,
    // With `trust proxy` false a client's X-Forwarded-For is ignored by design; the library would print
    // a stack trace to stderr whenever anyone sends one.
    validate: { xForwardedForHeader: false },
  } as const;
  const anonymous = rateLimit({
    ...common,
    limit: limits.anonymousPerIp,
    keyGenerator: (req) => `ip:${ipKeyGenerator(req.socket.remoteAddress ?? req.ip ?? 'unknown', 56)}`,
    // Counted on arrival; authenticated requests are given back when they end.
    skipSuccessfulRequests: true,
    requestWasSuccessful: (_req, res) => res.locals.grant !== undefined,
    handler: (req: Request, _res: Response, next: NextFunction) => {
      if (req.headers.authorization !== undefined) return next();
      next(
        tooManyRequests(
          'Too many requests without an access token from this address; please wait before trying again',
          retryAfter(req),
        ),
      );
    },
  });
  const perToken = rateLimit({
    ...common,
    limit: limits.perToken,
    skip: (_req, res) => res.locals.grant === undefined,
    keyGenerator: (req, res) => {
      const key: unknown = res.locals[TOKEN_KEY_LOCAL];
      return typeof key === 'string' ? `token:${key}` : `header:${tokenKey(req.headers.authorization ?? '')}`;
    },
    handler: (req: Request, _res: Response, next: NextFunction) => {
      next(
        tooManyRequests('Too many requests with this access token; please wait before trying again', retryAfter(req)),
      );
    },
  });
  return { anonymous, perToken };
}

/** Seconds until the window that refused the request ends (express-rate-limit leaves its state on `req.rateLimit`). */
function retryAfter(req: Request): number {
  const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  return resetTime ? (resetTime.getTime() - Date.now()) / 1000 : 60;
}
