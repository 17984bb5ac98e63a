import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import type { Logger } from 'pino';
import { outcome } from '../../fhir/outcomes.ts';
import { sendJson } from '../../fhir/rest/http.ts';
import type { Clock } from '../../storage/key-value-store.ts';
import type { TokenGrant } from '../principal.ts';
import { clientPractice } from './client-metadata.ts';

/**
 * The FHIR API's bearer-token check. `Authorization: Bearer <token>` must name an access token
 * (authorization code / refresh flows) or a client-credentials token (backend services) issued by our
 * provider, unexpired, for the FHIR base URL as audience, of a client that still exists and (for
 * user tokens) of a grant that was not revoked. It then sets `res.locals.grant` (a TokenGrant).
 * Otherwise: 401, `WWW-Authenticate: Bearer realm=…, error="invalid_token"` and an OperationOutcome.
 * A request without an Authorization header passes through without a grant (the FHIR layer decides
 * what is public).
 */
export interface BearerDeps {
  provider: Provider;
  fhirBaseUrl: string;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'error'>;
}

type Verdict = { grant: TokenGrant } | { problem: string; expired?: boolean };

interface StoredToken {
  kind: string;
  exp?: number;
  aud?: string | string[];
  clientId?: string;
  accountId?: string;
  grantId?: string;
  scope?: string;
  extra?: Record<string, unknown>;
  isSenderConstrained(): boolean;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

export function bearerMiddleware(deps: BearerDeps): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.headers.authorization;
    if (header === undefined) return next();
    try {
      const verdict = await verify(deps, header);
      if ('problem' in verdict) return unauthorized(res, deps.fhirBaseUrl, verdict.problem, verdict.expired);
      res.locals.grant = verdict.grant;
      next();
    } catch (err) {
      deps.logger.error({ err }, 'bearer token check failed');
      unauthorized(res, deps.fhirBaseUrl, 'The access token could not be checked');
    }
  };
}

async function verify(deps: BearerDeps, header: string): Promise<Verdict> {
  const match = BEARER.exec(header);
  if (!match) return { problem: 'The Authorization header must be "Bearer <access token>"' };
  const value = match[1]!;
  const { provider } = deps;
  const token = ((await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value))) as StoredToken | undefined;
  if (!token) return { problem: 'The access token is unknown, revoked or expired' };
  if (typeof token.exp !== 'number' || token.exp * 1000 <= deps.clock()) return { problem: 'The access token has expired', expired: true };
  const audiences = Array.isArray(token.aud) ? token.aud : [token.aud];
  if (!audiences.includes(deps.fhirBaseUrl)) return { problem: 'The access token is not for this FHIR server' };
  if (token.isSenderConstrained()) return { problem: 'Sender-constrained tokens are not accepted' };
  const client = token.clientId ? await provider.Client.find(token.clientId) : undefined;
  if (!client) return { problem: 'The access token belongs to an unknown client' };
  if (token.kind === 'AccessToken' && !(await grantIsValid(provider, token))) return { problem: 'The authorization behind the access token was revoked' };
  return { grant: toGrant(token, client) };
}

async function grantIsValid(provider: Provider, token: StoredToken): Promise<boolean> {
  if (!token.grantId) return false;
  const grant = await provider.Grant.find(token.grantId);
  return !!grant && grant.clientId === token.clientId && grant.accountId === token.accountId;
}

function toGrant(token: StoredToken, client: Client): TokenGrant {
  const grant: TokenGrant = { clientId: client.clientId, scope: token.scope ?? '' };
  // Read from the client as it is now (not copied into the token), so re-registering takes effect.
  const practice = clientPractice(client);
  if (practice) grant.clientPractice = practice;
  if (token.kind === 'AccessToken' && token.accountId) grant.accountId = token.accountId;
  const patient = token.extra?.patient;
  const encounter = token.extra?.encounter;
  if (typeof patient === 'string') grant.patient = patient;
  if (typeof encounter === 'string') grant.encounter = encounter;
  return grant;
}

function unauthorized(res: Response, realm: string, description: string, expired = false): void {
  const quoted = (text: string) => `"${text.replace(/["\\]/g, '')}"`;
  res.set('WWW-Authenticate', `Bearer realm=${quoted(realm)}, error="invalid_token", error_description=${quoted(description)}`);
  res.set('Cache-Control', 'no-store');
  sendJson(res, 401, outcome(expired ? 'expired' : 'login', description));
}
