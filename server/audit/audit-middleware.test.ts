import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { AuditEvent, Patient } from '@medplum/fhirtypes';
import { pino } from 'pino';
import { OWNER_SYSTEM } from '../access/access-index.ts';
import { accessScopeFor, publicScope } from '../access/access-policy.ts';
import type { Principal } from '../access/principal.ts';
import { buildCapabilityStatement } from '../fhir/operations/capability-statement.ts';
import { fhirRouter } from '../fhir/rest/fhir-router.ts';
import { ROUTES } from '../fhir/rest/routes.ts';
import { requestLogger } from '../ops/logging.ts';
import type { Repository } from '../storage/repository.ts';
import { auditMiddleware } from './audit-middleware.ts';
import type { AuditSink } from './audit-middleware.ts';
import type { AuditRecord } from './audit-record.ts';
import { AuditTrail } from './audit-trail.ts';
import { captureLog } from '../../test/support/capture-log.ts';
import { eventually } from '../../test/support/eventually.ts';
import { openTestStore, searchIds, TEST_BASE_URL } from '../../test/support/repository-setup.ts';
import type { TestStore } from '../../test/support/repository-setup.ts';
import { TestTrailStore } from '../../test/support/test-trail-store.ts';

/**
 * The FHIR endpoint as server/app.ts assembles it (pino-http request ids, the real router with the
 * real access policy on a real SQLite store) with the audit middleware in front. The bearer-token
 * middleware is replaced by one that reads the Principal from the token itself (base64url JSON):
 * `Bearer bad` is refused with 401 as the real one refuses an invalid token.
 */
const LIMITS = {
  bodyBytes: 1024 * 1024,
  jsonDepth: 64,
  searchDefaultCount: 20,
  searchMaxCount: 1000,
  searchMaxOrValues: 100,
  bundleMaxEntries: 100,
};
const ALL: Principal['scopes'] = [{ context: 'user', resourceType: '*', interactions: ['c', 'r', 'u', 'd', 's'] }];
const alice: Principal = {
  kind: 'practitioner',
  subject: 'acct-alice',
  clientId: 'console',
  fhirUser: 'Practitioner/alice',
  practices: ['org-a'],
  patients: [],
  scopes: ALL,
};

function tokenOf(principal: Principal): string {
  return `Bearer ${Buffer.from(JSON.stringify(principal)).toString('base64url')}`;
}

const fakeBearer: RequestHandler = (req, res, next) => {
  const header = req.headers.authorization;
  if (!header) return next();
  try {
    const principal = JSON.parse(
      Buffer.from(header.slice('Bearer '.length), 'base64url').toString('utf8'),
    ) as Principal;
    res.locals.grant = { clientId: principal.clientId, accountId: principal.subject, scope: 'user/*.cruds' };
    res.locals.testPrincipal = principal;
    next();
  } catch {
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer error="invalid_token"')
      .json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
  }
};

