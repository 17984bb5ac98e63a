import express from 'express';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type { Logger } from 'pino';
import { parseEmail } from './account-store.ts';
import { html, sendPage, wantsJson } from './html-page.ts';
import type { SafeHtml } from './html-page.ts';
import type { PasswordResets } from './password-reset.ts';
import { PASSWORD_RULES_TEXT } from './password-rules.ts';

/**
 * `/auth/forgot-password` and `/auth/reset-password`: server-rendered forms (they work without
 * JavaScript) that also accept JSON for the apps.
 *
 * CSRF: these forms carry no CSRF token on purpose. Neither acts with the authority of a signed-in
 * user: "forgot" only sends a link to the mailbox of the account (a forged request can at most send
 * someone a reset e-mail, which the per-IP and per-account limits bound), and "reset" only changes a
 * password for whoever holds the unguessable single-use token from that e-mail, which a cross-site
 * attacker does not have. No cookie is read or set here.
 */
export const AUTH_MOUNT_PATH = '/auth';

export interface AccountRoutesDeps {
  resets: PasswordResets;
  /** The per-IP limiter (rate-limit.ts), applied to the POSTs; share one instance with the sign-in form. */
  rateLimit?: RequestHandler;
  logger: Pick<Logger, 'error' | 'warn'>;
}

const BODY_LIMIT = '16kb';
const FORGOT_TITLE = 'Forgot your password?';
const RESET_TITLE = 'Choose a new password';

export function accountRoutes({ resets, rateLimit, logger }: AccountRoutesDeps): Router {
  const router = express.Router();
  const limited: RequestHandler[] = rateLimit ? [rateLimit] : [];
  const parseBody = [express.urlencoded({ extended: false, limit: BODY_LIMIT }), express.json({ limit: BODY_LIMIT })];
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  router.get('/forgot-password', (_req, res) => sendPage(res, 200, FORGOT_TITLE, forgotForm()));

  router.post('/forgot-password', ...limited, ...parseBody, (req, res) => {
    const typed = field(req, 'email');
    const email = parseEmail(typed);
    if (!email)
      return answer(
        req,
        res,
        400,
        FORGOT_TITLE,
        'invalid_email',
        'Enter your e-mail address, for example name@example.org.',
        forgotForm(typed, 'Enter your e-mail address, for example name@example.org.'),
      );
    // Not awaited: the answer and its timing must not depend on whether the account exists.
    void resets.request(email).catch((err: unknown) => logger.error({ err }, 'password-reset e-mail failed'));
    const message = `If an account uses ${email}, we sent it an e-mail with a link to choose a new password. The link works once, for ${resets.tokenTtlMinutes} minutes.`;
    answer(
      req,
      res,
      200,
      'Check your e-mail',
      'sent',
      message,
      html`<p role="status">${message}</p><p>No e-mail? Check your spam folder, or <a href="forgot-password">ask again</a>.</p>`,
    );
  });

  router.get('/reset-password', async (req, res) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (!(await resets.accountFor(token))) return sendPage(res, 400, 'Link not valid', badLink());
    sendPage(res, 200, RESET_TITLE, resetForm(token as string));
  });

  router.post('/reset-password', ...limited, ...parseBody, async (req, res) => {
    const token = field(req, 'token');
    const password = field(req, 'password');
    const confirm = field(req, 'confirm');
    if (confirm !== undefined && confirm !== password) {
      const message = 'The two passwords are not the same.';
      return answer(req, res, 400, RESET_TITLE, 'password_mismatch', message, resetForm(token ?? '', message));
    }
    const outcome = await resets.complete(token, password);
    if (outcome.ok) {
      const message =
        'Your password was changed, and every device and app signed in to your account was signed out. You can now sign in with the new password.';
      // Not a dead end: opening an app starts its sign-in (the apps are served by ops/static-apps.ts).
      return answer(
        req,
        res,
        200,
        'Password changed',
        'password_changed',
        message,
        html`<p role="status">${message}</p>
<p>Sign in again:</p>
<ul>
<li><a href="/portal/">Patient portal</a></li>
<li><a href="/console/">Practitioner console</a></li>
</ul>`,
      );
    }
    if (outcome.problem === 'token')
      return answer(req, res, 400, 'Link not valid', 'invalid_token', outcome.message, badLink());
    answer(req, res, 400, RESET_TITLE, 'weak_password', outcome.message, resetForm(token ?? '', outcome.message));
  });

  router.use(bodyErrors(logger));
  return router;
}

/** One string field of a urlencoded or JSON body; anything else (arrays, objects, numbers) is absent. */
function field(req: Request, name: string): string | undefined {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

function answer(
  req: Request,
  res: Response,
  status: number,
  title: string,
  code: string,
  message: string,
  body: SafeHtml,
): void {
  if (wantsJson(req)) {
    res.status(status).json(status < 400 ? { status: code, message } : { error: code, message });
    return;
  }
  sendPage(res, status, title, body);
}

function errorBlock(message: string | undefined): SafeHtml | undefined {
  return message ? html`<p class="error" role="alert" id="form-error">${message}</p>` : undefined;
}

function forgotForm(email = '', error?: string): SafeHtml {
  return html`${errorBlock(error)}
<p>Enter the e-mail address of your account. We will send you a link to choose a new password.</p>
<form method="post" action="forgot-password" novalidate>
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${email}"${error ? html` aria-invalid="true" aria-describedby="form-error"` : ''}>
<button type="submit">Send the link</button>
</form>`;
}

function resetForm(token: string, error?: string): SafeHtml {
  return html`${errorBlock(error)}
<form method="post" action="reset-password">
<input type="hidden" name="token" value="${token}">
<label for="password">New password</label>
<p class="hint" id="password-rules">${PASSWORD_RULES_TEXT}</p>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12" aria-describedby="password-rules${error ? ' form-error' : ''}">
<label for="confirm">New password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required minlength="12">
<button type="submit">Change my password</button>
</form>`;
}

function badLink(): SafeHtml {
  return html`<p class="error" role="alert">This password-reset link is not valid any more: it has expired, was already used, or is incomplete.</p>
<p><a href="forgot-password">Ask for a new link</a>.</p>`;
}

/** Malformed or oversized bodies are the client's mistake: a clear 4xx, never a 500. */
function bodyErrors(logger: Pick<Logger, 'error'>) {
  return (err: unknown, req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    const type = (err as { type?: unknown }).type;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message =
        type === 'entity.too.large'
          ? 'The request body is too large.'
          : type === 'entity.parse.failed'
            ? 'The request body is not valid JSON.'
            : 'The request body could not be read.';
      return answer(
        req,
        res,
        status,
        'Request not understood',
        'bad_request',
        message,
        html`<p class="error" role="alert">${message}</p>`,
      );
    }
    logger.error({ err }, 'account route failed');
    answer(
      req,
      res,
      500,
      'Something went wrong',
      'server_error',
      'Something went wrong on our side. Please try again later.',
      html`<p role="alert">Something went wrong on our side. Please try again later.</p>`,
    );
  };
}
