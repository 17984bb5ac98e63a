import express from 'express';
import type { RequestHandler } from 'express';
import * as oidc from 'openid-client';
import { pino } from 'pino';
import type { Account, AccountKind } from '../../server/auth/accounts/account.ts';
import type { PasswordAccountService } from '../../server/auth/accounts/account-service.ts';
import { bearerMiddleware } from '../../server/auth/smart/bearer.ts';
import type { ClientRegistration } from '../../server/auth/smart/clients.ts';
import type { SmartTtl } from '../../server/auth/smart/provider.ts';
import { createSmartAuth } from '../../server/auth/smart/smart-auth.ts';
import type { SmartAuth } from '../../server/auth/smart/smart-auth.ts';
import { fhirErrorHandler } from '../../server/fhir/rest/error-handler.ts';
import { startHttp } from './loopback-http.ts';
import { openEngineOn, openTestEngine } from './repository-setup.ts';
import { authorizationRequest } from './smart-sign-in.ts';
import type { PkceRequest } from './smart-sign-in.ts';
import type { TestEngine } from './repository-setup.ts';
import { PASSWORD, testAccounts } from './test-accounts.ts';

/**
 * The SMART tests' harness: a real SQLite engine (temporary directory, movable clock), real
 * accounts (PasswordAccountService, cheap scrypt), createSmartAuth mounted at the root of an Express
 * app on a loopback HTTP server, and behind `bearer` two echo routes that answer what the middleware
 * concluded (`res.locals.grant`). A second bearer configured for another FHIR base URL stands for
 * "some other resource server": our tokens must not work there. Walk its pages with TestBrowser
 * (test-browser.ts) and smart-sign-in.ts.
 */
/** Where the echo routes live under the FHIR base URL and under the "other" resource server. */
export const ECHO_PATH = '/echo';
export const OTHER_FHIR_PATH = '/other/fhir';

export interface SmartServer {
  base: string;
  fhirBase: string;
  smart: SmartAuth;
  accounts: PasswordAccountService;
  t: TestEngine;
  /** The patients each account may act for (drives the patient picker). */
  patientsOf: Map<string, Array<{ id: string; display: string }>>;
  createAccount(
    kind: AccountKind,
    fhirUser: string,
    patients?: Array<{ id: string; display: string }>,
  ): Promise<Account & { password: string }>;
  /** Registers a public PKCE app (practice `practice-1`) redirecting to `redirectUri` (default: a loopback URL). */
  registerPublicApp(
    scope: string,
    extra?: Partial<ClientRegistration>,
  ): Promise<{ clientId: string; redirectUri: string }>;
  /**
   * What most flows start with: a public app registered for `scope`, its openid-client
   * configuration, and an authorization request for that same scope (aud = fhirBase, plus `params`).
   */
  appAuthorization(
    scope: string,
    params?: Record<string, string>,
  ): Promise<{ app: { clientId: string; redirectUri: string }; config: oidc.Configuration; request: PkceRequest }>;
  /** An openid-client configuration for the client (discovered from our issuer, plain http allowed). */
  rp(clientId: string, auth?: oidc.ClientAuth, metadata?: Partial<oidc.ClientMetadata>): Promise<oidc.Configuration>;
  /** GETs an echo route with the token: the status and JSON body (the grant the bearer set, or an OperationOutcome). */
  echo(
    token: string | undefined,
    where?: 'fhir' | 'other',
  ): Promise<{ status: number; body: Record<string, unknown>; wwwAuthenticate: string | null }>;
  close(): Promise<void>;
}

export interface SmartServerOptions {
  ttl?: Partial<SmartTtl>;
  /** An existing SQLite file to serve (e.g. one a CLI wrote); default a fresh temporary one. */
  sqliteFile?: string;
  /** The token endpoints' per-IP limit (default: the production one). */
  tokenEndpointLimit?: { windowMs: number; limit: number };
}

