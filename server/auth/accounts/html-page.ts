import type { Response } from 'express';

/**
 * Server-rendered pages of the account flows (forgot/reset password, sign-in errors). Everything
 * interpolated with the `html` tag is escaped unless it is itself `html` output, so user input (an
 * e-mail typed in a form, a token from a link) can never become markup.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

type Interpolated = SafeHtml | string | number | undefined | null | false | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolated) => render(v)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i] as Interpolated) : ''), ''));
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;font-weight:600;margin-top:1rem}input{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box}
button{margin-top:1.5rem;font-size:1rem;padding:.6rem 1.2rem}.error{color:#a00000;border-left:4px solid #a00000;padding-left:.75rem}
.hint{color:#444;font-size:.9rem}`;

/** A complete, accessible document: language, title, one main landmark and a heading. */
export function page(title: string, body: SafeHtml): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

/**
 * Sends a page with headers that keep it from being framed (clickjacking), cached (it may hold a
 * reset token) or leaking its URL through the Referer header; scripts are not allowed at all.
 */
export function sendPage(res: Response, status: number, title: string, body: SafeHtml): void {
  res.status(status);
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  });
  res.send(page(title, body).value);
}

/** True when the client asked for JSON (a JSON body, or JSON preferred over HTML). */
export function wantsJson(req: { is(type: string): string | false | null; accepts(types: string[]): string | false }): boolean {
  return Boolean(req.is('application/json')) || req.accepts(['text/html', 'application/json']) === 'application/json';
}
