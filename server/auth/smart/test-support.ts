import assert from 'node:assert/strict';
import express from 'express';
import type { RequestHandler } from 'express';
import * as oidc from 'openid-client';
import { pino } from 'pino';
import { PasswordAccountService } from '../accounts/account-service.ts';
import { createPasswordHasher } from '../accounts/password-hash.ts';
import { openTestEngine, startHttp, TEST_SCRYPT, testClock } from '../accounts/test-support.ts';
import { SqliteEngine } from '../../storage/sqlite/sqlite-engine.ts';
import type { TestEngine, TestHttpServer } from '../accounts/test-support.ts';
import type { Account, AccountKind } from '../accounts/account.ts';
import { fhirErrorHandler } from '../../fhir/rest/error-handler.ts';
import { bearerMiddleware } from './bearer.ts';
import type { ClientRegistration } from './clients.ts';
import { createSmartAuth } from './smart-auth.ts';
import type { SmartAuth } from './smart-auth.ts';
import type { SmartTtl } from './provider.ts';

/**
 * The SMART tests' harness: a real SQLite engine (temporary directory, movable clock), real
 * accounts (PasswordAccountService, cheap scrypt), createSmartAuth mounted at the root of an Express
 * app on a loopback HTTP server, and behind `bearer` two echo routes that answer what the middleware
 * concluded (`res.locals.grant`). A second bearer configured for another FHIR base URL stands for
 * "some other resource server": our tokens must not work there. Also: a tiny cookie-keeping browser
 * that walks the sign-in and consent pages, and openid-client configurations for relying parties.
 */
export const PASSWORD = 'correct horse battery staple';
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
  createAccount(kind: AccountKind, fhirUser: string, patients?: Array<{ id: string; display: string }>): Promise<Account & { password: string }>;
  /** Registers a public PKCE app (practice `practice-1`) redirecting to `redirectUri` (default: a loopback URL). */
  registerPublicApp(scope: string, extra?: Partial<ClientRegistration>): Promise<{ clientId: string; redirectUri: string }>;
  /** An openid-client configuration for the client (discovered from our issuer, plain http allowed). */
  rp(clientId: string, auth?: oidc.ClientAuth, metadata?: Partial<oidc.ClientMetadata>): Promise<oidc.Configuration>;
  /** GETs an echo route with the token: the status and JSON body (the grant the bearer set, or an OperationOutcome). */
  echo(token: string | undefined, where?: 'fhir' | 'other'): Promise<{ status: number; body: Record<string, unknown>; wwwAuthenticate: string | null }>;
  close(): Promise<void>;
}

export interface SmartServerOptions {
  ttl?: Partial<SmartTtl>;
  /** An existing SQLite file to serve (e.g. one a CLI wrote); default a fresh temporary one. */
  sqliteFile?: string;
  /** The token endpoints' per-IP limit (default: the production one). */
  tokenEndpointLimit?: { windowMs: number; limit: number };
}

/** A SQLite engine on an existing file with the same movable clock as openTestEngine's; the file is left in place. */
async function openExistingEngine(file: string): Promise<TestEngine> {
  const clock = testClock(Date.now());
  const engine = new SqliteEngine(file, { clock });
  await engine.open();
  return { engine, clock, close: () => engine.close() };
}

let accountCount = 0;

export async function startSmartServer(options: SmartServerOptions = {}): Promise<SmartServer> {
  // Real time as the starting point: oidc-provider and openid-client check token times against the wall clock.
  const t = options.sqliteFile ? await openExistingEngine(options.sqliteFile) : await openTestEngine('smart', Date.now());
  const logger = pino({ level: 'silent' });
  const accounts = new PasswordAccountService({ keyValue: t.engine.keyValue, clock: t.clock, hasher: createPasswordHasher(TEST_SCRYPT), logger });
  const patientsOf = new Map<string, Array<{ id: string; display: string }>>();
  const http: TestHttpServer = await startHttp();
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
  const other = bearerMiddleware({ provider: smart.provider, fhirBaseUrl: `${base}${OTHER_FHIR_PATH}`, clock: t.clock, logger, accounts });
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
      const account = await accounts.createAccount({ email, kind, fhirUser, name: `Test user ${accountCount}`, password: PASSWORD });
      if (patients) patientsOf.set(account.id, patients);
      return { ...account, password: PASSWORD };
    },
    async registerPublicApp(scope, extra = {}) {
      const redirectUri = extra.redirectUris?.[0] ?? 'http://127.0.0.1:9/app/callback';
      const { clientId } = await smart.registerClient({ practiceId: 'practice-1', name: 'Test app', kind: 'public', redirectUris: [redirectUri], scope, ...extra });
      return { clientId, redirectUri };
    },
    async rp(clientId, auth = oidc.None(), metadata = {}) {
      return oidc.discovery(new URL(base), clientId, metadata, auth, { execute: [oidc.allowInsecureRequests] });
    },
    async echo(token, where = 'fhir') {
      const url = where === 'fhir' ? `${fhirBase}${ECHO_PATH}` : `${base}${OTHER_FHIR_PATH}${ECHO_PATH}`;
      const response = await fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
      return { status: response.status, body: (await response.json()) as Record<string, unknown>, wwwAuthenticate: response.headers.get('www-authenticate') };
    },
    async close() {
      smart.stop();
      await http.close();
      await t.close();
    },
  };
  return server;
}

