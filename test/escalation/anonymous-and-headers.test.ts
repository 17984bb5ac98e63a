import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '@medplum/fhirtypes';
import { PROJECT_ROOT } from '../../server/app.ts';
import { DIRECTORY_LISTED } from '../../server/access/access-index.ts';
import { AGGREGATE_COUNT } from '../../server/audit/audit-event.ts';
import { fhirFetch, startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';

/**
 * Issue 9, findings 9 and 10 (docs/decisions/0012-anonymous-requests.md): production-style error
 * pages whatever NODE_ENV, `nosniff` on every response and a CSP on every page; protected FHIR
 * requests without a token answer 401 with a SMART `WWW-Authenticate` whether the resource exists or
 * not, while metadata, discovery and the public directory stay open; per-IP and per-token rate limits
 * (429 + Retry-After); anonymous requests audited as bounded aggregates.
 */
const NO_INTERNALS = [/\bat [\w.<>]+ \(/, /node_modules/, /URIError/, /Error:/, /\.ts\b|\.js\b/];

describe('error pages, security headers, anonymous requests', () => {
  let server: TestServer;
  let F = '';
  let patientId = '';
  let listedId = '';

  before(async () => {
    server = await startTestServer();
    F = server.fhirUrl;
    patientId = (
      await fhirFetch(`${F}/Patient`, {
        method: 'POST',
        body: { resourceType: 'Patient', name: [{ family: 'Hidden' }] },
      })
    ).body.id;
    await fhirFetch(`${F}/Observation`, {
      method: 'POST',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'x' },
        subject: { reference: `Patient/${patientId}` },
      },
    });
    listedId = (
      await fhirFetch(`${F}/Practitioner`, {
        method: 'POST',
        body: { resourceType: 'Practitioner', meta: { tag: [DIRECTORY_LISTED] }, name: [{ family: 'Listed' }] },
      })
    ).body.id;
    assert.ok(patientId && listedId);
  });
  after(() => server?.close());

  describe('error pages (finding 9)', () => {
    it('GET /console/% answers a short 400 page without stack trace, exception or file paths', async () => {
      const res = await fetch(`${server.baseUrl}/console/%`);
      const text = await res.text();
      assert.equal(res.status, 400);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      for (const pattern of NO_INTERNALS) assert.doesNotMatch(text, pattern);
      assert.ok(!text.includes(PROJECT_ROOT), 'no absolute path');
      assert.match(text, /400 Bad Request/);
      assert.match(
        text,
        new RegExp(`Reference: <code>${res.headers.get('x-request-id')}</code>`),
        'the request id, to quote',
      );
    });

    it('an unknown path answers a plain 404 page, not Express\'s "Cannot GET"', async () => {
      const res = await fetch(`${server.baseUrl}/no/such/page?x=<script>`);
      const text = await res.text();
      assert.equal(res.status, 404);
      assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
      assert.doesNotMatch(text, /Cannot GET/);
      assert.doesNotMatch(text, /no\/such\/page|<script>/, 'the path is not echoed');
      assert.match(text, /404 Not Found/);
    });

    it('unknown /api paths answer an OperationOutcome like the rest of the API', async () => {
      const res = await fetch(`${server.baseUrl}/api/nothing-here`);
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { resourceType?: string }).resourceType, 'OperationOutcome');
    });
  });

  describe('security headers (finding 9)', () => {
    it('X-Content-Type-Options: nosniff on pages, FHIR, /oauth, /api, static paths and errors', async () => {
      const token = await server.tokens.token();
      const responses: Array<[string, Response]> = [
        ['the landing page', await fetch(`${server.baseUrl}/`)],
        ['a FHIR read', await fetch(`${F}/Patient/${patientId}`, { headers: { authorization: `Bearer ${token}` } })],
        ['FHIR metadata', await fetch(`${F}/metadata`)],
        ['a FHIR 401', await fetch(`${F}/Patient/${patientId}`)],
        ['an /oauth error', await fetch(`${server.baseUrl}/oauth/token`, { method: 'POST' })],
        ['the /oauth key set', await fetch(`${server.baseUrl}/oauth/jwks`)],
        ['SMART discovery', await fetch(`${F}/.well-known/smart-configuration`)],
        ['an /api 401', await fetch(`${server.baseUrl}/api/practices/x/clients`)],
        ['an app path', await fetch(`${server.baseUrl}/console/`)],
        ['an error page', await fetch(`${server.baseUrl}/console/%`)],
        ['a 404 page', await fetch(`${server.baseUrl}/nothing`)],
        ['a redirect', await fetch(`${server.baseUrl}/console`, { redirect: 'manual' })],
        ['health', await fetch(`${server.baseUrl}/healthz`)],
      ];
      for (const [what, res] of responses) {
        await res.arrayBuffer();
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
      }
    });

    it('a Content-Security-Policy on every HTML page, / included; the 404 and error pages allow no script', async () => {
      for (const path of ['/', '/nothing', '/console/%']) {
        const res = await fetch(`${server.baseUrl}${path}`);
        await res.arrayBuffer();
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/, path);
        const csp = res.headers.get('content-security-policy') ?? '';
        assert.match(csp, /default-src 'none'/, `${path}: ${csp}`);
        assert.match(csp, /frame-ancestors 'none'/, path);
        assert.doesNotMatch(csp, /script-src/, `${path}: no script at all (default-src 'none')`);
      }
    });
  });

  describe('no token, no protected data (finding 10)', () => {
    const expect401 = async (
      what: string,
      url: string,
      init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
    ) => {
      const res = await fhirFetch(url, { ...init, anonymous: true });
      assert.equal(res.status, 401, `${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.equal(res.headers.get('www-authenticate'), `Bearer realm="${F}"`, what);
      assert.equal(res.body?.resourceType, 'OperationOutcome', what);
      assert.equal(res.body.issue[0].code, 'login', what);
      return res;
    };

    it('reads of an existing and a missing Patient answer the same 401', async () => {
      const existing = await expect401('existing Patient', `${F}/Patient/${patientId}`);
      const missing = await expect401('missing Patient', `${F}/Patient/no-such-patient`);
      assert.deepEqual(existing.body, missing.body, 'nothing tells them apart');
    });

    it('searches, history, $everything, vread, operations, writes, batch, transaction and system-level search answer 401', async () => {
      await expect401('Observation search', `${F}/Observation?subject=Patient/${patientId}`);
      await expect401('Observation POST _search', `${F}/Observation/_search`, {
        method: 'POST',
        body: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      await expect401('instance history', `${F}/Patient/${patientId}/_history`);
      await expect401('type history', `${F}/Patient/_history`);
      await expect401('system history', `${F}/_history`);
      await expect401('$everything', `${F}/Patient/${patientId}/$everything`);
      await expect401('$everything of a missing patient', `${F}/Patient/nobody/$everything`);
      await expect401(
        'vread of a listed practitioner (old versions are not the listing)',
        `${F}/Practitioner/${listedId}/_history/1`,
      );
      await expect401('history of a listed practitioner', `${F}/Practitioner/${listedId}/_history`);
      await expect401('$validate', `${F}/Practitioner/$validate`, {
        method: 'POST',
        body: { resourceType: 'Practitioner' },
      });
      await expect401('create', `${F}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } });
      await expect401('create in the directory', `${F}/Practitioner`, {
        method: 'POST',
        body: { resourceType: 'Practitioner' },
      });
      await expect401('delete', `${F}/Patient/${patientId}`, { method: 'DELETE' });
      const batch = {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: `Practitioner/${listedId}` } }],
      };
      await expect401('batch', F, { method: 'POST', body: batch });
      await expect401('transaction', F, { method: 'POST', body: { ...batch, type: 'transaction' } });
      await expect401('a system-level search', `${F}?_id=${patientId}`);
      await expect401('an unknown interaction', `${F}/Patient/${patientId}/_nonsense`);
      assert.equal((await fhirFetch(`${F}/Patient/${patientId}`)).status, 200, 'with a token it is there');
    });

    it('an invalid token is still a 401, with error="invalid_token"', async () => {
      const res = await fhirFetch(`${F}/Patient/${patientId}`, { headers: { authorization: 'Bearer not-a-token' } });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer realm=".*", error="invalid_token"/);
    });

    it('metadata, discovery, CORS preflights and the public directory stay open; includes of other types reach nothing', async () => {
      assert.equal((await fhirFetch(`${F}/metadata`, { anonymous: true })).status, 200);
      const base = await fhirFetch(F, { anonymous: true });
      assert.equal(base.status, 200, 'the base URL says what the API is');
      assert.equal(base.body.resourceType, 'CapabilityStatement');
      assert.equal(base.headers.get('content-location'), `${F}/metadata`);
      assert.equal((await fetch(`${F}/.well-known/smart-configuration`)).status, 200);
      assert.equal((await fetch(`${server.baseUrl}/.well-known/openid-configuration`)).status, 200);
      const preflight = await fetch(`${F}/Patient/${patientId}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
      assert.equal(preflight.status, 204);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/i);

      const read = await fhirFetch(`${F}/Practitioner/${listedId}`, { anonymous: true });
      assert.equal(read.status, 200);
      const search = await fhirFetch(
        `${F}/Practitioner?_revinclude=Observation:performer&_revinclude=PractitionerRole:practitioner`,
        { anonymous: true },
      );
      assert.equal(search.status, 200);
      assert.deepEqual(
        search.body.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`),
        [`Practitioner/${listedId}`],
      );
      for (const type of ['PractitionerRole', 'Organization', 'Location', 'HealthcareService']) {
        assert.equal((await fhirFetch(`${F}/${type}`, { anonymous: true })).status, 200, type);
      }
      const posted = await fhirFetch(`${F}/Practitioner/_search`, {
        anonymous: true,
        method: 'POST',
        body: 'family=Listed',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(posted.status, 200);
      assert.equal(posted.body.entry.length, 1);
      const chained = await fhirFetch(`${F}/Practitioner?_has:Observation:performer:subject=Patient/${patientId}`, {
        anonymous: true,
      });
      assert.equal(chained.status, 200);
      assert.deepEqual(chained.body.entry ?? [], [], '_has reaches no Observation');
    });

    it('200 anonymous requests add a bounded number of small AuditEvents that count them all', async () => {
      const audit = server.app.audit;
      const eventIds = async () =>
        new Set(
          (
            await server.repo.search({
              resourceType: 'AuditEvent',
              filters: [],
              sort: [],
              count: 100_000,
              total: 'none',
            })
          ).versions.map((v) => v.id),
        );
      await audit.flush();
      const before = await eventIds();
      const requests: Array<Promise<unknown>> = [];
      for (let i = 0; i < 100; i++)
        requests.push(fhirFetch(`${F}/Patient/${i % 2 ? patientId : `missing-${i}`}`, { anonymous: true }));
      for (let i = 0; i < 50; i++)
        requests.push(fhirFetch(`${F}/Observation?code=${i}`, { headers: { authorization: `Bearer forged-${i}` } }));
      for (let i = 0; i < 50; i++) requests.push(fhirFetch(`${F}/Practitioner?family=x${i}`, { anonymous: true }));
      await Promise.all(requests);
      await audit.flush();
      const added = [...(await eventIds())].filter((id) => !before.has(id));
      const events = await Promise.all(added.map((id) => server.repo.read<AuditEvent>('AuditEvent', id)));
      // One per minute and status (401, 200): at most two minutes if the requests straddle one.
      assert.ok(events.length >= 2 && events.length <= 4, `${events.length} AuditEvents for 200 anonymous requests`);
      const count = (e: AuditEvent) =>
        Number(e.entity?.[0]?.detail?.find((d) => d.type === AGGREGATE_COUNT)?.valueString ?? NaN);
      assert.equal(
        events.reduce((sum, e) => sum + count(e), 0),
        200,
        'every request is counted',
      );
      const byStatus = (status: string) =>
        events.filter((e) => e.outcomeDesc?.startsWith(`HTTP ${status},`)).reduce((sum, e) => sum + count(e), 0);
      assert.equal(byStatus('401'), 150);
      assert.equal(byStatus('200'), 50);
      for (const event of events) {
        assert.ok(JSON.stringify(event).length < 1500, `a compact event: ${JSON.stringify(event).length} characters`);
        assert.equal(event.agent[0]?.who?.display, 'anonymous');
        assert.equal(event.agent[0]?.network?.address, '127.0.0.1');
      }
    });
  });
});

