import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import type { Request, RequestHandler, Response, Router } from 'express';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { KeyValueStore } from '../../storage/key-value-store.ts';
import type { Account, AccountService } from '../accounts/account.ts';
import { html, sendPage } from '../accounts/html-page.ts';
import type { SafeHtml } from '../accounts/html-page.ts';
import { findLinkedAccountId, isEnrolled, linkIdentity } from './identity-links.ts';
import { getPracticeProvider, isPracticeId } from './practice-providers.ts';
import type { PracticeProvider } from './practice-providers.ts';

/**
 * Sign-in through a practice's own OpenID provider (authorization code flow with PKCE S256, state
 * and nonce), as a relying party built on openid-client:
 *
 * - `start(res, practiceId, binding)` keeps the flow's secrets server-side (namespace
 *   `federation-flow`, 10 minutes, keyed by a hash of `state`) and binds the flow to this browser
 *   with an HttpOnly cookie holding `state`, then redirects to the practice's provider. The SMART
 *   sign-in page calls it from a POST that carries the interaction's cookie and CSRF token
 *   (smart/interaction-routes.ts); the `binding` (which authorization-server interaction this
 *   sign-in completes, and where to send the person back) is kept in the flow record only, never
 *   read from the callback URL. There is no start without an interaction.
 * - `GET /auth/federated/callback` requires the cookie to match `state` (so an attacker cannot make
 *   a victim's browser finish the attacker's sign-in: login CSRF), uses the flow once (atomic
 *   `consume`), lets openid-client check the response (state, `iss`, code exchange with the PKCE
 *   verifier, ID token signature, audience, expiry and nonce), then maps the identity to one of our
 *   accounts (identity-links.ts) and hands it, with the flow's binding, to `onSignedIn`. No account
 *   is ever created here.
 *
 * URLs sent to the provider and checked against its answer are built from BASE_URL, never from the
 * request's Host header.
 */
export const FEDERATION_PATH = '/federated';
export const FLOW_NAMESPACE = 'federation-flow';
const COOKIE = 'portal_federation';
const SCOPE = 'openid email profile';

/** What a federated sign-in completes: one interaction of the authorization server. */
export interface InteractionBinding {
  /** The oidc-provider interaction uid (kept in the server-side flow record only). */
  interactionUid: string;
  /** A path on this server where a failed sign-in sends the person back (the interaction's sign-in page). */
  returnPath: string;
}

export interface SignInDetails {
  practiceId: string;
  issuer: string;
  /** The interaction the flow was started for (absent only in a flow record of an older version). */
  interaction?: InteractionBinding;
}

export interface FederatedSignIn {
  /** The callback; mount at `mountPath`. */
  router: Router;
  /** The practice's provider to offer, if the practice configured one. */
  providerFor(practiceId: string): Promise<PracticeProvider | undefined>;
  /**
   * Starts a sign-in at the practice's provider bound to `binding`, and answers `res` (a redirect to
   * the provider, or an error page). The caller must already have checked that the request belongs
   * to the interaction (its cookie and CSRF token).
   */
  start(res: Response, practiceId: string, binding: InteractionBinding): Promise<void>;
}

export interface FederatedSignInDeps {
  keyValue: KeyValueStore;
  accounts: AccountService;
  /** config.baseUrl: the redirect URI is `${baseUrl}/auth/federated/callback`. */
  baseUrl: string;
  /** config.production: plain-http providers are refused in production. */
  production: boolean;
  /** Finishes the sign-in (the authorization server completes its login interaction); must answer `res`. */
  onSignedIn: (req: Request, res: Response, account: Account, details: SignInDetails) => void | Promise<void>;
  /** The per-IP limiter (accounts/rate-limit.ts): each start writes a record, so unauthenticated starts are bounded. */
  rateLimit?: RequestHandler;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  flowTtlSeconds?: number;
  /** How long a provider's discovery document is reused. */
  discoveryCacheMs?: number;
  /** Mount path of this router; `/auth` unless told otherwise. */
  mountPath?: string;
}

/** The redirect URI to register at each practice's provider. */
export function federationRedirectUri(baseUrl: string, mountPath = '/auth'): string {
  return `${baseUrl}${mountPath}${FEDERATION_PATH}/callback`;
}

class SignInFailure extends Error {
  readonly status: number;
  readonly userMessage: string;
  /** Where the failure page links back to (the interaction's sign-in page), when known from the flow record. */
  returnPath?: string;
  constructor(status: number, userMessage: string, detail: string) {
    super(detail);
    this.status = status;
    this.userMessage = userMessage;
  }
}

/** Only a path on this server (no scheme, no host, no `//`): the failure page links to it. */
function isLocalPath(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith('/') &&
    !value.startsWith('//') &&
    !value.includes('\\') &&
    value.length <= 512
  );
}

