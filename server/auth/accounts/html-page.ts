import type { Response } from 'express';
import { escapeHtml, layout, pageHeaders } from '../html-layout.ts';

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

type Interpolated = SafeHtml | string | number | undefined | null | false | readonly Interpolated[];

function render(value: Interpolated): string {
  if (value === undefined || value === null || value === false) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((v: Interpolated) => render(v)).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolated[]): SafeHtml {
  return new SafeHtml(
    strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i] as Interpolated) : ''), ''),
  );
}

/** A complete page in the shared layout (html-layout.ts). */
export function page(title: string, body: SafeHtml): SafeHtml {
  return new SafeHtml(layout(title, body.value));
}

/**
 * Sends a page with the shared headers: no framing (clickjacking), no caching (it may hold a reset
 * token), no Referer (its URL may), no scripts; its forms post only to this server.
 */
export function sendPage(res: Response, status: number, title: string, body: SafeHtml): void {
  res
    .status(status)
    .set(pageHeaders({ formsStayHere: true }))
    .send(page(title, body).value);
}

/** True when the client asked for JSON (a JSON body, or JSON preferred over HTML). */
export function wantsJson(req: {
  is(type: string): string | false | null;
  accepts(types: string[]): string | false;
}): boolean {
  return Boolean(req.is('application/json')) || req.accepts(['text/html', 'application/json']) === 'application/json';
}
