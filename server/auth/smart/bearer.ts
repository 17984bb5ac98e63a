import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import type { Logger } from 'pino';
import { FhirError, outcome } from '../../fhir/outcomes.ts';
import type { Clock } from '../../storage/key-value-store.ts';
import type { AccountService } from '../accounts/account.ts';
import { issuedBeforeEpoch } from '../accounts/credentials-epoch.ts';
import type { TokenGrant } from '../../access/principal.ts';
import { EPOCH_LOCAL, TOKEN_KEY_LOCAL, tokenKey } from '../../access/access-cache.ts';
import type { AccessCaches } from '../../access/access-cache.ts';
import { clientPractice, managesAccess } from './client-metadata.ts';

/**
 * The FHIR API's bearer-token check. `Authorization: Bearer <token>` must name an access token
 * (authorization code / refresh flows) or a client-credentials token (backend services) issued by our
 * provider, unexpired, for the FHIR base URL as audience, of a client that still exists and (for
 * user tokens) of a grant that was not revoked and an account whose password has not changed since
 * the token was issued (credentials-epoch.ts). It then sets `res.locals.grant` (a TokenGrant) and
 * `res.locals.tokenKey` (the token's SHA-256, access-cache.ts `tokenKey`: the cache's key and the
 * per-token rate limit's, one hash per request).
 * Otherwise it passes on a FhirError 401 (`WWW-Authenticate: Bearer realm=…, error="invalid_token"`), which the
 * error handler of the mount point answers with an OperationOutcome.
 * A request without an Authorization header passes through without a grant (the FHIR layer decides
 * what is public).
 *
 * With `cache`, a request first reads the access epoch (the one lookup of a request whose token is
 * cached) and leaves it in `res.locals.accessEpoch` for the access resolution; a token verified under
 * the same epoch is not looked up again until it, its grant or the cache entry expires (decision
 * 0017: a revocation, a password change or a client's removal starts a new epoch before it is
 * acknowledged, so the very next request checks the token again). Refused tokens are never cached.
 */
export interface BearerDeps {
  provider: Provider;
  fhirBaseUrl: string;
  clock: Clock;
  logger: Pick<Logger, 'warn' | 'error'>;
  /** Read at every user-token request: the account's credentials epoch lives in the shared store. */
  accounts: Pick<AccountService, 'findById'>;
  /** The process's access caches (server/access/access-cache.ts); without them every request looks up. */
  cache?: Pick<AccessCaches, 'readEpoch' | 'tokens'>;
}

/** `until`: ms since the epoch when the token or its grant expires (a cached verdict must not outlive it). */
type Verdict = { grant: TokenGrant; until: number } | { problem: string; expired?: boolean };

/** A verdict on a well-formed header, with the token's `tokenKey`. */
type Checked = Verdict & { key?: string };

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
      const verdict = await check(deps, header, res.locals);
      if ('problem' in verdict) return next(invalidToken(deps.fhirBaseUrl, verdict.problem, verdict.expired));
      res.locals.grant = verdict.grant;
      res.locals[TOKEN_KEY_LOCAL] = verdict.key;
      next();
    } catch (err) {
      deps.logger.error({ err }, 'bearer token check failed');
      next(invalidToken(deps.fhirBaseUrl, 'The access token could not be checked'));
    }
  };
}

/** The cached verdict of the token under the current epoch, else a full verification (cached when valid). */
async function check(deps: BearerDeps, header: string, locals: Record<string, unknown>): Promise<Checked> {
  const match = BEARER.exec(header);
  if (!match) return { problem: 'The Authorization header must be "Bearer <access token>"' };
  const value = match[1]!;
  // Hashed even without the cache: the per-token rate limit counts by it.
  const key = tokenKey(value);
  const { cache } = deps;
  if (!cache) return { ...(await verify(deps, value)), key };
  // The epoch is read before anything the cache is filled from (access-epoch.ts has the argument).
  const epoch = await cache.readEpoch();
  locals[EPOCH_LOCAL] = epoch;
  const cached = cache.tokens.get(key, epoch, deps.clock());
  if (cached) return { grant: cached, until: Number.POSITIVE_INFINITY, key };
  const verdict = await verify(deps, value);
  // Requests share a cached grant: frozen, so none can change another's.
  if ('grant' in verdict) cache.tokens.set(key, Object.freeze(verdict.grant), epoch, deps.clock(), verdict.until);
  return { ...verdict, key };
}

async function verify(deps: BearerDeps, value: string): Promise<Verdict> {
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
  const [client, user] = await Promise.all([
    token.clientId ? provider.Client.find(token.clientId) : undefined,
    token.kind === 'AccessToken' ? userTokenCheck(deps, token) : undefined,
  ]);
  if (!client) return { problem: 'The access token belongs to an unknown client' };
  if (typeof user === 'string') return { problem: user };
  return { grant: toGrant(token, client), until: Math.min(token.exp * 1000, user?.grantUntil ?? Infinity) };
}

/**
 * A user token needs its grant and its account, and must postdate the account's last password
 * change: a problem, or when the grant expires (ms since the epoch).
 */
async function userTokenCheck(deps: BearerDeps, token: StoredToken): Promise<string | { grantUntil: number }> {
  const [grant, account] = await Promise.all([
    validGrant(deps.provider, token),
    token.accountId ? deps.accounts.findById(token.accountId) : undefined,
  ]);
  if (!grant) return 'The authorization behind the access token was revoked';
  if (!account) return 'The account of the access token no longer exists';
  if (issuedBeforeEpoch(account, token.iat))
    return "The access token was issued before the account's password changed; sign in again";
  return { grantUntil: typeof grant.exp === 'number' ? grant.exp * 1000 : Infinity };
}

async function validGrant(provider: Provider, token: StoredToken): Promise<{ exp?: unknown } | undefined> {
  if (!token.grantId) return undefined;
  const grant = await provider.Grant.find(token.grantId);
  return grant && grant.clientId === token.clientId && grant.accountId === token.accountId ? grant : undefined;
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
