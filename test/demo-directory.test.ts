import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PATIENT_CHOSEN } from '../server/access/grants/care-team-rule.ts';
import { DEMO_PASSWORD, seedDemoData } from '../server/demo/demo-data.ts';
import type { DemoSeed } from '../server/demo/demo-data.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * The demo's directory (server/demo/demo-directory.ts): what the README promises is found by the
 * portal's filters without signing in, and Olivia's "My practitioners" spans her two practices.
 * The demo's records pass the validator (our extension definitions) as any client's write would.
 */
describe('demo directory and care team', () => {
  let server: TestServer;
  let seed: DemoSeed;
  const find = async (query: string) =>
    ((await fhirFetch(`${server.fhirUrl}/${query}`, { anonymous: true })).body.entry ?? []).map((e: any) => e.resource);
  const namesOf = async (query: string) =>
    (await find(`PractitionerRole?${query}&_count=50`)).map((r: any) => r.practitioner.display).sort();

  before(async () => {
    server = await startTestServer();
    seed = await seedDemoData(server.repo, server.app.accounts, server.engine.blobs);
  });
  after(() => server?.close());

  it('the portal filters find the demo practitioners by language, service, home visits and wheelchair access', async () => {
    assert.deepEqual(await namesOf('practitioner.communication=urn:ietf:bcp:47|fr'), ['Dr Lucas Moreau']);
    assert.deepEqual(await namesOf('specialty=http://snomed.info/sct|394814009'), ['Dr Amara Okafor']);
    assert.deepEqual(await namesOf('home-visits=true'), ['Dr Amara Okafor', 'Dr Mei Tanaka']);
    assert.deepEqual(await namesOf('location.wheelchair-access=true'), [
      'Dr Amara Okafor',
      'Dr Lucas Moreau',
      'Dr Mei Tanaka',
    ]);
    assert.deepEqual(await namesOf('location.wheelchair-access=true&practitioner.communication=urn:ietf:bcp:47|ja'), [
      'Dr Mei Tanaka',
    ]);
  });

  it('the demo records are valid: each one re-saved through the API is accepted', async () => {
    for (const type of ['Practitioner', 'PractitionerRole', 'Location']) {
      for (const resource of await find(`${type}?_count=50`)) {
        const res = await fhirFetch(`${server.fhirUrl}/${type}/$validate`, {
          method: 'POST',
          body: { resourceType: 'Parameters', parameter: [{ name: 'resource', resource }] },
        });
        assert.equal(res.status, 200, `${type}/${resource.id}: ${JSON.stringify(res.body)}`);
        const errors = (res.body.issue ?? []).filter((i: any) => i.severity === 'error' || i.severity === 'fatal');
        assert.deepEqual(errors, [], `${type}/${resource.id}`);
      }
    }
  });

  it("Olivia's list holds practitioners of both her practices, and she may change it", async () => {
    const account = seed.accounts.find((a) => a.email.startsWith('olivia'))!;
    const scope = 'openid fhirUser user/*.cruds';
    const app = await registerTestApp(server, server.practice.practiceId, scope);
    const token = (await userTokens(server, { email: account.email, password: DEMO_PASSWORD }, { ...app, scope }))
      .access_token;
    const as = { headers: { authorization: `Bearer ${token}` } };
    const res = await fhirFetch(
      `${server.fhirUrl}/CareTeam?category=${encodeURIComponent(`${PATIENT_CHOSEN.system}|${PATIENT_CHOSEN.code}`)}&_include=CareTeam:participant`,
      as,
    );
    const team = res.body.entry.find((e: any) => e.resource.resourceType === 'CareTeam').resource;
    const members = res.body.entry
      .filter((e: any) => e.resource.resourceType === 'Practitioner')
      .map((e: any) => e.resource.name[0].family)
      .sort();
    assert.deepEqual(members, ['Okafor', 'Rivera', 'Tanaka']);
    const changed = await fhirFetch(`${server.fhirUrl}/CareTeam/${team.id}`, {
      ...as,
      method: 'PUT',
      body: { ...team, participant: team.participant.slice(1) },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
  });
});
