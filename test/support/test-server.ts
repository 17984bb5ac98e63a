import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { createApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { SqliteEngine } from '../../server/storage/sqlite/sqlite-engine.ts';
import type { Repository } from '../../server/storage/repository.ts';
import type { App } from '../../server/app.ts';
import { actAs, authorizationFor, BackendTokens, forget, provisionPractice } from './practice-client.ts';
import type { PracticeClient } from './practice-client.ts';

/**
 * A real server for tests: the whole Express app on a fresh embedded store, listening on a free
 * loopback port. Tests talk to it over HTTP with fetch. By default `fhirFetch` acts as a backend
 * client of one practice (`practice`), with real tokens from the server's token endpoint; pass an
 * `authorization` header (or `anonymous: true`) to act otherwise.
 */
export interface TestServer {
  baseUrl: string;
  fhirUrl: string;
  /** The unscoped repository (seeding test data as the server itself would). */
  repo: Repository;
  app: App;
  /** The store under the app (what a request left behind: blob chunks, rows). */
  engine: SqliteEngine;
  practice: PracticeClient;
  tokens: BackendTokens;
  close(): Promise<void>;
}

/** `logger`: where the app logs (silent by default); the fuzz test keeps the errors behind a 500. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-test-'));
  const server = createServer();
  // The tests' client (fetch) and this server share one event loop. A test that computes
  // synchronously for longer than the server's keep-alive timeout (the search oracle's reference
  // evaluation on a loaded machine) lets the server's idle timer close a socket the client has just
  // picked for its next request: ECONNRESET. The client closes idle sockets itself; close() ends all.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = loadConfig({
    DATA_DIR: dataDir,
    PORT: String(port),
    BASE_URL: `http://127.0.0.1:${port}`,
    SEED_DEMO: 'false',
    ...env,
  });
  const engine = new SqliteEngine(join(dataDir, 'fhir.sqlite'));
  await engine.open();
  const app = await createApp({ config, engine, logger: options.logger ?? pino({ level: 'silent' }) });
  server.on('request', app.express);
  const practice = await provisionPractice(app);
  const tokens = new BackendTokens(config.baseUrl, practice);
  actAs(config.baseUrl, tokens);
  return {
    baseUrl: config.baseUrl,
    fhirUrl: config.fhirBaseUrl,
    repo: app.repo,
    app,
    engine,
    practice,
    tokens,
    close: async () => {
      forget(config.baseUrl);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await engine.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The TestServer of a describe block: read it inside its tests and hooks (not while the block is being declared). */
export interface SuiteServer {
  readonly server: TestServer;
  /** The server's FHIR base URL. */
  readonly F: string;
}

/**
 * Starts a TestServer in a `before` hook of the surrounding describe and closes it in an `after`
 * hook; a `before` the suite adds itself runs after the start, so it can seed data.
 */
export function testServerForSuite(env: Record<string, string> = {}, options: { logger?: Logger } = {}): SuiteServer {
  let server: TestServer | undefined;
  before(async () => {
    server = await startTestServer(env, options);
  });
  after(() => server?.close());
  const started = (): TestServer => {
    assert.ok(server, 'the suite server is read before its before hook started it');
    return server;
  };
  return {
    get server() {
      return started();
    },
    get F() {
      return started().fhirUrl;
    },
  };
}

export const FHIR_JSON = 'application/fhir+json';

/** fetch with FHIR JSON headers; returns status, headers and the parsed body (if any). */
export async function fhirFetch(
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; anonymous?: boolean } = {},
) {
  const headers: Record<string, string> = { accept: FHIR_JSON, ...init.headers };
  if (!init.anonymous && !Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
    const authorization = await authorizationFor(url);
    if (authorization) headers.authorization = authorization;
  }
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    headers['content-type'] ??= FHIR_JSON;
  }
  const res = await fetch(url, { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json };
}

/** Plain fetch, with the Authorization of the identity registered for the URL's server (see fhirFetch). */
export async function authedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const authorization = headers.has('authorization') ? undefined : await authorizationFor(url);
  if (authorization) headers.set('authorization', authorization);
  return fetch(url, { ...init, headers });
}
