import cors from 'cors';
import express from 'express';
import type { RequestHandler, Router } from 'express';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock, KeyValueStore } from '../../storage/key-value-store.ts';
import type { AccountService } from '../accounts/account.ts';
import type { AccessCaches } from '../../access/access-cache.ts';
import { normalizeAuthorizeRequest } from './authorize-request.ts';
import { bearerMiddleware } from './bearer.ts';
import { registerClient } from './clients.ts';
import type { ClientRegistration, RegisteredClient } from './clients.ts';
import { smartConfiguration, smartStyle, styleUrl } from './discovery.ts';
import { GrantContextStore } from './grant-context.ts';
import { interactionRouter } from './interaction-routes.ts';
import type { InteractionFederation } from './interaction-routes.ts';
import { InteractionStateStore } from './interaction-state.ts';
import type { PatientChoices } from './launch-resolution.ts';
import { LaunchStore } from './launch-store.ts';
import type { LaunchInput } from './launch-store.ts';
import { createProvider, DEFAULT_TTL } from './provider.ts';
import type { SmartTtl } from './provider.ts';
import { mountProvider } from './provider-mount.ts';
import { schedulePurge } from './purge-schedule.ts';
import { DISCOVERY_PATHS, ISSUER_ROUTES, SMART_CONFIGURATION_PATH, STYLE_PATH } from './routes.ts';
import { loadOrCreateSecrets } from './signing-keys.ts';
import { Passport } from 'passport';
import { createPasswordStrategy, PASSWORD_STRATEGY } from '../accounts/password-strategy.ts';
import { createAuthRateLimiter } from '../accounts/rate-limit.ts';
import type { PassportAuthenticator } from '../accounts/password-strategy.ts';

export interface SmartAuthOptions {
  /** The server's public URL (no trailing slash); it is the issuer. */
  baseUrl: string;
  /** `${baseUrl}/fhir/R4`: the only audience of access tokens. */
  fhirBaseUrl: string;
  keyValue: KeyValueStore;
  accounts: AccountService;
  /** The patients an account may act for; drives the standalone-launch patient picker. */
  patientChoices: PatientChoices;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** ms since the epoch; used for token expiry at the FHIR API and client-assertion lifetimes. */
  clock?: Clock;
  ttl?: Partial<SmartTtl>;
  /** Per-IP limit of sign-in attempts (accounts/rate-limit.ts), shared with the other auth routes. */
  signInLimiter: RequestHandler;
  /** Per-IP limit of requests to the token, introspection and revocation endpoints; default TOKEN_ENDPOINT_LIMIT. */
  tokenEndpointLimit?: { windowMs: number; limit: number };
  /** How often expired records are purged from the key-value store; default every 10 minutes. */
  purgeIntervalMs?: number;
  /** Sign-in through the app's practice's own OpenID provider (../federation/smart-federation.ts); default: none. */
  federation?: InteractionFederation;
  /** The process's access caches: the bearer check keeps verdicts there (decision 0017); default none. */
  accessCaches?: AccessCaches;
}

export interface SmartAuth {
  /** Mount at the application root, before the FHIR router (see README.md). */
  router: Router;
  /** Mount on /fhir/R4, before the FHIR router: sets res.locals.grant for valid bearer tokens. */
  bearer: RequestHandler;
  provider: Provider;
  registerClient(registration: ClientRegistration): Promise<RegisteredClient>;
  /** EHR launch: stores the context and answers the opaque `launch` value for the app's launch URL. */
  createLaunch(input: LaunchInput): Promise<string>;
  /** Stops the periodic purge of expired records. */
  stop(): void;
}

/**
 * Client secrets and assertions are guessed at the token endpoint, and codes and refresh tokens
 * replayed there: bounded per IP. Generous, because a practice's servers behind one address may
 * each fetch tokens (they live 5 minutes for backend services) and apps refresh.
 */
export const TOKEN_ENDPOINT_LIMIT = { windowMs: 60 * 1000, limit: 300 };