function fhirApp(repo: Repository, store: TestStore, audit: RequestHandler | undefined): express.Express {
  const app = express();
  app.set('query parser', 'simple');
  app.set('trust proxy', false);
  app.use(requestLogger(pino({ level: 'silent' })));
  const accessFor = async (_req: Request, res: Response) => {
    const principal = res.locals.testPrincipal as Principal | undefined;
    if (!principal) return publicScope();
    res.locals.principal = principal;
    return accessScopeFor(principal, { fhirBaseUrl: TEST_BASE_URL });
  };
  const capability = buildCapabilityStatement(ROUTES, { baseUrl: TEST_BASE_URL, software: 'test', version: '0' });
  const router = fhirRouter(
    { repo, validator: store.validator, config: { fhirBaseUrl: TEST_BASE_URL, limits: LIMITS }, accessFor },
    capability,
  );
  const chain: RequestHandler[] = audit ? [audit, fakeBearer, router] : [fakeBearer, router];
  app.use('/fhir/R4', ...chain);
  return app;
}

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir/R4`, server };
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

interface Call {
  method?: string;
  as?: Principal | 'bad';
  body?: unknown;
  form?: string;
  headers?: Record<string, string>;
}

async function call(url: string, { method = 'GET', as, body, form, headers = {} }: Call = {}) {
  const h: Record<string, string> = { accept: 'application/fhir+json', ...headers };
  if (as) h.authorization = as === 'bad' ? 'Bearer bad' : tokenOf(as);
  if (body !== undefined) h['content-type'] = 'application/fhir+json';
  if (form !== undefined) h['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method,
    headers: h,
    body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

/** A sink that collects records (the middleware's only dependency). */
class ListSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  record(entry: AuditRecord): void {
    this.records.push(entry);
  }
}

describe('audit middleware on the FHIR endpoint', () => {
  let store: TestStore;
  let sink: ListSink;
  let url: string;
  let server: Server;
  let patientA: Patient;
  let patientB: Patient;

  before(async () => {
    store = await openTestStore();
    patientA = (
      await store.repo.create<Patient>({
        resourceType: 'Patient',
        meta: { tag: [{ system: OWNER_SYSTEM, code: 'org-a' }] },
        name: [{ family: 'Able' }],
      })
    ).resource;
    patientB = (
      await store.repo.create<Patient>({
        resourceType: 'Patient',
        meta: { tag: [{ system: OWNER_SYSTEM, code: 'org-b' }] },
        name: [{ family: 'Baker' }],
      })
    ).resource;
    sink = new ListSink();
    ({ url, server } = await listen(
      fhirApp(
        store.repo,
        store,
        auditMiddleware(sink, { logger: pino({ level: 'silent' }), fhirBaseUrl: TEST_BASE_URL }),
      ),
    ));
  });
  after(async () => {
    await stop(server);
    await store.close();
  });
  beforeEach(() => {
    sink.records.length = 0;
  });

  /** The record of the one request just made (the 'finish' listener may run just after fetch resolves). */
  async function only(): Promise<AuditRecord> {
    await eventually(() => sink.records.length > 0);
    assert.equal(sink.records.length, 1, JSON.stringify(sink.records));
    return sink.records[0] as AuditRecord;
  }

  it('200: a read, with the caller, the app, the target, the peer and the request id', async () => {
    const res = await call(`${url}/Patient/${patientA.id}`, { as: alice, headers: { 'x-request-id': 'trace-42' } });
    assert.equal(res.status, 200);
    const r = await only();
    assert.equal(r.interaction, 'read');
    assert.equal(r.action, 'R');
    assert.equal(r.outcome, 200);
    assert.equal(r.entity, `Patient/${patientA.id}`);
    assert.deepEqual(r.who, {
      subject: 'acct-alice',
      kind: 'practitioner',
      clientId: 'console',
      fhirUser: 'Practitioner/alice',
      practices: ['org-a'],
    });
    assert.equal(r.requestId, 'trace-42');
    assert.equal(res.headers.get('x-request-id'), 'trace-42');
    assert.match(r.ip ?? '', /127\.0\.0\.1/);
    assert.ok(Math.abs(Date.parse(r.at) - Date.now()) < 5000);
  });

  it('201: a create, with the id the server chose', async () => {
    const res = await call(`${url}/Patient`, {
      method: 'POST',
      as: alice,
      body: { resourceType: 'Patient', name: [{ family: 'New' }] },
    });
    assert.equal(res.status, 201);
    const r = await only();
    assert.equal(r.interaction, 'create');
    assert.equal(r.action, 'C');
    assert.equal(r.entity, `Patient/${res.json.id}`);
  });

  it("404: another practice's patient is recorded as the attempt it was", async () => {
    const res = await call(`${url}/Patient/${patientB.id}`, { as: alice });
    assert.equal(res.status, 404);
    const r = await only();
    assert.equal(r.outcome, 404);
    assert.equal(r.entity, `Patient/${patientB.id}`);
  });

  it('403: a write about a patient the caller cannot reach', async () => {
    const res = await call(`${url}/Observation`, {
      method: 'POST',
      as: alice,
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: `Patient/${patientB.id}` },
      },
    });
    assert.equal(res.status, 403);
    const r = await only();
    assert.equal(r.outcome, 403);
    assert.equal(r.interaction, 'create');
    assert.equal(r.entity, 'Observation');
  });

  it('401: an invalid token is recorded as an anonymous attempt; so is an anonymous write', async () => {
    assert.equal((await call(`${url}/Patient/${patientA.id}`, { as: 'bad' })).status, 401);
    const r = await only();
    assert.equal(r.outcome, 401);
    assert.equal(r.who, undefined);
    sink.records.length = 0;
    assert.equal((await call(`${url}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } })).status, 401);
    assert.equal((await only()).who, undefined);
  });

  it('a request that succeeded on one resource carries its owner and patients, as the handler resolved them; failures, 304s and searches carry none', async () => {
    const a = patientA.id as string;
    const inA = { targetOwner: 'org-a', patients: [a] };
    /** The context of the one record of this request (undefined: none). */
    const contextOf = async (path: string, init: Call = {}): Promise<unknown> => {
      sink.records.length = 0;
      const res = await call(`${url}${path}`, { as: alice, ...init });
      assert.ok(res.status < 300 || res.status === 304 || res.status >= 400, `${path}: ${res.status}`);
      return (await only()).context;
    };
    const obs = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'pulse' },
      subject: { reference: `${TEST_BASE_URL}/Patient/${a}` },
    };
    sink.records.length = 0;
    const created = await call(`${url}/Observation`, { method: 'POST', as: alice, body: obs });
    assert.equal(created.status, 201);
    assert.deepEqual((await only()).context, inA, 'create (an absolute reference to this server counts)');
    const o = `/Observation/${created.json.id}`;
    assert.deepEqual(await contextOf(o), inA, 'read');
    assert.equal(
      await contextOf(o, { headers: { 'if-none-match': created.headers.get('etag') as string } }),
      undefined,
    );
    assert.deepEqual(await contextOf(`${o}/_history/1`), inA, 'vread');
    const updated = { ...created.json, status: 'amended' };
    assert.deepEqual(await contextOf(o, { method: 'PUT', body: updated }), inA, 'update');
    const patch = [{ op: 'replace', path: '/status', value: 'corrected' }];
    sink.records.length = 0;
    const patched = await fetch(`${url}${o}`, {
      method: 'PATCH',
      headers: { authorization: tokenOf(alice), 'content-type': 'application/json-patch+json' },
      body: JSON.stringify(patch),
    });
    assert.equal(patched.status, 200);
    assert.deepEqual((await only()).context, inA, 'patch');
    assert.deepEqual(await contextOf(`${o}/_history`), inA, 'history of the instance');
    assert.deepEqual(await contextOf(o, { method: 'DELETE' }), inA, 'delete: the version deleted');
    assert.deepEqual(await contextOf(o, { method: 'DELETE' }), inA, 'a second delete: the last version');
    assert.equal(await contextOf(o), undefined, '410');
    assert.deepEqual(await contextOf(`/Patient/${a}`), inA, 'a Patient is in its own compartment');
    assert.deepEqual(await contextOf(`/Patient/${a}/$everything`), inA, '$everything');
    assert.deepEqual(await contextOf(`/Patient/${a}/$validate`), inA, '$validate of the stored version');
    assert.equal(await contextOf(`/Patient/${patientB.id}`), undefined, 'a 404');
    assert.equal(await contextOf(`/Observation?subject=Patient/${a}`), undefined, 'a search');
  });

  it('410: a read of a deleted resource', async () => {
    const created = await call(`${url}/Patient`, { method: 'POST', as: alice, body: { resourceType: 'Patient' } });
    assert.equal((await call(`${url}/Patient/${created.json.id}`, { method: 'DELETE', as: alice })).status, 200);
    await eventually(() => sink.records.length === 2);
    assert.equal(sink.records[1]?.interaction, 'delete');
    sink.records.length = 0;
    assert.equal((await call(`${url}/Patient/${created.json.id}`, { as: alice })).status, 410);
    assert.equal((await only()).outcome, 410);
  });

  it('searches keep their query (GET and form-encoded POST)', async () => {
    assert.equal((await call(`${url}/Patient?family=Able&_count=5`, { as: alice })).status, 200);
    const r = await only();
    assert.equal(r.interaction, 'search-type');
    assert.equal(r.action, 'E');
    assert.equal(r.query, 'family=Able&_count=5');
    sink.records.length = 0;
    assert.equal(
      (await call(`${url}/Patient/_search?_count=5`, { method: 'POST', as: alice, form: 'family=Able' })).status,
      200,
    );
    assert.equal((await only()).query, '_count=5&family=Able');
  });

  it('a transaction Bundle, a public directory search and an unknown route are audited; /metadata is not', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }],
    };
    assert.equal((await call(url, { method: 'POST', as: alice, body: bundle })).status, 200);
    assert.equal((await only()).interaction, 'transaction');
    sink.records.length = 0;
    assert.equal((await call(`${url}/Practitioner`)).status, 200);
    const anonymous = await only();
    assert.equal(anonymous.who, undefined);
    assert.equal(anonymous.interaction, 'search-type');
    sink.records.length = 0;
    assert.equal((await call(`${url}/Patient/1/_bogus`, { as: alice })).status, 404);
    const unknown = await only();
    assert.equal(unknown.interaction, undefined);
    assert.equal(unknown.who?.subject, 'acct-alice', 'the grant names the caller when no Principal was resolved');
    sink.records.length = 0;
    assert.equal((await call(`${url}/metadata`)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(sink.records, []);
  });
});

