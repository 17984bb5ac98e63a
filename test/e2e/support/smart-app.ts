import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A tiny third-party SMART app, served by its own loopback HTTP server: a different origin from the
 * FHIR server (host `localhost` and its own port, where the FHIR server is on 127.0.0.1), as a real
 * app hosted elsewhere would be. It is plain HTML on the SMART Health IT `fhirclient` library's
 * browser build (node_modules/fhirclient/build/fhir-client.js, the global `FHIR`):
 *
 * - `/<app>/launch.html`: `FHIR.oauth2.authorize({ clientId, scope, redirectUri, iss })`; for a
 *   standalone launch the app's configured `iss`, for an EHR launch the `iss` and `launch` URL
 *   parameters (fhirclient reads them itself);
 * - `/<app>/index.html` (the redirect URI): `FHIR.oauth2.ready()`, then every configured read through
 *   `client.request(query, { pageLimit: 0, flat: true })` (every page, entries flattened), and
 *   the outcome as JSON in `<pre id="result" data-done="1">`:
 *   `{ patient, encounter, fhirUser, scope, needPatientBanner, reads: { [query]: { keys: ['Type/id', …] } | { error, status } } }`
 *   or `{ error }` when the launch itself failed.
 *
 * Several apps (one per registered client: each has a fixed client id, scope set and redirect
 * URI) share the server, each under its own path. `{patient}` in a read is replaced with the
 * launch context's patient id.
 */
export interface AppConfig {
  clientId: string;
  scope: string;
  /** Standalone launch: the FHIR server to launch against. EHR launch: leave out (taken from the URL). */
  iss?: string;
  reads: string[];
}

export interface AppResult {
  error?: string;
  patient?: string | null;
  encounter?: string | null;
  fhirUser?: string | null;
  scope?: string;
  needPatientBanner?: boolean;
  reads: Record<string, { keys?: string[]; error?: string; status?: number }>;
}

export interface SmartAppServer {
  origin: string;
  /** The redirect URI of the app at `name` (register it exactly). */
  redirectUri(name: string): string;
  launchUrl(name: string, params?: Record<string, string>): string;
  add(name: string, config: AppConfig): void;
  close(): Promise<void>;
}

const FHIR_CLIENT_JS = fileURLToPath(new URL('../../../node_modules/fhirclient/build/fhir-client.js', import.meta.url));

export async function startSmartApp(): Promise<SmartAppServer> {
  const library = readFileSync(FHIR_CLIENT_JS);
  const apps = new Map<string, AppConfig>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/fhir-client.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(library);
      return;
    }
    const match = /^\/([a-z0-9-]+)\/(launch|index)\.html$/.exec(url.pathname);
    const config = match ? apps.get(match[1]!) : undefined;
    if (!match || !config) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const page = match[2] === 'launch' ? launchPage(config, redirectUri(match[1]!)) : indexPage(config);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(page);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  const redirectUri = (name: string) => `${origin}/${name}/index.html`;
  return {
    origin,
    redirectUri,
    launchUrl: (name, params = {}) => {
      const url = new URL(`${origin}/${name}/launch.html`);
      for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
      return url.href;
    },
    add: (name, config) => void apps.set(name, config),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** JSON for a <script> block (no `</script>` breaking out). */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c');
}

function launchPage(config: AppConfig, redirectUri: string): string {
  const options = {
    clientId: config.clientId,
    scope: config.scope,
    redirectUri,
    ...(config.iss ? { iss: config.iss } : {}),
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Launching…</title>
<script src="/fhir-client.js"></script></head>
<body><p>Launching…</p><pre id="result"></pre>
<script>
FHIR.oauth2.authorize(${scriptJson(options)}).catch(function (e) {
  var out = document.getElementById('result');
  out.textContent = JSON.stringify({ error: String((e && e.message) || e), reads: {} });
  out.dataset.done = '1';
});
</script></body></html>`;
}

function indexPage(config: AppConfig): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Test SMART app</title>
<script src="/fhir-client.js"></script></head>
<body><h1>Test SMART app</h1><pre id="result"></pre>
<script>
var READS = ${scriptJson(config.reads)};
var out = document.getElementById('result');
function done(value) { out.textContent = JSON.stringify(value); out.dataset.done = '1'; }
FHIR.oauth2.ready().then(async function (client) {
  var result = {
    patient: client.patient.id, encounter: client.encounter.id,
    fhirUser: client.user.fhirUser, scope: client.state.tokenResponse.scope,
    needPatientBanner: client.state.tokenResponse.need_patient_banner, reads: {}
  };
  for (var i = 0; i < READS.length; i++) {
    var query = READS[i].replace('{patient}', client.patient.id || '');
    try {
      var got = await client.request(query, { pageLimit: 0, flat: true });
      var list = Array.isArray(got) ? got : [got];
      result.reads[READS[i]] = { keys: list.map(function (r) { return r.resourceType + '/' + r.id; }).sort() };
    } catch (e) {
      result.reads[READS[i]] = { error: String((e && e.message) || e), status: (e && e.status) || 0 };
    }
  }
  done(result);
}).catch(function (e) { done({ error: String((e && e.message) || e), reads: {} }); });
</script></body></html>`;
}
