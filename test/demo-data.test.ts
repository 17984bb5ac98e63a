import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD, seedDemoData } from '../server/demo/demo-data.ts';
import type { DemoSeed } from '../server/demo/demo-data.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * The demo `npm start` loads: every demo account signs in with the published password and sees what
 * the README promises (Olivia both of her practices, Ava only her daughter, each practitioner only
 * their practice).
 */
describe('demo data', () => {
  let server: TestServer;
  let seed: DemoSeed;
  const SCOPE = 'openid fhirUser user/*.cruds';
  const tokenOf = async (emailPrefix: string) => {
    const account = seed.accounts.find((a) => a.email.startsWith(emailPrefix));
    assert.ok(account, emailPrefix);
    const app = await registerTestApp(server, server.practice.practiceId, SCOPE);
    return (await userTokens(server, { email: account.email, password: DEMO_PASSWORD }, { ...app, scope: SCOPE }))
      .access_token;
  };
  const patientsSeenBy = async (token: string) =>
    (
      await fhirFetch(`${server.fhirUrl}/Patient?_count=100`, { headers: { authorization: `Bearer ${token}` } })
    ).body.entry
      ?.map((e: any) => `${e.resource.name[0].given[0]} ${e.resource.name[0].family}`)
      .sort() ?? [];

  before(async () => {
    server = await startTestServer();
    seed = await seedDemoData(server.repo, server.app.accounts, server.engine.blobs);
  });
  after(() => server?.close());

  it('creates accounts of every kind', () => {
    assert.deepEqual([...new Set(seed.accounts.map((a) => a.kind))].sort(), [
      'patient',
      'practitioner',
      'related-person',
    ]);
    assert.ok(seed.resources > 20);
  });

  it('Olivia sees her records at both practices; Ava only her daughter; Noah only himself', async () => {
    assert.deepEqual(await patientsSeenBy(await tokenOf('olivia.smith')), ['Olivia Smith', 'Olivia Smith']);
    assert.deepEqual(await patientsSeenBy(await tokenOf('ava.garcia.family')), ['Maya Patel']);
    assert.deepEqual(await patientsSeenBy(await tokenOf('noah.smithson')), ['Noah Smithson']);
  });

  it("what each practice shares: Olivia sees Harbourside's results and the note shared with her; colleagues the note shared with them", async () => {
    const count = async (token: string, query: string) =>
      (await fhirFetch(`${server.fhirUrl}/${query}`, { headers: { authorization: `Bearer ${token}` } })).body.entry
        ?.length ?? 0;
    const olivia = await tokenOf('olivia.smith');
    assert.equal(await count(olivia, 'Observation'), 3, "Harbourside's results by default, none of Northside's");
    assert.equal(
      await count(olivia, 'DocumentReference'),
      3,
      'the one note shared with her, the letter shared with her, the referral she sent',
    );
    assert.equal(
      await count(await tokenOf('amara.okafor'), 'DocumentReference'),
      5,
      "the author's three notes and the two documents",
    );
    assert.equal(
      await count(await tokenOf('lucas.moreau'), 'DocumentReference'),
      3,
      'the note shared with colleagues and the two documents (not notes: the practice’s)',
    );
    assert.equal(await count(await tokenOf('sam.rivera'), 'Observation'), 1, "Northside's own result");
  });

  it("Olivia downloads Harbourside's letter; her own referral is new in Harbourside's inbox", async () => {
    const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const olivia = await tokenOf('olivia.smith');
    const documents = (
      await fhirFetch(`${server.fhirUrl}/DocumentReference?category:not=clinical-note`, as(olivia))
    ).body.entry.map((e: any) => e.resource);
    const letter = documents.find((d: any) => d.type?.text === 'Letter');
    assert.ok(letter, 'the shared letter');
    const download = await fetch(`${server.baseUrl}/fhir/R4/${letter.content[0].attachment.url}`, {
      headers: { authorization: `Bearer ${olivia}`, accept: 'text/plain' },
    });
    assert.equal(download.status, 200);
    assert.match(await download.text(), /Dear colleague/);
    assert.match(download.headers.get('content-disposition') ?? '', /attachment/);
    const referral = documents.find((d: any) => d.type?.text === 'Referral');
    const tags = (referral?.meta?.tag ?? []).map((t: any) => `${t.system.split('/').pop()}|${t.code}`);
    assert.ok(tags.includes('record-origin|patient') && !tags.includes('inbox|reviewed'), tags.join());
  });

  it('practitioners see their own practice only', async () => {
    const harbour = await patientsSeenBy(await tokenOf('amara.okafor'));
    assert.equal(harbour.length, 8);
    assert.deepEqual(await patientsSeenBy(await tokenOf('sam.rivera')), ['Olivia Smith']);
  });

  it("Dr Okafor administers Harbourside's settings, Dr Moreau does not; Olivia reads its portal contact and crisis text", async () => {
    const as = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const olivia = await tokenOf('olivia.smith');
    const practices = (await fhirFetch(`${server.fhirUrl}/Organization`, as(olivia))).body.entry.map(
      (e: any) => e.resource,
    );
    const harbour = practices.find((o: any) => o.name === 'Harbourside Family Practice');
    assert.ok(harbour, 'Olivia reads her practices');
    const urls = harbour.extension.map((e: any) => e.url.split('/').pop());
    assert.ok(urls.includes('portal-contact') && urls.includes('portal-crisis-text'), urls.join());
    const toggled = {
      ...harbour,
      extension: [
        ...harbour.extension,
        { url: `${harbour.extension[0].url.replace(/[^/]+$/, '')}patient-invitations`, valueBoolean: true },
      ],
    };
    const put = (token: string) =>
      fhirFetch(`${server.fhirUrl}/Organization/${harbour.id}`, { ...as(token), method: 'PUT', body: toggled });
    assert.equal((await put(await tokenOf('lucas.moreau'))).status, 403);
    assert.equal((await put(await tokenOf('amara.okafor'))).status, 200);
  });
});
