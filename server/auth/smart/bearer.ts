import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import type { Logger } from 'pino';
import { FhirError, outcome } from '../../fhir/outcomes.ts';
import type { Clock } from '../../storage/key-value-store.ts';
import type { AccountService } from '../accounts/account.ts';
import { issuedBeforeEpoch } from '../accounts/credentials-epoch.ts';
import type { TokenGrant } from '../../access/principal.ts';
import { clientPractice, managesAccess } from './client-metadata.ts';

/**
 * The FHIR API's bearer-token check. `Authorization: Bearer <token>` must name an access token
 * (authorization code / refresh flows) or a client-credentials token (backend services) issued by our
 * provider, unexpired, for the FHIR base URL as audience, of a client that still exists and (for
 * user tokens) of a grant that was not revoked and an account whose password has not changed since
 * the token was issued (credentials-epoch.ts). It then sets `res.locals.grant` (a TokenGrant).
 * Otherwise it passes on a FhirError 401 (`WWW-Authenticate: Bearer realm=…, error="invalid_token"`), which the
 * error handler of the mount point answers with an OperationOutcome.
 * A request without an Authorization header passes through without a grant (the FHIR layer decides
 * what is public).
 */
export interface BearerDeps {
  provider: Provider;
  fhirBaseUrl: string;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Read at every user-token request: the account's credentials epoch lives in the shared store. */
  accounts: Pick<AccountService, 'findById'>;
}

type Verdict = { grant: TokenGrant } | { problem: string; expired?: boolean };

interface StoredToken {
  kind: string;
  /** Epoch seconds of issue. */
  iat?: number;
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
      if ('problem' in verdict) return next(invalidToken(deps.fhirBaseUrl, verdict.problem, verdict.expired));
      res.locals.grant = verdict.grant;
      next();
    } catch (err) {
      deps.logger.error({ err }, 'bearer token check failed');
      next(invalidToken(deps.fhirBaseUrl, 'The access token could not be checked'));
    }
  };
}

async function verify(deps: BearerDeps, header: string): Promise<Verdict> {
  const match = BEARER.exec(header);
  if (!match) return { problem: 'The Authorization header must be "Bearer <access token>"' };
  const value = match[1]!;
  const { provider } = deps;
  const token = ((await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value))) as
    StoredToken | undefined;
  if (!token) return { problem: 'The access token is unknown, revoked or expired' };
  if (typeof token.exp !== 'number' || token.exp * 1000 <= deps.clock())
    return { problem: 'The access token has expired', expired: true };
  const audiences = Array.isArray(token.aud) ? token.aud : [token.aud];
  if (!audiences.includes(deps.fhirBaseUrl)) return { problem: 'The access token is not for this FHIR server' };
  if (token.isSenderConstrained()) return { problem: 'Sender-constrained tokens are not accepted' };
  // Independent lookups, run together so a networked store adds one round trip, not three.
  const [client, userProblem] = await Promise.all([
    token.clientId ? provider.Client.find(token.clientId) : undefined,
    token.kind === 'AccessToken' ? userTokenProblem(deps, token) : undefined,
  ]);
  if (!client) return { problem: 'The access token belongs to an unknown client' };
  if (userProblem) return { problem: userProblem };
  return { grant: toGrant(token, client) };
}

/** A user token needs its grant and its account, and must postdate the account's last password change. */
async function userTokenProblem(deps: BearerDeps, token: StoredToken): Promise<string | undefined> {
  const [grantValid, account] = await Promise.all([
    grantIsValid(deps.provider, token),
    token.accountId ? deps.accounts.findById(token.accountId) : undefined,
  ]);
  if (!grantValid) return 'The authorization behind the access token was revoked';
  if (!account) return 'The account of the access token no longer exists';
  if (issuedBeforeEpoch(account, token.iat))
    return "The access token was issued before the account's password changed; sign in again";
  return undefined;
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
  if (managesAccess(client)) grant.clientManagesAccess = true;
  if (token.kind === 'AccessToken' && token.accountId) grant.accountId = token.accountId;
  const patient = token.extra?.patient;
  const encounter = token.extra?.encounter;
  if (typeof patient === 'string') grant.patient = patient;
  if (typeof encounter === 'string') grant.encounter = encounter;
  return grant;
}

/** The 401 of a refused token (RFC 6750 §3.1); the error handler of the mount point answers it. */
function invalidToken(realm: string, description: string, expired = false): FhirError {
  const quoted = (text: string) => `"${text.replace(/["\\]/g, '')}"`;
  return new FhirError(401, outcome(expired ? 'expired' : 'login', description), {
    'WWW-Authenticate': `Bearer realm=${quoted(realm)}, error="invalid_token", error_description=${quoted(description)}`,
    'Cache-Control': 'no-store',
  });
}