describe('audit middleware does not change responses', () => {
  it('answers exactly what the endpoint without it answers, and a throwing sink fails no request', async () => {
    const store = await openTestStore();
    const patient = (
      await store.repo.create<Patient>({
        resourceType: 'Patient',
        meta: { tag: [{ system: OWNER_SYSTEM, code: 'org-b' }] },
      })
    ).resource;
    const throwing: AuditSink = {
      record: () => {
        throw new Error('sink broken');
      },
    };
    const log = captureLog();
    const plain = await listen(fhirApp(store.repo, store, undefined));
    const audited = await listen(fhirApp(store.repo, store, auditMiddleware(throwing, { logger: log.logger })));
    try {
      const requests: Array<[string, Call]> = [
        [`/Patient/${patient.id}`, { as: alice }],
        ['/Patient/does-not-exist', { as: alice }],
        ['/Patient?family=x', { as: alice }],
        [`/Patient/${patient.id}`, { as: 'bad' }],
        ['/metadata', {}],
      ];
      for (const [path, init] of requests) {
        const headers = { ...init.headers, 'x-request-id': 'same' };
        const a = await call(plain.url + path, { ...init, headers });
        const b = await call(audited.url + path, { ...init, headers });
        assert.equal(b.status, a.status, path);
        assert.ok(strip(b.text) === strip(a.text), `same body: ${path}`);
        const names = (h: Headers) => [...h.keys()].filter((k) => k !== 'date').sort();
        assert.deepEqual(names(b.headers), names(a.headers), path);
      }
      // The hidden patient and a missing one: same status and body (but for the id) with the audit on.
      const hidden = await call(`${audited.url}/Patient/${patient.id}`, { as: alice });
      const missing = await call(`${audited.url}/Patient/${'0'.repeat((patient.id as string).length)}`, { as: alice });
      assert.equal(hidden.status, missing.status);
      assert.equal(
        hidden.text.replace(patient.id as string, 'ID'),
        missing.text.replace('0'.repeat((patient.id as string).length), 'ID'),
      );
      await eventually(() => log.lines.some((l) => /could not build the audit record/.test(l.msg)));
    } finally {
      await stop(plain.server);
      await stop(audited.server);
      await store.close();
    }
  });
});

