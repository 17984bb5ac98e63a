import { createHash } from 'node:crypto';
import type { Response } from 'express';

/**
 * The server-rendered pages (sign-in, patient choice, consent, sign-out, password reset): escaping,
 * one layout and style, safe headers. Used by smart/ and accounts/ so every page looks and behaves
 * the same.
 */

/** Escapes text for HTML element content and quoted attribute values (also ` and =, for unquoted mistakes). */
export function escapeHtml(value: string | number | undefined): string {
  return String(value ?? '').replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1b1f24;line-height:1.5}',
  'main{max-width:32rem;margin:2rem auto;padding:1.5rem 2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}',
  'h1{font-size:1.5rem;margin-top:0}label{display:block;font-weight:600;margin:1rem 0 .25rem}',
  '.hint{color:#4b5563;font-size:.9rem}',
  'input[type=email],input[type=password],input[type=search]{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #6b7280;border-radius:4px}',
  'fieldset{border:1px solid #d1d5db;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}legend{font-weight:600;padding:0 .25rem}',
  '.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}.choice label{font-weight:400;margin:0}.choice code{font-size:.8rem;color:#4b5563}',
  'button{font-size:1rem;padding:.6rem 1.2rem;border-radius:4px;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer;margin:1rem .5rem 0 0}',
  'button.secondary{background:#fff;color:#1d4ed8}button:focus,input:focus{outline:3px solid #f59e0b;outline-offset:2px}',
  '.error{border-left:4px solid #b91c1c;background:#fef2f2;padding:.5rem 1rem;margin:1rem 0}',
].join('');

const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * No scripts at all, no framing (clickjacking on the consent page), nothing but our own style. No
 * `form-action` by default: the sign-in page's "Sign in with <practice provider>" form is answered
 * with a redirect to that provider; pages whose forms stay on this server pass `formsStayHere`.
 */
const CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'`;

/** A whole page; `body` must already be escaped HTML. */
export function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
</body>
</html>`;
}

export function pageHeaders(options: { formsStayHere?: boolean } = {}): Record<string, string> {
  return {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': options.formsStayHere ? `${CSP}; form-action 'self'` : CSP,
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
  };
}

export function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set(pageHeaders()).send(html);
}