/** Builds the SMART-on-FHIR authorization server over the key-value store (see README.md). */
export async function createSmartAuth(options: SmartAuthOptions): Promise<SmartAuth> {
  const { baseUrl, fhirBaseUrl, keyValue, logger } = options;
  checkUrls(baseUrl, fhirBaseUrl, logger);
  const clock = options.clock ?? Date.now;
  const ttl: SmartTtl = { ...DEFAULT_TTL, ...options.ttl };
  const launches = new LaunchStore(keyValue);
  const grantContexts = new GrantContextStore(keyValue);
  const secrets = await loadOrCreateSecrets(keyValue);
  const provider = createProvider({
    baseUrl,
    fhirBaseUrl,
    keyValue,
    accounts: options.accounts,
    secrets,
    grantContexts,
    launches,
    ttl,
    clock,
    styleUrl: styleUrl(baseUrl),
  });
  provider.on('server_error', (_ctx, err) => logger.error({ err }, 'authorization server error'));

  const router = express.Router();
  router.use(openCorsPaths(fhirBaseUrl), openCors());
  router.get(`${new URL(fhirBaseUrl).pathname}${SMART_CONFIGURATION_PATH}`, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(smartConfiguration(baseUrl));
  });
  router.get(STYLE_PATH, (_req, res) => void res.set('Cache-Control', 'public, max-age=3600').json(smartStyle()));
  router.use(
    interactionRouter({
      provider,
      accounts: options.accounts,
      passport: passwordPassport(options.accounts),
      patientChoices: options.patientChoices,
      launches,
      grantContexts,
      states: new InteractionStateStore(keyValue),
      fhirBaseUrl,
      grantTtlSeconds: ttl.grant,
      signInLimiter: options.signInLimiter,
      logger,
      clock,
      ...(options.federation ? { federation: options.federation } : {}),
    }),
  );
  router.use(
    [ISSUER_ROUTES.token, ISSUER_ROUTES.introspection, ISSUER_ROUTES.revocation],
    tokenEndpointLimiter(options.tokenEndpointLimit ?? TOKEN_ENDPOINT_LIMIT),
  );
  router.use(normalizeAuthorizeRequest(ISSUER_ROUTES.authorization));
  router.use(mountProvider(provider, baseUrl));

  const purge = schedulePurge(keyValue, options.purgeIntervalMs ?? 10 * 60 * 1000, logger);
  return {
    router,
    bearer: bearerMiddleware({
      provider,
      fhirBaseUrl,
      clock,
      logger,
      accounts: options.accounts,
      ...(options.accessCaches ? { cache: options.accessCaches } : {}),
    }),
    provider,
    registerClient: (registration) => registerClient(provider, registration),
    createLaunch: (input) => launches.createLaunch(input),
    stop: () => purge.stop(),
  };
}

/** The endpoints browser apps call cross-origin (no cookies: they authenticate with tokens or PKCE). */
function openCorsPaths(fhirBaseUrl: string): string[] {
  return [
    `${new URL(fhirBaseUrl).pathname}${SMART_CONFIGURATION_PATH}`,
    STYLE_PATH,
    ...DISCOVERY_PATHS,
    ISSUER_ROUTES.token,
    ISSUER_ROUTES.introspection,
    ISSUER_ROUTES.revocation,
    ISSUER_ROUTES.jwks,
  ];
}

function openCors(): RequestHandler {
  return cors({
    origin: '*',
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept'],
    exposedHeaders: ['WWW-Authenticate'],
    maxAge: 3600,
  });
}

/** A Passport instance of its own (no global state, no sessions) with the password strategy. */
function passwordPassport(accounts: AccountService): PassportAuthenticator {
  const passport = new Passport();
  passport.use(PASSWORD_STRATEGY, createPasswordStrategy(accounts));
  return passport as unknown as PassportAuthenticator;
}

/** The per-IP limiter of accounts/rate-limit.ts, answering like an OAuth endpoint (the callers are programs). */
function tokenEndpointLimiter(limit: { windowMs: number; limit: number }): RequestHandler {
  return createAuthRateLimiter({
    ...limit,
    respond: (_req, res) => {
      res.set('Cache-Control', 'no-store').status(429).json({
        error: 'too_many_requests',
        error_description:
          'Too many requests to the token endpoints from this address; retry after the Retry-After delay',
      });
    },
  });
}

function checkUrls(baseUrl: string, fhirBaseUrl: string, logger: Pick<Logger, 'warn'>): void {
  const base = URL.parse(baseUrl);
  if (!base || base.search || base.hash || baseUrl.endsWith('/'))
    throw new Error(`createSmartAuth: baseUrl must be an absolute URL without a trailing slash, got ${baseUrl}`);
  if (!fhirBaseUrl.startsWith(`${baseUrl}/`))
    throw new Error(`createSmartAuth: fhirBaseUrl (${fhirBaseUrl}) must be under baseUrl (${baseUrl})`);
  if (base.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(base.hostname)) {
    logger.warn(
      { baseUrl },
      'THE AUTHORIZATION SERVER IS NOT ON HTTPS: tokens, passwords and cookies travel in clear text. Only acceptable for local development.',
    );
  }
}