function strip(text: string): string {
  return text.replace(/"(lastUpdated|date)":"[^"]*"/g, '').replace(/"id":"[0-9a-f-]{36}"/g, '');
}

describe('audit trail behind the FHIR endpoint', () => {
  let store: TestStore;

  before(async () => {
    store = await openTestStore();
  });
  after(() => store.close());

  it('records every request in few transactions; the AuditEvents are valid R4; a failing store fails no request', async () => {
    let lookups = 0;
    // Counts what the trail reads: nothing, when the requests resolved their targets.
    const repo = new Proxy(store.repo, {
      get(target, prop) {
        if (prop === 'search' || prop === 'history' || prop === 'read') lookups++;
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const appended = new TestTrailStore(store);
    const log = captureLog();
    // The FHIR endpoint uses the healthy repository; only the trail's writes fail while `appended.down`.
    // Batches by size only (no timer, no time cap), so the append count does not depend on how
    // fast this machine serves the requests.
    const trail = new AuditTrail({
      repo,
      store: appended,
      logger: log.logger,
      fhirBaseUrl: TEST_BASE_URL,
      flushIntervalMs: 600_000,
      maxBatch: 20,
      maxTransactionMs: Number.POSITIVE_INFINITY,
    });
    const { url, server } = await listen(
      fhirApp(store.repo, store, auditMiddleware(trail, { logger: log.logger, fhirBaseUrl: TEST_BASE_URL })),
    );
    try {
      const patient = await call(`${url}/Patient`, {
        method: 'POST',
        as: alice,
        body: { resourceType: 'Patient', name: [{ family: 'Trail' }] },
      });
      assert.equal(patient.status, 201);
      await Promise.all(
        Array.from({ length: 49 }, (_, i) =>
          call(`${url}/Patient/${patient.json.id}`, { as: alice, headers: { 'x-request-id': `r-${i}` } }),
        ),
      );
      await trail.flush();
      await eventually(() => trail.pending === 0 && trail.stats.written === 50);
      assert.ok(appended.appends <= 6, `50 requests in ${appended.appends} transactions`);
      assert.equal(lookups, 0, 'the trail looks up no target: each request left what it resolved');

      appended.down = true;
      const during = await Promise.all(
        Array.from({ length: 10 }, () => call(`${url}/Patient/${patient.json.id}`, { as: alice })),
      );
      assert.deepEqual(
        during.map((r) => r.status),
        Array(10).fill(200),
        'requests succeed while the audit store fails',
      );
      await trail.flush().catch(() => undefined);
      await eventually(() => log.lines.some((l) => /writing audit events failed/.test(l.msg)));
      assert.equal(trail.pending, 10);
      appended.down = false;
      await trail.close();
      assert.equal(trail.stats.written, 60);

      const ids = await searchIds(store.repo, 'AuditEvent', {});
      assert.equal(ids.length, 60, "one AuditEvent per request, none for the trail's own writes and lookups");
      const events = await Promise.all(ids.map((id) => store.repo.read<AuditEvent>('AuditEvent', id)));
      for (const event of events) assert.deepEqual(store.validator.issues(event), []);
      const traced = events.find((e) => e.entity?.some((x) => x.what?.identifier?.value === 'r-7'));
      assert.ok(traced, 'found by its request id');
      assert.equal(traced.outcome, '0');
      assert.deepEqual(
        traced.meta?.tag?.filter((t) => t.system === OWNER_SYSTEM).map((t) => t.code),
        ['org-a'],
      );
      assert.ok(traced.entity?.some((x) => x.what?.reference === `Patient/${patient.json.id}` && x.role?.code === '1'));
      assert.deepEqual(
        traced.agent.map((a) => [a.who?.reference ?? a.who?.identifier?.value, a.requestor]),
        [
          ['Practitioner/alice', true],
          ['console', false],
        ],
      );
    } finally {
      await stop(server);
      await trail.close();
    }
  });
});
