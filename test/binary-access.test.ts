import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Binary, Resource } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import { BackendTokens, provisionPractice } from './support/practice-client.ts';
import { startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';
import { pdf } from './support/document-samples.ts';

/**
 * Who may upload and download Binary content (issue 12): a Binary's access follows its
 * securityContext through the same rules as every other resource (the repository's scope), for the
 * raw content as for the JSON. Real tokens over HTTP: practice X's backend client, a practitioner of
 * practice Y, patient A (at X) signed in through the SMART pages. A refused upload stores nothing,
 * not even chunks.
 */
const PASSWORD = 'binary access password 123';
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('Binary access over HTTP', () => {
  let server: TestServer;
  const token = new Map<'backendX' | 'pY' | 'patientA', string>();
  let patientA = '';
  let patientB = '';
  let letterA = '';
  let letterB = '';
  const letterBytes = pdf(300_000);

  const F = () => server.fhirUrl;
  const as = (who: 'backendX' | 'pY' | 'patientA') => ({ authorization: `Bearer ${token.get(who)}` });
  const stored = async () => ({
    binaries: (await server.engine.reader.history({ resourceType: 'Binary', count: 10_000 })).length,
    ...(await server.engine.blobs.usage()),
  });
  const upload = async (who: 'backendX' | 'pY' | 'patientA', context: string, path = '/Binary') =>
    fetch(`${F()}${path}`, {
      method: path === '/Binary' ? 'POST' : 'PUT',
      headers: { ...as(who), 'content-type': 'application/pdf', 'x-security-context': context },
      body: letterBytes,
    });

  before(async () => {
    server = await startTestServer();
    const y = await provisionPractice(server.app, 'Practice Y');
    const backendY = new BackendTokens(server.baseUrl, y);
    token.set('backendX', await server.tokens.token());
    const post = async (resource: Record<string, unknown>, tokens = server.tokens) => {
      const res = await fetch(`${F()}/${resource.resourceType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokens.token()}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify(resource),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return (await res.json()) as Resource;
    };
    patientA = `Patient/${(await post({ resourceType: 'Patient', name: [{ family: 'Alpha' }] })).id}`;
    patientB = `Patient/${(await post({ resourceType: 'Patient', name: [{ family: 'Beta' }] })).id}`;
    const practitionerY = await post({ resourceType: 'Practitioner', name: [{ family: 'Yoshida' }] }, backendY);
    await post(
      {
        resourceType: 'PractitionerRole',
        practitioner: { reference: `Practitioner/${practitionerY.id}` },
        organization: { reference: `Organization/${y.practiceId}` },
      },
      backendY,
    );
    const person = await server.repo.create({
      resourceType: 'Person',
      meta: { tag: [{ system: OWNER_SYSTEM, code: server.practice.practiceId }] },
      link: [{ target: { reference: patientA } }],
    } as Resource);
    await server.app.accounts.createAccount({
      email: 'a@example.org',
      kind: 'patient',
      fhirUser: `Person/${person.resource.id}`,
      password: PASSWORD,
    });
    await server.app.accounts.createAccount({
      email: 'py@example.org',
      kind: 'practitioner',
      fhirUser: `Practitioner/${practitionerY.id}`,
      password: PASSWORD,
    });
    const appX = await registerTestApp(server, server.practice.practiceId, 'openid fhirUser user/*.cruds');
    const appY = await registerTestApp(server, y.practiceId, 'openid fhirUser user/*.cruds');
    const scope = 'openid fhirUser user/*.cruds';
    token.set(
      'patientA',
      (await userTokens(server, { email: 'a@example.org', password: PASSWORD }, { ...appX, scope })).access_token,
    );
    token.set(
      'pY',
      (await userTokens(server, { email: 'py@example.org', password: PASSWORD }, { ...appY, scope })).access_token,
    );

    const a = await upload('backendX', patientA);
    assert.equal(a.status, 201, await a.clone().text());
    letterA = ((await a.json()) as Binary).id as string;
    // The practice shares A's letter with A (decision 0023: what a practice writes reaches the
    // patient only when shared); B's stays with the practice.
    const shared = await fetch(`${F()}/Binary/${letterA}/$share`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await server.tokens.token()}` },
    });
    assert.equal(shared.status, 200, await shared.clone().text());
    const b = await upload('backendX', patientB);
    assert.equal(b.status, 201);
    letterB = ((await b.json()) as Binary).id as string;
  });
  after(() => server?.close());

  const read = (who: 'backendX' | 'pY' | 'patientA', path: string, accept = 'application/pdf') =>
    fetch(`${F()}${path}`, { headers: { ...as(who), accept } });

  it("lets the patient download their own letter once shared with them, and the practice's client too", async () => {
    for (const who of ['patientA', 'backendX'] as const) {
      const res = await read(who, `/Binary/${letterA}`);
      assert.equal(res.status, 200, who);
      assert.equal(sha256(Buffer.from(await res.arrayBuffer())), sha256(letterBytes));
    }
  });

  it("hides another patient's letter from a patient, and every letter from another practice, raw and as JSON", async () => {
    const cases: Array<['patientA' | 'pY', string]> = [
      ['patientA', `/Binary/${letterB}`],
      ['patientA', `/Binary/${letterB}/_history/1`],
      ['pY', `/Binary/${letterA}`],
      ['pY', `/Binary/${letterA}/_history/1`],
      ['pY', `/Binary/${letterB}`],
    ];
    for (const [who, path] of cases) {
      for (const accept of ['application/pdf', 'application/fhir+json']) {
        const res = await read(who, path, accept);
        assert.equal(res.status, 404, `${who} ${path} ${accept}`);
        const body = (await res.json()) as Resource;
        assert.equal(body.resourceType, 'OperationOutcome');
      }
    }
  });

  it('refuses an upload for a patient the caller may not write to, storing nothing (not even chunks)', async () => {
    const before = await stored();
    for (const [who, context] of [
      ['patientA', patientB],
      ['pY', patientA],
    ] as const) {
      const res = await upload(who, context);
      assert.ok([403, 404].includes(res.status), `${who} for ${context}: ${res.status}`);
      assert.equal(((await res.json()) as Resource).resourceType, 'OperationOutcome');
      assert.deepEqual(await stored(), before, `${who} for ${context} left something behind`);
    }
    // Refused before its body is read, a large upload still gets its answer (not a reset): the rest
    // of the body is dropped as it arrives.
    const large = await fetch(`${F()}/Binary`, {
      method: 'POST',
      headers: { ...as('pY'), 'content-type': 'application/pdf', 'x-security-context': patientA },
      body: pdf(3 * 1024 * 1024),
    });
    assert.ok([403, 404].includes(large.status), `a large upload for another practice's patient: ${large.status}`);
    assert.equal(((await large.json()) as Resource).resourceType, 'OperationOutcome');
    assert.deepEqual(await stored(), before);
    // Nor may another practice overwrite a letter it cannot see.
    const overwrite = await upload('pY', patientA, `/Binary/${letterA}`);
    assert.equal(overwrite.status, 404);
    assert.deepEqual(await stored(), before);
    const still = await read('backendX', `/Binary/${letterA}`);
    assert.equal(sha256(Buffer.from(await still.arrayBuffer())), sha256(letterBytes));
  });
});
