import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { ADMIN_ROLE } from '../server/access/grants/practice-roles.ts';
import { OPERATION_SYSTEM } from '../server/audit/audit-event.ts';
import { BackendTokens, provisionPractice } from './support/practice-client.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * The console's practice-app API: administrators register and remove their practice's SMART clients,
 * practitioners list the launchable apps and create EHR launches for their own patients; nobody
 * reaches another practice's apps or patients.
 */
describe('practice apps and EHR launch API', () => {
  let server: TestServer;
  let admin = '';
  let staff = '';
  let otherPractice = '';
  let patientX = '';
  let patientY = '';
  const api = (path: string, token: string | undefined, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${server.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    }).then(async (res) => ({
      status: res.status,
      body: res.status === 204 ? undefined : ((await res.json()) as any),
    }));

  before(async () => {
    server = await startTestServer();
    const x = server.practice.practiceId;
    const y = await provisionPractice(server.app, 'Y');
    otherPractice = y.practiceId;
    const post = async (body: Record<string, unknown>, tokens = server.tokens) =>
      (
        await fhirFetch(`${server.fhirUrl}/${body.resourceType}`, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${await tokens.token()}` },
        })
      ).body;
    const adminPractitioner = await post({ resourceType: 'Practitioner', name: [{ family: 'Admin' }] });
    await post({
      resourceType: 'PractitionerRole',
      practitioner: { reference: `Practitioner/${adminPractitioner.id}` },
      organization: { reference: `Organization/${x}` },
      code: [{ coding: [ADMIN_ROLE] }],
    });
    const staffPractitioner = await post({ resourceType: 'Practitioner', name: [{ family: 'Staff' }] });
    await post({
      resourceType: 'PractitionerRole',
      practitioner: { reference: `Practitioner/${staffPractitioner.id}` },
      organization: { reference: `Organization/${x}` },
    });
    patientX = (await post({ resourceType: 'Patient', name: [{ family: 'Px' }] })).id;
    patientY = (await post({ resourceType: 'Patient', name: [{ family: 'Py' }] }, new BackendTokens(server.baseUrl, y)))
      .id;
    const password = 'practice apps password';
    await server.app.accounts.createAccount({
      email: 'admin@x.org',
      kind: 'practitioner',
      fhirUser: `Practitioner/${adminPractitioner.id}`,
      password,
    });
    await server.app.accounts.createAccount({
      email: 'staff@x.org',
      kind: 'practitioner',
      fhirUser: `Practitioner/${staffPractitioner.id}`,
      password,
    });
    const app = await registerTestApp(server, x, 'openid fhirUser user/*.cruds');
    admin = (
      await userTokens(server, { email: 'admin@x.org', password }, { ...app, scope: 'openid fhirUser user/*.cruds' })
    ).access_token;
    staff = (
      await userTokens(server, { email: 'staff@x.org', password }, { ...app, scope: 'openid fhirUser user/*.cruds' })
    ).access_token;
  });
  after(() => server?.close());

  it("administrators register, list and remove clients; a removed client's tokens stop working", async () => {
    const x = server.practice.practiceId;
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384' }] };
    const registered = await api(`/api/practices/${x}/clients`, admin, {
      method: 'POST',
      body: { name: 'Lab feed', kind: 'backend', scope: 'system/Observation.cruds', jwks },
    });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    const launchable = await api(`/api/practices/${x}/clients`, admin, {
      method: 'POST',
      body: {
        name: 'Growth charts',
        kind: 'public',
        scope: 'launch openid fhirUser patient/*.rs',
        redirectUris: ['https://charts.example.org/cb'],
        launchUri: 'https://charts.example.org/launch',
      },
    });
    assert.equal(launchable.status, 201);
    const listed = await api(`/api/practices/${x}/clients`, admin);
    assert.deepEqual(listed.body.map((c: any) => c.name).sort(), ['Growth charts', 'Lab feed']);
    assert.ok(!JSON.stringify(listed.body).includes('"n"'), 'no keys in the listing');

    const apps = await api(`/api/practices/${x}/apps`, staff);
    assert.deepEqual(apps.body, [
      { clientId: launchable.body.clientId, name: 'Growth charts', launchUri: 'https://charts.example.org/launch' },
    ]);

    assert.equal((await api(`/api/practices/${x}/clients`, staff)).status, 403, 'staff are not administrators');
    assert.equal(
      (
        await api(`/api/practices/${x}/clients`, staff, {
          method: 'POST',
          body: { name: 'n', kind: 'backend', scope: 'system/*.rs', jwks },
        })
      ).status,
      403,
    );
    assert.equal(
      (await api(`/api/practices/${otherPractice}/clients`, admin)).status,
      404,
      'another practice looks like none',
    );
    assert.equal((await api(`/api/practices/${otherPractice}/apps`, admin)).status, 404);
    assert.equal((await api(`/api/practices/${x}/clients`, undefined)).status, 401);
    const backendToken = await server.tokens.token();
    assert.equal(
      (await api(`/api/practices/${x}/clients`, backendToken)).status,
      404,
      'backend clients do not administer apps',
    );

    const bad = await api(`/api/practices/${x}/clients`, admin, {
      method: 'POST',
      body: { name: 'n', kind: 'public', scope: 'patient/*.rs', redirectUris: ['http://evil.example.org/cb'] },
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.issue[0].details.text, /https/);
    const extra = await api(`/api/practices/${x}/clients`, admin, {
      method: 'POST',
      body: { name: 'n', kind: 'backend', scope: 'system/*.rs', jwks, practiceId: otherPractice },
    });
    assert.equal(extra.status, 400, 'the practice comes from the URL, never the body');

    // Registering a client that manages the practice's memberships and grants is the administrators' choice.
    const manager = await api(`/api/practices/${x}/clients`, admin, {
      method: 'POST',
      body: { name: 'HR sync', kind: 'backend', scope: 'system/PractitionerRole.cruds', jwks, managesAccess: true },
    });
    assert.equal(manager.status, 201, JSON.stringify(manager.body));
    assert.equal(
      (await api(`/api/practices/${x}/clients`, admin)).body.find((c: any) => c.name === 'HR sync')?.managesAccess,
      true,
    );
    const publicManager = await api(`/api/practices/${x}/clients`, admin, {
      method: 'POST',
      body: {
        name: 'n',
        kind: 'public',
        scope: 'patient/*.rs',
        redirectUris: ['https://a.example.org/cb'],
        managesAccess: true,
      },
    });
    assert.equal(publicManager.status, 400, 'only backend clients manage access');
    assert.equal(
      (
        await api(`/api/practices/${x}/clients`, admin, {
          method: 'POST',
          body: { name: 'n', kind: 'backend', scope: 'system/*.rs', jwks, managesAccess: 'yes' },
        })
      ).status,
      400,
    );
    assert.equal(
      (await api(`/api/practices/${x}/clients/${manager.body.clientId}`, admin, { method: 'DELETE' })).status,
      204,
    );

    const feed = new BackendTokens(server.baseUrl, {
      practiceId: x,
      clientId: registered.body.clientId,
      privateKey,
      kid: 'k1',
    });
    const feedToken = await feed.token('system/Observation.rs');
    assert.equal(
      (await fhirFetch(`${server.fhirUrl}/Observation`, { headers: { authorization: `Bearer ${feedToken}` } })).status,
      200,
    );
    assert.equal(
      (await api(`/api/practices/${x}/clients/${registered.body.clientId}`, admin, { method: 'DELETE' })).status,
      204,
    );
    assert.equal(
      (await fhirFetch(`${server.fhirUrl}/Observation`, { headers: { authorization: `Bearer ${feedToken}` } })).status,
      401,
      'tokens of a removed client stop working',
    );
    assert.equal(
      (await api(`/api/practices/${x}/clients/${registered.body.clientId}`, admin, { method: 'DELETE' })).status,
      404,
    );
    assert.deepEqual(
      (await api(`/api/practices/${x}/clients`, admin)).body.map((c: any) => c.name),
      ['Growth charts'],
    );

    // Every call is in the audit trail: who, which operation, on which practice, with what outcome.
    await server.app.audit.flush();
    const events = (
      await server.repo.search({ resourceType: 'AuditEvent', filters: [], sort: [], count: 1000, total: 'none' })
    ).versions.map((v) => v.resource as any);
    const operations = events
      .map((e) => ({
        op: e.subtype?.find((c: any) => c.system === OPERATION_SYSTEM)?.code,
        outcome: e.outcome,
        entity: e.entity?.[0]?.what?.reference,
        who: e.agent?.[0]?.who?.reference,
      }))
      .filter((e) => e.op && e.op !== 'ehr-launch');
    assert.ok(
      operations.some(
        (e) =>
          e.op === 'register-client' &&
          e.outcome === '0' &&
          e.entity === `Organization/${x}` &&
          e.who?.startsWith('Practitioner/'),
      ),
      JSON.stringify(operations.slice(0, 5)),
    );
    assert.ok(operations.some((e) => e.op === 'remove-client' && e.outcome === '0'));
    assert.ok(
      operations.some((e) => e.op === 'list-clients' && e.outcome === '4'),
      'refused calls are recorded too',
    );
  });

  it("EHR launches are created for the practitioner's own patients only", async () => {
    const launch = await api('/api/ehr-launch', staff, { method: 'POST', body: { patient: patientX } });
    assert.equal(launch.status, 201);
    assert.equal(launch.body.iss, server.fhirUrl);
    assert.match(launch.body.launch, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal(
      (await api('/api/ehr-launch', staff, { method: 'POST', body: { patient: patientY } })).status,
      404,
      "another practice's patient looks missing",
    );
    assert.equal((await api('/api/ehr-launch', staff, { method: 'POST', body: { patient: 'nope' } })).status, 404);
    assert.equal((await api('/api/ehr-launch', staff, { method: 'POST', body: { patient: { $ne: 1 } } })).status, 400);
    for (const [body, status] of [
      ['{not json', 400],
      [JSON.stringify({ patient: 'x'.repeat(10_000) }), 413],
    ] as const) {
      const res = await fetch(`${server.baseUrl}/api/ehr-launch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json' },
        body,
      });
      assert.equal(res.status, status);
      const outcome = (await res.json()) as any;
      assert.equal(
        outcome.resourceType,
        'OperationOutcome',
        'bad bodies get an OperationOutcome, not an HTML stack trace',
      );
    }
    assert.equal(
      (await api('/api/ehr-launch', undefined, { method: 'POST', body: { patient: patientX } })).status,
      401,
    );
    assert.equal(
      (await api('/api/ehr-launch', await server.tokens.token(), { method: 'POST', body: { patient: patientX } }))
        .status,
      401,
      'a backend client is not a practitioner',
    );
  });
});