export function createFederatedSignIn(deps: FederatedSignInDeps): FederatedSignIn {
  const { keyValue, baseUrl, logger, flowTtlSeconds = 600 } = deps;
  const redirectUri = federationRedirectUri(baseUrl, deps.mountPath);
  const cookiePath = new URL(`${deps.mountPath ?? '/auth'}${FEDERATION_PATH}`, baseUrl).pathname;
  const secureCookie = baseUrl.startsWith('https:');
  const discover = discoveryCache(deps.production, deps.discoveryCacheMs ?? 10 * 60_000);
  const router = express.Router();
  const limited: RequestHandler[] = deps.rateLimit ? [deps.rateLimit] : [];

  router.get(`${FEDERATION_PATH}/callback`, ...limited, async (req, res) => {
    try {
      const { account, details } = await finish(req, res);
      logger.info(
        { event: 'federated-sign-in', accountId: account.id, practiceId: details.practiceId },
        'federated sign-in',
      );
      await deps.onSignedIn(req, res, account, details);
    } catch (err) {
      fail(res, err);
    }
  });

  async function providerFor(practiceId: string): Promise<PracticeProvider | undefined> {
    return isPracticeId(practiceId) ? getPracticeProvider(keyValue, practiceId) : undefined;
  }

  async function start(res: Response, practiceId: string, binding: InteractionBinding): Promise<void> {
    try {
      if (!binding.interactionUid || !isLocalPath(binding.returnPath))
        throw new Error('start: invalid interaction binding');
      const provider = await providerFor(practiceId);
      if (!provider)
        throw new SignInFailure(
          404,
          'This practice does not offer sign-in with its own account system.',
          `no provider for practice ${practiceId}`,
        );
      const config = await discoverOrFail(provider);
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      await keyValue.upsert(
        FLOW_NAMESPACE,
        hash(state),
        { practiceId, codeVerifier, nonce, interactionUid: binding.interactionUid, returnPath: binding.returnPath },
        flowTtlSeconds,
      );
      res.cookie(COOKIE, state, {
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookie,
        path: cookiePath,
        maxAge: flowTtlSeconds * 1000,
      });
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: SCOPE,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      res.set('Cache-Control', 'no-store').redirect(303, url.href);
    } catch (err) {
      if (err instanceof SignInFailure) err.returnPath = binding.returnPath;
      fail(res, err);
    }
  }

  async function finish(req: Request, res: Response): Promise<{ account: Account; details: SignInDetails }> {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const cookieState = readCookie(req, COOKIE);
    res.clearCookie(COOKIE, { httpOnly: true, sameSite: 'lax', secure: secureCookie, path: cookiePath });
    const restart = 'This sign-in could not be completed. Please start again from the sign-in page.';
    if (!state || !cookieState || !sameText(state, cookieState))
      throw new SignInFailure(400, restart, 'state does not match the browser cookie');
    const flow = await keyValue.find(FLOW_NAMESPACE, hash(state));
    if (!flow || !(await keyValue.consume(FLOW_NAMESPACE, hash(state))))
      throw new SignInFailure(400, restart, 'unknown, expired or used state');
    const { practiceId, codeVerifier, nonce, interactionUid, returnPath } = flow.payload as Record<
      string,
      string | undefined
    >;
    const interaction = interactionUid && isLocalPath(returnPath) ? { interactionUid, returnPath } : undefined;
    try {
      const provider = await getPracticeProvider(keyValue, practiceId ?? '');
      if (!provider || !codeVerifier || !nonce)
        throw new SignInFailure(400, restart, `practice ${practiceId} has no provider any more`);
      const config = await discoverOrFail(provider);
      const claims = await exchange(config, provider, req, { state, codeVerifier, nonce });
      const account = await mapToAccount(provider, claims);
      return {
        account,
        details: { practiceId: provider.practiceId, issuer: claims.issuer, ...(interaction ? { interaction } : {}) },
      };
    } catch (err) {
      // From here on the flow record says which sign-in page the person came from: offer the way back.
      if (err instanceof SignInFailure && interaction) err.returnPath = interaction.returnPath;
      throw err;
    }
  }

  async function exchange(
    config: oidc.Configuration,
    provider: PracticeProvider,
    req: Request,
    flow: { state: string; codeVerifier: string; nonce: string },
  ) {
    const query = new URL(req.originalUrl, 'http://unused.invalid').search;
    // The URL the provider redirected to, rebuilt from BASE_URL (openid-client reads the parameters
    // and derives the redirect_uri it sends to the token endpoint from it).
    const currentUrl = new URL(`${redirectUri}${query}`);
    try {
      const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      if (!idToken) throw new Error('no ID token');
      let email = idToken.email;
      let emailVerified = idToken.email_verified;
      // Providers that follow OpenID's default put scope claims in UserInfo only, not in the ID token.
      if (email === undefined && config.serverMetadata().userinfo_endpoint) {
        const userInfo = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
        email = userInfo.email;
        emailVerified = userInfo.email_verified;
      }
      return {
        issuer: idToken.iss,
        sub: idToken.sub,
        email: typeof email === 'string' ? email : undefined,
        emailVerified: emailVerified === true,
      };
    } catch (err) {
      if (err instanceof oidc.AuthorizationResponseError && err.error === 'access_denied') {
        throw new SignInFailure(
          403,
          `The sign-in at ${provider.displayName} was cancelled or refused.`,
          `provider answered access_denied`,
        );
      }
      throw new SignInFailure(
        400,
        `The sign-in at ${provider.displayName} could not be verified. Please start again.`,
        `code exchange failed: ${errorText(err)}`,
      );
    }
  }

  async function mapToAccount(
    provider: PracticeProvider,
    identity: { issuer: string; sub: string; email?: string; emailVerified: boolean },
  ): Promise<Account> {
    const notLinked = new SignInFailure(
      403,
      `Your ${provider.displayName} account is not connected to an account here. Ask the practice to connect it, or sign in with your e-mail address and password.`,
      'external identity is not linked to an account',
    );
    const linkedId = await findLinkedAccountId(keyValue, identity.issuer, identity.sub);
    if (linkedId) {
      const account = await deps.accounts.findById(linkedId);
      if (!account) throw notLinked;
      return account;
    }
    if (!identity.email || !identity.emailVerified) throw notLinked;
    const account = await deps.accounts.findByEmail(identity.email);
    if (!account || !(await isEnrolled(keyValue, provider.practiceId, account.id))) throw notLinked;
    // From now on the (issuer, sub) link decides, even if the e-mail changes at either end.
    await linkIdentity(keyValue, identity.issuer, identity.sub, account.id);
    logger.info(
      { event: 'federated-identity-linked', accountId: account.id, practiceId: provider.practiceId },
      'external identity linked by verified e-mail',
    );
    return account;
  }

  async function discoverOrFail(provider: PracticeProvider): Promise<oidc.Configuration> {
    try {
      return await discover(provider);
    } catch (err) {
      throw new SignInFailure(
        502,
        `The sign-in service of ${provider.displayName} cannot be reached right now. Please try again later.`,
        `discovery failed: ${errorText(err)}`,
      );
    }
  }

  function fail(res: Response, err: unknown): void {
    if (err instanceof SignInFailure) {
      logger.warn(
        { event: 'federated-sign-in-failed', status: err.status, reason: err.message },
        'federated sign-in failed',
      );
      return sendPage(
        res,
        err.status,
        'Sign-in not completed',
        html`<p class="error" role="alert">${err.userMessage}</p>${wayBack(err.returnPath)}`,
      );
    }
    logger.error({ err }, 'federated sign-in failed unexpectedly');
    sendPage(
      res,
      500,
      'Sign-in not completed',
      html`<p class="error" role="alert">Something went wrong on our side. Please try again later.</p>`,
    );
  }

  return { router, providerFor, start: (res, practiceId, binding) => start(res, practiceId, binding) };
}