let accountCount = 0;

export async function startSmartServer(options: SmartServerOptions = {}): Promise<SmartServer> {
  // Real time as the starting point: oidc-provider and openid-client check token times against the wall clock.
  const t = options.sqliteFile
    ? await openEngineOn(options.sqliteFile, Date.now())
    : await openTestEngine('smart', Date.now());
  const logger = pino({ level: 'silent' });
  const accounts = testAccounts(t.engine.keyValue, { clock: t.clock, logger });
  const patientsOf = new Map<string, Array<{ id: string; display: string }>>();
  const http = await startHttp();
  const base = http.url;
  const fhirBase = `${base}/fhir/R4`;
  const passThrough: RequestHandler = (_req, _res, next) => next();
  const smart = await createSmartAuth({
    baseUrl: base,
    fhirBaseUrl: fhirBase,
    keyValue: t.engine.keyValue,
    accounts,
    patientChoices: async (accountId) => patientsOf.get(accountId) ?? [],
    logger,
    clock: t.clock,
    ...(options.ttl ? { ttl: options.ttl } : {}),
    signInLimiter: passThrough,
    ...(options.tokenEndpointLimit ? { tokenEndpointLimit: options.tokenEndpointLimit } : {}),
    purgeIntervalMs: 60 * 60 * 1000,
  });
  const echo: RequestHandler = (_req, res) => void res.json({ grant: res.locals.grant ?? null });
  const app = express();
  app.set('trust proxy', false);
  app.use(smart.router);
  app.get(`/fhir/R4${ECHO_PATH}`, smart.bearer, echo);
  const other = bearerMiddleware({
    provider: smart.provider,
    fhirBaseUrl: `${base}${OTHER_FHIR_PATH}`,
    clock: t.clock,
    logger,
    accounts,
  });
  app.get(`${OTHER_FHIR_PATH}${ECHO_PATH}`, other, echo);
  // The bearer check passes a refused token on as a FhirError; the FHIR error handler answers it, as on /fhir/R4.
  app.use(fhirErrorHandler(1024));
  http.setHandler(app);

  const server: SmartServer = {
    base,
    fhirBase,
    smart,
    accounts,
    t,
    patientsOf,
    async createAccount(kind, fhirUser, patients) {
      const email = `user${++accountCount}-${Date.now()}@example.org`;
      const account = await accounts.createAccount({
        email,
        kind,
        fhirUser,
        name: `Test user ${accountCount}`,
        password: PASSWORD,
      });
      if (patients) patientsOf.set(account.id, patients);
      return { ...account, password: PASSWORD };
    },
    async registerPublicApp(scope, extra = {}) {
      const redirectUri = extra.redirectUris?.[0] ?? 'http://127.0.0.1:9/app/callback';
      const { clientId } = await smart.registerClient({
        practiceId: 'practice-1',
        name: 'Test app',
        kind: 'public',
        redirectUris: [redirectUri],
        scope,
        ...extra,
      });
      return { clientId, redirectUri };
    },
    async appAuthorization(scope, params = {}) {
      const app = await server.registerPublicApp(scope);
      const config = await server.rp(app.clientId);
      const request = await authorizationRequest(config, {
        redirect_uri: app.redirectUri,
        scope,
        aud: fhirBase,
        ...params,
      });
      return { app, config, request };
    },
    async rp(clientId, auth = oidc.None(), metadata = {}) {
      return oidc.discovery(new URL(base), clientId, metadata, auth, { execute: [oidc.allowInsecureRequests] });
    },
    async echo(token, where = 'fhir') {
      const url = where === 'fhir' ? `${fhirBase}${ECHO_PATH}` : `${base}${OTHER_FHIR_PATH}${ECHO_PATH}`;
      const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        wwwAuthenticate: response.headers.get('www-authenticate'),
      };
    },
    async close() {
      smart.stop();
      await http.close();
      await t.close();
    },
  };
  return server;
}
