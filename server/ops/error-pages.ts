import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
// Brings pino-http's `req.log` and `req.id` into the Request type.
import type {} from 'pino-http';
import { escapeHtml, layout, sendPage } from '../auth/html-layout.ts';

/**
 * The last handlers of the app, for everything outside the FHIR API and the console's /api (which
 * answer OperationOutcomes: fhir/rest/error-handler.ts): a short page, the right status, whatever
 * NODE_ENV says. Never a stack trace, an exception message or a file path (Express's own final
 * handler shows all three outside production); the details go to the log, with the request id,
 * which the page shows so that a user can quote it.
 */

/** A path nothing serves: 404 (never Express's "Cannot GET /path", which echoes the path). */
export function notFoundPage() {
  return (req: Request, res: Response): void => {
    sendPage(res, 404, pageFor(404, req, 'There is nothing at this address.'));
  };
}

/** Any error no earlier handler answered: its 4xx status if it has one, else 500. */
export function errorPage() {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const status = statusOf(err);
    if (status >= 500) req.log?.error({ err }, 'request failed');
    // The name and kind only: messages can quote the body (JSON.parse does), which never goes to the log.
    else req.log?.warn({ status, error: errorName(err) }, 'request refused');
    if (res.headersSent) {
      res.end();
      return;
    }
    const text =
      status >= 500
        ? 'Something went wrong on our side. Please try again later.'
        : 'The request could not be understood.';
    sendPage(res, status, pageFor(status, req, text));
  };
}

function statusOf(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown } | undefined;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.statusCode === 'number' ? e.statusCode : 500;
  return Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

function errorName(err: unknown): string {
  const type = (err as { type?: unknown } | undefined)?.type;
  const name = err instanceof Error ? err.name : typeof err;
  return typeof type === 'string' ? `${name} (${type})` : name;
}

function pageFor(status: number, req: Request, text: string): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  const id = typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : undefined;
  const reference = id ? `<p class="hint">Reference: <code>${escapeHtml(id)}</code></p>` : '';
  return layout(title, `<p>${escapeHtml(text)}</p>${reference}<p><a href="/">Home</a></p>`);
}