/** A failure page's link back to where the sign-in started (the SMART sign-in page of the interaction). */
export function wayBack(returnPath: string | undefined): SafeHtml | undefined {
  return isLocalPath(returnPath) ? html`<p><a href="${returnPath}">Back to the sign-in page</a></p>` : undefined;
}

/** Discovery results per practice, reused for a while and refreshed when the stored settings change. */
function discoveryCache(production: boolean, ttlMs: number) {
  const cache = new Map<string, { settings: string; config: Promise<oidc.Configuration>; until: number }>();
  return (provider: PracticeProvider): Promise<oidc.Configuration> => {
    const settings = JSON.stringify([
      provider.issuer,
      provider.clientId,
      provider.clientSecret,
      provider.tokenEndpointAuthMethod,
    ]);
    const cached = cache.get(provider.practiceId);
    if (cached && cached.settings === settings && cached.until > Date.now()) return cached.config;
    const auth =
      provider.tokenEndpointAuthMethod === 'client_secret_post'
        ? oidc.ClientSecretPost(provider.clientSecret)
        : oidc.ClientSecretBasic(provider.clientSecret);
    // Plain http only outside production (a developer's local provider); practice-providers.ts refuses it in production too.
    const options =
      !production && provider.issuer.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined;
    const config = oidc.discovery(new URL(provider.issuer), provider.clientId, undefined, auth, options);
    cache.set(provider.practiceId, { settings, config, until: Date.now() + ttlMs });
    config.catch(() => cache.delete(provider.practiceId)); // a failed discovery is retried next time
    return config;
  };
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      try {
        return decodeURIComponent(value.join('='));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

function sameText(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

function hash(state: string): string {
  return createHash('sha256').update(state).digest('base64url');
}

function errorText(err: unknown): string {
  if (err instanceof Error)
    return `${err.name}: ${err.message}${(err as { code?: string }).code ? ` (${(err as { code?: string }).code})` : ''}`;
  return String(err);
}
