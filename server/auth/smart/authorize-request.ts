import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { sendPage } from '../html-layout.ts';
import { messagePage } from './interaction-pages.ts';

/**
 * Two adjustments made to authorization requests before oidc-provider sees them:
 *
 * 1. `offline_access`: oidc-provider follows OpenID Connect Core §11 and drops `offline_access`
 *    unless the request says `prompt=consent`. SMART apps ask for `offline_access` without a
 *    prompt, and this server asks for consent on every authorization anyway, so `consent` is added
 *    to the prompt of such requests (unless the app said `prompt=none`, which then fails with
 *    `consent_required` as it must).
 * 2. `authorize-post`: a form-encoded POST is handed to the provider as the equivalent GET (an
 *    in-process rewrite, nothing is redirected), so both methods share one code path and the
 *    provider does not need its POST mode (which requires SameSite=None session cookies).
 */
export const MAX_AUTHORIZE_BODY = '56kb';

const readForm = express.text({ type: () => true, limit: MAX_AUTHORIZE_BODY });

export function normalizeAuthorizeRequest(authorizePath: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.path !== authorizePath) return next();
    if (req.method === 'GET') return rewriteGet(req, next);
    if (req.method === 'POST') return rewritePost(req, res, next);
    next();
  };
}

function rewriteGet(req: Request, next: NextFunction): void {
  const query = req.url.indexOf('?');
  if (query < 0) return next();
  const params = new URLSearchParams(req.url.slice(query + 1));
  if (addConsentPrompt(params)) req.url = `${req.url.slice(0, query)}?${params}`;
  next();
}

function rewritePost(req: Request, res: Response, next: NextFunction): void {
  if (!req.is('application/x-www-form-urlencoded')) {
    sendPage(
      res,
      400,
      messagePage(
        'Bad authorization request',
        'An authorization request sent by POST must be form-encoded (application/x-www-form-urlencoded).',
      ),
    );
    return;
  }
  readForm(req, res, (err?: unknown) => {
    if (err) {
      sendPage(res, 413, messagePage('Bad authorization request', 'The authorization request is too large.'));
      return;
    }
    const params = new URLSearchParams(typeof req.body === 'string' ? req.body : '');
    addConsentPrompt(params);
    req.method = 'GET';
    req.url = `${req.path}?${params}`;
    delete req.headers['content-type'];
    delete req.headers['content-length'];
    delete req.headers['transfer-encoding'];
    next();
  });
}

/** Adds `consent` to the prompt of a request asking for offline_access; true when it changed. */
export function addConsentPrompt(params: URLSearchParams): boolean {
  const scopes = (params.get('scope') ?? '').split(' ');
  if (!scopes.includes('offline_access') || params.getAll('prompt').length > 1) return false;
  const prompts = (params.get('prompt') ?? '').split(' ').filter(Boolean);
  if (prompts.includes('none') || prompts.includes('consent')) return false;
  params.set('prompt', [...prompts, 'consent'].join(' '));
  return true;
}