describe('rate limits on the FHIR API (finding 10)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({
      FHIR_RATE_LIMIT_ANONYMOUS: '5',
      FHIR_RATE_LIMIT_PER_TOKEN: '8',
      FHIR_RATE_LIMIT_WINDOW_SECONDS: '600',
    });
  });
  after(() => server?.close());

  const expect429 = (res: { status: number; headers: Headers; body: any }, what: string) => {
    assert.equal(res.status, 429, `${what}: ${res.status}`);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 600,
      `${what}: Retry-After ${res.headers.get('retry-after')}`,
    );
    assert.equal(res.body?.resourceType, 'OperationOutcome', what);
    assert.equal(res.body.issue[0].code, 'throttled', what);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  };

  it('per IP without a token: 429 with Retry-After once the budget is spent, counting refused tokens; valid tokens are not blocked', async () => {
    const F = server.fhirUrl;
    for (let i = 0; i < 3; i++) assert.equal((await fhirFetch(`${F}/metadata`, { anonymous: true })).status, 200);
    assert.equal((await fhirFetch(`${F}/Patient/x`, { headers: { authorization: 'Bearer forged' } })).status, 401);
    assert.equal((await fhirFetch(`${F}/Practitioner`, { anonymous: true })).status, 200, 'the fifth request');
    expect429(await fhirFetch(`${F}/metadata`, { anonymous: true }), 'the sixth anonymous request');
    expect429(await fhirFetch(`${F}/Practitioner`, { anonymous: true }), 'the seventh');
    assert.equal(
      (await fhirFetch(`${F}/Patient`)).status,
      200,
      'a valid token from the same address still gets through',
    );
    assert.equal(
      (await fhirFetch(`${F}/Patient/x`, { headers: { authorization: 'Bearer forged' } })).status,
      401,
      'an invalid token still gets its 401',
    );
    const exposed =
      (await fetch(`${F}/metadata`, { headers: { origin: 'https://app.example' } })).headers.get(
        'access-control-expose-headers',
      ) ?? '';
    assert.match(exposed, /Retry-After/, 'browser apps can read Retry-After');
  });

  it('per access token: 429 with Retry-After after the limit, however the header is spelled; another token has its own budget', async () => {
    const F = server.fhirUrl;
    const token = await server.tokens.token('system/*.rs');
    const first = `Bearer ${token}`;
    const second = `Bearer ${await server.tokens.token('system/*.rs')}`;
    assert.notEqual(first, second);
    // The scheme is case-insensitive and may be followed by several spaces (RFC 6750 §2.1, RFC 9110
    // §11.1): one token spelled two ways is still one budget.
    const spellings = [first, `bearer  ${token}`];
    for (let i = 0; i < 8; i++)
      assert.equal(
        (await fhirFetch(`${F}/Patient`, { headers: { authorization: spellings[i % 2]! } })).status,
        200,
        `request ${i + 1}`,
      );
    expect429(
      await fhirFetch(`${F}/Patient`, { headers: { authorization: first } }),
      'the ninth request with one token',
    );
    expect429(
      await fhirFetch(`${F}/Patient/x/_history`, { headers: { authorization: first } }),
      'any request with that token',
    );
    assert.equal(
      (await fhirFetch(`${F}/Patient`, { headers: { authorization: second } })).status,
      200,
      'another token',
    );
  });

  it('the limits are configuration, checked at start-up', async () => {
    const { loadConfig } = await import('../../server/config.ts');
    const defaults = loadConfig({}).rateLimits;
    assert.deepEqual(defaults, { windowMs: 60_000, anonymousPerIp: 1000, perToken: 120_000 });
    assert.throws(
      () =>
        loadConfig({
          FHIR_RATE_LIMIT_ANONYMOUS: '0',
          FHIR_RATE_LIMIT_PER_TOKEN: 'many',
          FHIR_RATE_LIMIT_WINDOW_SECONDS: '-1',
        }),
      (err: Error) =>
        ['FHIR_RATE_LIMIT_ANONYMOUS', 'FHIR_RATE_LIMIT_PER_TOKEN', 'FHIR_RATE_LIMIT_WINDOW_SECONDS'].every((name) =>
          err.message.includes(name),
        ),
    );
  });
});
