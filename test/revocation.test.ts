import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import { openEngineOn } from './support/repository-setup.ts';
import type { TestEngine } from './support/repository-setup.ts';
import { openAppOn, practiceOf, startServerProcess } from './support/server-process.ts';
import type { ServerProcess } from './support/server-process.ts';
import { postForm } from './support/smart-sign-in.ts';
import { testAccounts } from './support/test-accounts.ts';
import { fhirFetch } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { TEST_REDIRECT, userTokens } from './support/user-tokens.ts';

/**
 * Revocation is immediate although every server process caches token verdicts and principals
 * (decision 0017): two server processes on one SQLite store, both caches warmed by repeated
 * successful requests; then a token is revoked, a password changed, a practitioner's role ended and
 * a family member's RelatedPerson ended, and the very next request on the other process (and on
 * the first) has lost access. Both processes serve one public URL, as behind a load balancer, so a
 * token issued by one is for the FHIR base URL of both.
 */
const PASSWORD = 'revocation test password 2026';
const SCOPE = 'openid fhirUser user/*.rs';

describe('revocation with warm per-process caches, two server processes on one store', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'revocation-'));
  let first: ServerProcess;
  let second: ServerProcess;
  let elsewhere: TestEngine;
  let clientId = '';
  let practiceId = '';
  const ids = new Map<string, string>();
  const accounts = new Map<string, { id: string; email: string }>();

  /** Records, accounts and a public app, written in-process before the servers start. */
  async function seed(): Promise<void> {
    practiceId = (await practiceOf(dataDir)).practiceId;
    const { app, close } = await openAppOn(dataDir);
    try {
      const meta = { tag: [{ system: OWNER_SYSTEM, code: practiceId }] };
      const put = async (key: string, resource: Resource) =>
        ids.set(key, (await app.repo.create({ ...resource, meta })).resource.id!);
      await put('prac', { resourceType: 'Practitioner', name: [{ family: 'Revoke' }] });
      await put('pracRole', { resourceType: 'Practitioner', name: [{ family: 'Role' }] });
      const role = (practitioner: string) => ({
        resourceType: 'PractitionerRole' as const,
        practitioner: { reference: `Practitioner/${ids.get(practitioner)}` },
        organization: { reference: `Organization/${practiceId}` },
      });
      await put('role', role('prac'));
      await put('role2', role('pracRole'));
      await put('patient', { resourceType: 'Patient', name: [{ family: 'Kept' }], birthDate: '1950-01-01' });
      await put('related', {
        resourceType: 'RelatedPerson',
        patient: { reference: `Patient/${ids.get('patient')}` },
        name: [{ family: 'Friend' }],
      } as Resource);
      const account = async (key: string, kind: 'practitioner' | 'related-person', fhirUser: string) => {
        const email = `${key}@revocation.example.org`;
        const { id } = await app.accounts.createAccount({ email, kind, fhirUser, password: PASSWORD });
        accounts.set(key, { id, email });
      };
      await account('revoked', 'practitioner', `Practitioner/${ids.get('prac')}`);
      await account('password', 'practitioner', `Practitioner/${ids.get('prac')}`);
      await account('role', 'practitioner', `Practitioner/${ids.get('pracRole')}`);
      await account('family', 'related-person', `RelatedPerson/${ids.get('related')}`);
      clientId = (
        await app.smart.registerClient({
          practiceId,
          name: 'Revocation test app',
          kind: 'public',
          redirectUris: [TEST_REDIRECT],
          scope: SCOPE,
        })
      ).clientId;
    } finally {
      await close();
    }
  }

  before(async () => {
    await seed();
    first = await startServerProcess(dataDir);
    second = await startServerProcess(dataDir, { BASE_URL: first.baseUrl });
    elsewhere = await openEngineOn(join(dataDir, 'fhir.sqlite'), Date.now());
  });
  after(async () => {
    await elsewhere?.close();
    await second?.stop();
    await first?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const secondFhir = () => `${second.baseUrl}/fhir/R4`;
  const servers = () => [secondFhir(), first.fhirUrl];
  const patientUrl = (fhir: string) => `${fhir}/Patient/${ids.get('patient')}`;
  const read = (url: string, token: string) => fhirFetch(url, { headers: { authorization: `Bearer ${token}` } });

  /** A user's access token, from the first process's endpoints as an app gets it. */
  async function tokenOf(key: string): Promise<string> {
    const server = { baseUrl: first.baseUrl, fhirUrl: first.fhirUrl } as TestServer;
    const user = { email: accounts.get(key)!.email, password: PASSWORD };
    return (await userTokens(server, user, { clientId, redirectUri: TEST_REDIRECT, scope: SCOPE })).access_token;
  }

  /** Repeated successful reads on both processes: their token and principal caches now hold this token. */
  async function warm(token: string): Promise<void> {
    for (let round = 0; round < 3; round++)
      for (const fhir of servers()) assert.equal((await read(patientUrl(fhir), token)).status, 200, fhir);
  }

  /** The practice's backend client, as its integration would act on the first process. */
  const backend = async () => ({ authorization: `Bearer ${await first.tokens.token()}` });

  it('a revoked token is refused at the next request on both processes', async () => {
    const token = await tokenOf('revoked');
    const bystander = await tokenOf('password');
    await warm(token);
    await warm(bystander);
    const revoked = await postForm(`${first.baseUrl}/oauth/revoke`, { token, client_id: clientId });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    for (const fhir of servers()) assert.equal((await read(patientUrl(fhir), token)).status, 401, fhir);
    for (const fhir of servers())
      assert.equal((await read(patientUrl(fhir), bystander)).status, 200, 'others keep theirs');
  });

  it("a changed password ends the account's tokens at the next request on both processes", async () => {
    const token = await tokenOf('password');
    await warm(token);
    // Changed by a third party on the same store (another process's account service, as the CLI does).
    await testAccounts(elsewhere.engine.keyValue).setPassword(accounts.get('password')!.id, 'a new password 2026');
    for (const fhir of servers()) assert.equal((await read(patientUrl(fhir), token)).status, 401, fhir);
  });

  it("an ended PractitionerRole ends the practitioner's access at the next request on both processes", async () => {
    const token = await tokenOf('role');
    await warm(token);
    const roleUrl = `${first.fhirUrl}/PractitionerRole/${ids.get('role2')}`;
    const role = (await fhirFetch(roleUrl, { headers: await backend() })).body;
    const ended = await fhirFetch(roleUrl, {
      method: 'PUT',
      headers: await backend(),
      body: { ...role, period: { end: '2020-01-01' } },
    });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    for (const fhir of servers()) assert.equal((await read(patientUrl(fhir), token)).status, 404, fhir);
  });

  it("an ended RelatedPerson ends the family member's access at the next request on both processes", async () => {
    const token = await tokenOf('family');
    await warm(token);
    const relatedUrl = `${first.fhirUrl}/RelatedPerson/${ids.get('related')}`;
    const related = (await fhirFetch(relatedUrl, { headers: await backend() })).body;
    const ended = await fhirFetch(relatedUrl, {
      method: 'PUT',
      headers: await backend(),
      body: { ...related, active: false },
    });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    for (const fhir of servers()) assert.equal((await read(patientUrl(fhir), token)).status, 404, fhir);
  });
});
