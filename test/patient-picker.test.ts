import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exchangeCode, pkceAuthorizeUrl, signIn } from './support/smart-sign-in.ts';
import { TestBrowser } from './support/test-browser.ts';
import { BackendTokens, provisionPractice } from './support/practice-client.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp } from './support/user-tokens.ts';

/**
 * The standalone-launch patient picker of a practitioner: it lists their practices' patients only,
 * its name search finds patients beyond the first page and never another practice's, and a choice
 * is checked against the practitioner's rights (a forged id is refused).
 */
describe('standalone-launch patient picker', () => {
  let server: TestServer;
  const ids: Record<string, string> = {};
  let app: { clientId: string; redirectUri: string };
  const user = { email: 'picker@example.org', password: 'picker password 123' };

  before(async () => {
    server = await startTestServer();
    const y = await provisionPractice(server.app, 'Y');
    const post = async (body: Record<string, unknown>, tokens = server.tokens) =>
      (
        await fhirFetch(`${server.fhirUrl}/${body.resourceType}`, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${await tokens.token()}` },
        })
      ).body;
    const practitioner = await post({ resourceType: 'Practitioner', name: [{ family: 'Picker' }] });
    await post({
      resourceType: 'PractitionerRole',
      practitioner: { reference: `Practitioner/${practitioner.id}` },
      organization: { reference: `Organization/${server.practice.practiceId}` },
    });
    // 60 patients at X (more than one page of the picker), one "Zed" among them; a "Zed" at Y too.
    for (let i = 0; i < 60; i++)
      ids[`x${i}`] = (
        await post({ resourceType: 'Patient', name: [{ family: `Family${String(i).padStart(2, '0')}` }] })
      ).id;
    ids.zedX = (await post({ resourceType: 'Patient', name: [{ given: ['Zoe'], family: 'Zed' }] })).id;
    ids.zedY = (
      await post(
        { resourceType: 'Patient', name: [{ given: ['Zack'], family: 'Zed' }] },
        new BackendTokens(server.baseUrl, y),
      )
    ).id;
    await server.app.accounts.createAccount({
      email: user.email,
      kind: 'practitioner',
      fhirUser: `Practitioner/${practitioner.id}`,
      password: user.password,
    });
    app = await registerTestApp(server, server.practice.practiceId, 'openid fhirUser launch/patient patient/*.rs');
  });
  after(() => server?.close());

  async function picker() {
    const { url, verifier } = pkceAuthorizeUrl(server.baseUrl, {
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      scope: 'openid fhirUser launch/patient patient/*.rs',
      state: 'st-1',
      aud: server.fhirUrl,
    });
    const browser = new TestBrowser(server.baseUrl);
    const page = await signIn(browser, url, user);
    assert.equal(page.title, 'Choose a patient');
    return { browser, page, verifier };
  }

  it("lists a page of the practice's patients; the search finds the others, never another practice's", async () => {
    const { browser, page } = await picker();
    const first = page.choices('patient');
    assert.equal(first.length, 50, 'one page');
    assert.ok(!first.includes(ids.zedX!), 'Zed sorts after the first page');
    const found = await browser.submit(page, 'patient', { q: 'ze' });
    assert.deepEqual(
      found.choices('patient'),
      [ids.zedX],
      'the search reaches beyond the first page, and not into practice Y',
    );
    const none = await browser.submit(found, 'patient', { q: 'nobody' });
    assert.deepEqual(none.choices('patient'), []);
    assert.match(none.body, /No patient.s name starts with/);
  });

  it("a chosen patient becomes the token's patient; a forged choice is refused", async () => {
    const forged = await picker();
    const refused = await forged.browser.submit(forged.page, 'patient', { patient: ids.zedY! });
    assert.equal(refused.status, 400, "another practice's patient cannot be chosen");

    const { browser, page, verifier } = await picker();
    let next = await browser.submit(page, 'patient', { patient: ids.zedX! });
    if (next.title === 'Allow access?') next = await browser.submit(next, 'consent', { scope: next.choices('scope') });
    const code = new URL(next.location!).searchParams.get('code')!;
    const exchanged = await exchangeCode(server.baseUrl, {
      code,
      verifier,
      clientId: app.clientId,
      redirectUri: app.redirectUri,
    });
    assert.equal(exchanged.body.patient, ids.zedX);
  });
});