/**
 * A minimal browser: keeps our server's cookies, follows redirects to the authorization server's
 * own pages (/oauth/…) and stops at anything else, i.e. the app's redirect_uri (which may be on the
 * same origin, as for the first-party apps).
 */
export class Browser {
  readonly #origin: string;
  readonly #cookies = new Map<string, string>();

  constructor(serverBase: string) {
    this.#origin = new URL(serverBase).origin;
  }

  /** One request without following redirects. */
  async request(url: string, init: { method?: string; form?: Record<string, string | string[]> } = {}): Promise<Page> {
    const headers: Record<string, string> = {};
    const sameOrigin = new URL(url).origin === this.#origin;
    if (sameOrigin && this.#cookies.size) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: URLSearchParams | undefined;
    if (init.form) {
      body = new URLSearchParams();
      for (const [key, value] of Object.entries(init.form)) for (const v of [value].flat()) body.append(key, v);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, redirect: 'manual', ...(body ? { body } : {}) });
    if (sameOrigin) this.#keepCookies(response);
    const text = await response.text();
    return new Page(url, response.status, response.headers, text);
  }

  /** Requests `url` and follows redirects while they stay on the authorization server's pages; answers the last response. */
  async go(url: string, init: { method?: string; form?: Record<string, string | string[]> } = {}): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; page.location && this.#isAuthorizationServer(page.location); hops++) {
      assert.ok(hops < 20, 'too many redirects');
      page = await this.request(page.location);
    }
    return page;
  }

  /** Submits the page's form whose action ends with `/<step>` (login, patient, consent, abort), with its CSRF token. */
  submit(page: Page, step: string, fields: Record<string, string | string[]> = {}): Promise<Page> {
    const action = page.formAction(step);
    return this.go(action, { form: { csrf: page.csrf(), ...fields } });
  }

  #isAuthorizationServer(url: string): boolean {
    const parsed = new URL(url);
    return parsed.origin === this.#origin && parsed.pathname.startsWith('/oauth/');
  }

  #keepCookies(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || !value) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
}

export class Page {
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;

  constructor(url: string, status: number, headers: Headers, body: string) {
    this.url = url;
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  get location(): string | undefined {
    const location = this.headers.get('location');
    return location ? new URL(location, this.url).href : undefined;
  }

  get title(): string {
    return /<h1>([^<]*)<\/h1>/.exec(this.body)?.[1] ?? '';
  }

  csrf(): string {
    const match = /name="csrf" value="([^"]+)"/.exec(this.body);
    assert.ok(match, `no CSRF token on the page "${this.title}" (${this.status})`);
    return match[1]!;
  }

  formAction(step: string): string {
    const actions = [...this.body.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => decodeEntities(m[1]!));
    const action = actions.find((a) => a.endsWith(`/${step}`));
    assert.ok(action, `no "${step}" form on the page "${this.title}" (${this.status}): ${actions.join(', ')}`);
    return new URL(action, this.url).href;
  }

  /** The values of the checkboxes/radios named `name` (e.g. the scopes on the consent page). */
  choices(name: string): string[] {
    return [...this.body.matchAll(new RegExp(`name="${name}" value="([^"]+)"`, 'g'))].map((m) => decodeEntities(m[1]!));
  }
}

export interface PkceRequest {
  url: URL;
  verifier: string;
  challenge: string;
  state: string;
}

/** An authorization URL as a SMART app builds it: PKCE S256, state, aud = the FHIR base URL. */
export async function authorizationRequest(config: oidc.Configuration, params: Record<string, string>): Promise<PkceRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, { response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256', state, ...params });
  return { url, verifier, challenge, state };
}

/**
 * Signs in and, when asked, picks a patient and consents (ticking `grant` or everything offered):
 * answers the final redirect to the app (a URL on the app's redirect_uri).
 */
export async function signInAndConsent(
  browser: Browser,
  authorizeUrl: URL | string,
  user: { email: string; password: string },
  choices: { patient?: string; grant?: string[] } = {},
): Promise<{ redirect: URL; consentScopes?: string[] }> {
  let page = await browser.go(String(authorizeUrl));
  if (page.title === 'Sign in') page = await browser.submit(page, 'login', { email: user.email, password: user.password });
  if (page.title === 'Choose a patient') page = await browser.submit(page, 'patient', { patient: choices.patient ?? page.choices('patient')[0]! });
  let consentScopes: string[] | undefined;
  if (page.title === 'Allow access?') {
    consentScopes = page.choices('scope');
    page = await browser.submit(page, 'consent', { scope: choices.grant ?? consentScopes });
  }
  assert.ok(page.location, `expected a redirect to the app, got ${page.status} "${page.title}": ${page.body.slice(0, 500)}`);
  return { redirect: new URL(page.location), ...(consentScopes ? { consentScopes } : {}) };
}

/** POSTs a form to the token (or another) endpoint without any client library, for negative cases. */
export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}

/** Undoes the pages' escaping (html-layout.ts: numeric entities; named ones for good measure). */
function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
