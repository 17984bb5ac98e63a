import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';

/**
 * Headers every response carries, whoever writes it (our routes, express.static, oidc-provider's Koa
 * app, the error pages):
 *
 * - `X-Content-Type-Options: nosniff`: a browser never guesses a type from the content (a JSON or
 *   text answer quoting user input is never run as a script or page);
 * - `Content-Security-Policy: DEFAULT_CSP` unless the response sets its own: the apps' pages
 *   (static-apps.ts APP_CSP) and the server-rendered pages (auth/html-layout.ts) do; anything else
 *   that turns out to be HTML (a redirect's body, a page of oidc-provider's) gets a policy that
 *   allows no inline script, no plugin, no framing. Set up front, so that oidc-provider's
 *   `form_post` page adds the hash of its one inline script to it (it does so only when a policy with
 *   `script-src` is already there), and checked again when the head is written, because Koa's error
 *   path clears the headers set before it.
 *
 * A CSP on a JSON answer is ignored by browsers; it costs a few bytes and needs no case for it.
 */
export const DEFAULT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'";

export function securityHeaders() {
  return (_req: Request, res: Response, next: NextFunction): void => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Security-Policy', DEFAULT_CSP);
    const writeHead = res.writeHead.bind(res) as (...a: unknown[]) => ServerResponse;
    // Node's writeHead(status, [reason], [headers]); headers given there are applied after ours.
    res.writeHead = function (this: ServerResponse<IncomingMessage>, ...args: unknown[]) {
      const given = args.find(
        (a): a is OutgoingHttpHeaders => typeof a === 'object' && a !== null && !Array.isArray(a),
      );
      if (!this.hasHeader('X-Content-Type-Options') && !has(given, 'x-content-type-options'))
        this.setHeader('X-Content-Type-Options', 'nosniff');
      if (!this.hasHeader('Content-Security-Policy') && !has(given, 'content-security-policy'))
        this.setHeader('Content-Security-Policy', DEFAULT_CSP);
      return writeHead(...args);
    } as typeof res.writeHead;
    next();
  };
}

function has(headers: OutgoingHttpHeaders | undefined, name: string): boolean {
  return !!headers && Object.keys(headers).some((key) => key.toLowerCase() === name);
}
