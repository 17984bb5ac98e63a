import type { Request, RequestHandler, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { html, sendPage, wantsJson } from './html-page.ts';

/**
 * Per-IP limit for the endpoints that check a password or send an e-mail (sign-in form, forgot and
 * reset password): it slows one machine trying many accounts (credential stuffing), which the
 * per-account lockout cannot see, and bounds the e-mails one machine can trigger.
 *
 * The client is `req.ip`. The app runs with `trust proxy` false, so that is the TCP peer and an
 * X-Forwarded-For header cannot pick a fresh identity per request. Behind a reverse proxy, set
 * `trust proxy` to that proxy, or every user shares the proxy's budget.
 * Counters live in this process's memory (express-rate-limit's MemoryStore): several server processes
 * each allow `limit`. Create one limiter and share it between the auth routers so they share a budget.
 */
export interface AuthRateLimitOptions {
  /** Requests allowed per IP per window. A clinic behind one NAT address signs in together: not too low. */
  limit?: number;
  windowMs?: number;
  /** The 429 answer (Retry-After is already set); by default a page, or JSON for JSON clients. */
  respond?: (req: Request, res: Response) => void;
}

export function createAuthRateLimiter({
  limit = 50,
  windowMs = 15 * 60_000,
  respond = tooManyRequests,
}: AuthRateLimitOptions = {}): RequestHandler {
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    // With `trust proxy` false a client's X-Forwarded-For is ignored by design; the library would print
    // a stack trace to stderr whenever anyone sends one.
    validate: { xForwardedForHeader: false },
    // Retry-After (seconds) is set by express-rate-limit before this runs, from the window's reset time.
    handler: (req: Request, res: Response) => respond(req, res),
  });
}

function tooManyRequests(req: Request, res: Response): void {
  const seconds = Number(res.getHeader('Retry-After')) || 60;
  const minutes = Math.max(1, Math.ceil(seconds / 60));
  const message = `Too many attempts from your network. Please wait ${minutes} minute${minutes === 1 ? '' : 's'} and try again.`;
  if (wantsJson(req)) {
    res.status(429).json({ error: 'too_many_requests', message, retryAfterSeconds: seconds });
    return;
  }
  sendPage(res, 429, 'Too many attempts', html`<p role="alert">${message}</p>`);
}
