import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  EXTERNAL_CLIENT_ID,
  EXTERNAL_CLIENT_SECRET,
  startExternalProvider,
  throughExternalPages,
} from './support/external-provider.ts';
import { startHttp } from './support/loopback-http.ts';
import type { TestHttpServer } from './support/loopback-http.ts';
import { federationRedirectUri } from '../server/auth/federation/federated-sign-in.ts';
import type { SmartFederation } from '../server/auth/federation/smart-federation.ts';
import { finishFederatedLogin } from '../server/auth/smart/interaction-routes.ts';
import { BackendTokens, provisionPractice } from './support/practice-client.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { exchangeCode, pkceAuthorizeUrl } from './support/smart-sign-in.ts';
import { TestBrowser } from './support/test-browser.ts';
import type { Page } from './support/test-browser.ts';
import { registerTestApp } from './support/user-tokens.ts';

/**
 * "Sign in with <practice's provider>" on the SMART sign-in page, over HTTP against the whole app
 * (startTestServer) and a SECOND, real oidc-provider on loopback playing practice X's own identity
 * provider (its development login/consent pages). The TestBrowser keeps one cookie jar per origin;
 * only `request` is used here, which follows nothing by itself: every hop is checked.
 *
 * authorize → our sign-in page shows the practice's button → POST (interaction cookie + CSRF) →
 * the practice's provider → our federation callback → back into the authorization → consent → code
 * → token of the linked/enrolled account → FHIR reads as that practitioner.
 */
const SCOPE = 'openid fhirUser user/*.rs';

/** The people the practice's provider knows (sub → claims). */
const people: Record<string, { email?: string; email_verified?: boolean }> = {
  'ext-ann': { email: 'ann.at.riverside@riverside.example', email_verified: true }, // linked by (issuer, sub)
  'ext-bob': { email: 'bob@x.example', email_verified: true }, // enrolled with practice X: matched by e-mail
  'ext-carol': { email: 'carol@x.example', email_verified: true }, // has an account, not enrolled
  'ext-dave': { email: 'dave@nowhere.example', email_verified: true }, // no account at all
};

describe("SMART sign-in through the practice's own OpenID provider", () => {
  let server: TestServer;
  let federation: SmartFederation;
  let external: TestHttpServer;
  let practiceX = '';
  let practitionerAnn = '';
  let patientX = '';
  let patientY = '';
  const accountIds: Record<string, string> = {};
  let appX: { clientId: string; redirectUri: string };
  let appY: { clientId: string; redirectUri: string };
  let appZ: { clientId: string; redirectUri: string };

  before(async () => {
    server = await startTestServer();
    federation = server.app.federation;
    practiceX = server.practice.practiceId;
    const y = await provisionPractice(server.app, 'Y');

    const post = async (body: Record<string, unknown>, tokens = server.tokens) =>
      (
        await fhirFetch(`${server.fhirUrl}/${body.resourceType}`, {
          method: 'POST',
          body,
          headers: { authorization: `Bearer ${await tokens.token()}` },
        })
      ).body as { id: string };
    const staff: Record<string, string> = {};
    for (const name of ['ann', 'bob', 'carol']) {
      staff[name] = (await post({ resourceType: 'Practitioner', name: [{ family: name }] })).id;
      await post({
        resourceType: 'PractitionerRole',
        practitioner: { reference: `Practitioner/${staff[name]}` },
        organization: { reference: `Organization/${practiceX}` },
      });
      const account = await server.app.accounts.createAccount({
        email: `${name}@x.example`,
        kind: 'practitioner',
        fhirUser: `Practitioner/${staff[name]}`,
        password: 'a password nobody types here',
      });
      accountIds[name] = account.id;
    }
    practitionerAnn = staff.ann!;
    patientX = (await post({ resourceType: 'Patient', name: [{ family: 'Px' }] })).id;
    patientY = (await post({ resourceType: 'Patient', name: [{ family: 'Py' }] }, new BackendTokens(server.baseUrl, y)))
      .id;

    external = await startExternalProvider(federationRedirectUri(server.baseUrl), people);

    await federation.setPracticeProvider({
      practiceId: practiceX,
      issuer: external.url,
      clientId: EXTERNAL_CLIENT_ID,
      clientSecret: EXTERNAL_CLIENT_SECRET,
      displayName: 'Riverside Clinic',
    });
    await federation.linkIdentity(external.url, 'ext-ann', accountIds.ann!);
    await federation.enrolAccount(practiceX, accountIds.bob!);

    appX = await registerTestApp(server, practiceX, SCOPE);
    appY = await registerTestApp(server, y.practiceId, SCOPE);
    // Practice Z configured a provider that cannot be reached.
    const z = await provisionPractice(server.app, 'Z');
    const closed = await startHttp();
    await closed.close();
    await federation.setPracticeProvider({
      practiceId: z.practiceId,
      issuer: closed.url,
      clientId: 'c',
      clientSecret: 's',
      displayName: 'Zed Health',
    });
    appZ = await registerTestApp(server, z.practiceId, SCOPE);
  });
  after(async () => {
    await external?.close();
    await server?.close();
  });

  /** An authorization request of `app` (PKCE S256); answers the sign-in page it leads to. */
  async function authorize(browser: TestBrowser, app: { clientId: string; redirectUri: string }) {
    const { url, verifier, state } = pkceAuthorizeUrl(server.baseUrl, {
      client_id: app.clientId,
      redirect_uri: app.redirectUri,
      scope: SCOPE,
      aud: server.fhirUrl,
    });
    const started = await browser.request(url);
    assert.equal(started.status, 303, started.body);
    assert.match(new URL(started.location!).pathname, /^\/oauth\/interaction\//);
    const page = await browser.request(started.location!);
    assert.equal(page.status, 200);
    assert.equal(page.title, 'Sign in');
    return { page, verifier, state, app };
  }

  /** Presses "Sign in with Riverside Clinic": answers the redirect to the practice's provider. */
  async function pressFederated(browser: TestBrowser, page: Page): Promise<URL> {
    const action = page.findFormAction('federated');
    assert.ok(action, 'the sign-in page has the federated sign-in form');
    const started = await browser.request(action, { form: { csrf: page.csrf() } });
    assert.equal(started.status, 303, started.body);
    assert.equal(new URL(started.location!).origin, external.url, "to the practice's provider");
    return new URL(started.location!);
  }

  /** From our callback on: follows our redirects, consents to everything, answers the redirect to the app. */
  async function backToTheApp(browser: TestBrowser, callback: URL): Promise<URL> {
    let response = await browser.request(callback);
    for (let hops = 0; hops < 10; hops++) {
      if (response.status === 200 && response.title === 'Allow access?') {
        response = await browser.request(response.formAction('consent'), {
          form: { csrf: response.csrf(), scope: response.choices('scope') },
        });
        continue;
      }
      assert.equal(
        response.status,
        303,
        `${response.url.pathname}: ${response.status} "${response.title}" ${response.body.slice(0, 300)}`,
      );
      if (!response.location!.startsWith(server.baseUrl)) return new URL(response.location!);
      response = await browser.request(response.location!);
    }
    throw new Error('too many redirects');
  }

  async function exchange(code: string, verifier: string, app: { clientId: string; redirectUri: string }) {
    const exchanged = await exchangeCode(server.baseUrl, {
      code,
      verifier,
      clientId: app.clientId,
      redirectUri: app.redirectUri,
    });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    return exchanged.body as { access_token: string; id_token: string; scope: string };
  }

  const claimsOf = (idToken: string) =>
    JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

  it("signs a linked identity in through the practice's provider, then consent, code, token and FHIR reads as that practitioner", async () => {
    const browser = new TestBrowser();
    const { page, verifier, state, app } = await authorize(browser, appX);
    assert.match(page.body, /<button type="submit">Sign in with Riverside Clinic<\/button>/);
    assert.ok(page.findFormAction('login'), 'the password form stays');

    const authorization = await pressFederated(browser, page);
    assert.equal(authorization.searchParams.get('client_id'), EXTERNAL_CLIENT_ID);
    assert.equal(authorization.searchParams.get('redirect_uri'), `${server.baseUrl}/auth/federated/callback`);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(browser.jar(server.baseUrl).has('portal_federation'), 'the flow is bound to this browser');

    const callback = await throughExternalPages(browser, authorization, 'ext-ann', { returnTo: server.baseUrl });
    assert.equal(callback.pathname, '/auth/federated/callback');
    assert.equal(callback.searchParams.get('iss'), external.url);
    assert.deepEqual(
      [...callback.searchParams.keys()].sort(),
      ['code', 'iss', 'state'],
      'the interaction is named by the server-side flow record only',
    );
    const resumed = await browser.request(callback);
    assert.equal(resumed.status, 303, resumed.body);
    assert.match(
      new URL(resumed.location!).pathname,
      /^\/oauth\/authorize\//,
      'back into the authorization (returnTo)',
    );
    assert.ok(!browser.jar(server.baseUrl).has('portal_federation'), 'the flow cookie is cleared');

    const redirect = await backToTheApp(browser, new URL(resumed.location!));
    assert.equal(redirect.origin + redirect.pathname, app.redirectUri);
    assert.equal(redirect.searchParams.get('state'), state);
    const code = redirect.searchParams.get('code');
    assert.ok(code, redirect.href);

    const tokens = await exchange(code, verifier, app);
    const claims = claimsOf(tokens.id_token);
    assert.equal(claims.sub, accountIds.ann, 'the linked local account, not the external subject');
    assert.equal(claims.fhirUser, `${server.fhirUrl}/Practitioner/${practitionerAnn}`);
    assert.equal(tokens.scope.split(' ').sort().join(' '), SCOPE.split(' ').sort().join(' '));

    const authorization_ = { authorization: `Bearer ${tokens.access_token}` };
    const me = await fhirFetch(`${server.fhirUrl}/Practitioner/${practitionerAnn}`, { headers: authorization_ });
    assert.equal(me.status, 200);
    assert.equal(
      (await fhirFetch(`${server.fhirUrl}/Patient/${patientX}`, { headers: authorization_ })).status,
      200,
      "a patient of the practitioner's practice",
    );
    assert.equal(
      (await fhirFetch(`${server.fhirUrl}/Patient/${patientY}`, { headers: authorization_ })).status,
      404,
      "another practice's patient stays invisible",
    );
  });

  it('matches an account enrolled with the practice by its verified e-mail', async () => {
    const browser = new TestBrowser();
    const { page, verifier, app } = await authorize(browser, appX);
    const callback = await throughExternalPages(browser, await pressFederated(browser, page), 'ext-bob', {
      returnTo: server.baseUrl,
    });
    const redirect = await backToTheApp(browser, callback);
    const tokens = await exchange(redirect.searchParams.get('code') ?? '', verifier, app);
    assert.equal(claimsOf(tokens.id_token).sub, accountIds.bob);
  });

  it('refuses an identity that is not linked and whose account is not enrolled, with a way back to the sign-in page', async () => {
    for (const login of ['ext-carol', 'ext-dave']) {
      const browser = new TestBrowser();
      const { page } = await authorize(browser, appX);
      const callback = await throughExternalPages(browser, await pressFederated(browser, page), login, {
        returnTo: server.baseUrl,
      });
      const refused = await browser.request(callback);
      assert.equal(refused.status, 403, login);
      assert.match(refused.body, /Your Riverside Clinic account is not connected to an account here/);
      const back = /<a href="([^"]+)">Back to the sign-in page<\/a>/.exec(refused.body)?.[1];
      assert.equal(back, page.url.pathname, "the link leads back to this interaction's sign-in page");
      const again = await browser.request(new URL(back!, server.baseUrl));
      assert.equal(again.status, 200);
      assert.equal(again.title, 'Sign in', 'still not signed in: the password form and the button are offered again');
      assert.ok(again.findFormAction('federated'));
    }
  });

  it("refuses a callback carried to another browser (login CSRF), and a state that is not this browser's", async () => {
    const attacker = new TestBrowser();
    const { page } = await authorize(attacker, appX);
    const attackersCallback = await throughExternalPages(attacker, await pressFederated(attacker, page), 'ext-ann', {
      returnTo: server.baseUrl,
    });

    const victim = new TestBrowser();
    const victims = await authorize(victim, appX);
    const victimsCallback = await throughExternalPages(victim, await pressFederated(victim, victims.page), 'ext-bob', {
      returnTo: server.baseUrl,
    });
    // The victim's browser has its own flow cookie, yet the attacker's state must not match it.
    const forged = await victim.request(attackersCallback);
    assert.equal(forged.status, 400);
    assert.match(forged.body, /could not be completed/);
    const fresh = await new TestBrowser().request(attackersCallback);
    assert.equal(fresh.status, 400, 'no flow cookie at all');

    // Neither interaction was signed in: both sign-in pages still ask for a sign-in.
    assert.equal((await attacker.request(page.url)).title, 'Sign in');
    assert.equal((await victim.request(victims.page.url)).title, 'Sign in');
    void victimsCallback;
  });

  it('resuming the authorization needs the browser that started it, even after a successful callback', async () => {
    const browser = new TestBrowser();
    const { page } = await authorize(browser, appX);
    const callback = await throughExternalPages(browser, await pressFederated(browser, page), 'ext-ann', {
      returnTo: server.baseUrl,
    });
    const resumed = await browser.request(callback);
    assert.equal(resumed.status, 303);
    const elsewhere = await new TestBrowser().request(resumed.location!);
    assert.equal(elsewhere.status, 400, 'oidc-provider wants the resume cookie of the starting browser');
    assert.doesNotMatch(elsewhere.location ?? '', /code=/);
  });

  it("records a federated login only on an interaction that is still signing in, for an app of the provider's practice", async () => {
    const provider = server.app.smart.provider;
    const uidOf = (url: URL) => decodeURIComponent(url.pathname.split('/').pop()!);
    const elsewhere = new TestBrowser();
    const other = await authorize(elsewhere, appY);
    assert.deepEqual(await finishFederatedLogin(provider, uidOf(other.page.url), accountIds.ann!, practiceX), {
      ok: false,
      reason: 'other-practice',
    });
    assert.equal((await elsewhere.request(other.page.url)).title, 'Sign in', 'that interaction is still not signed in');
    assert.deepEqual(await finishFederatedLogin(provider, 'no-such-interaction', accountIds.ann!, practiceX), {
      ok: false,
      reason: 'expired',
    });

    const browser = new TestBrowser();
    const { page } = await authorize(browser, appX);
    const callback = await throughExternalPages(browser, await pressFederated(browser, page), 'ext-ann', {
      returnTo: server.baseUrl,
    });
    const resumed = await browser.request(callback);
    const consent = await browser.request(resumed.location!);
    assert.match(new URL(consent.location!).pathname, /^\/oauth\/interaction\//);
    assert.notEqual(uidOf(new URL(consent.location!)), uidOf(page.url), 'a new interaction for consent');
    assert.deepEqual(
      await finishFederatedLogin(provider, uidOf(page.url), accountIds.bob!, practiceX),
      { ok: false, reason: 'expired' },
      'the finished interaction is gone',
    );
    assert.deepEqual(
      await finishFederatedLogin(provider, uidOf(new URL(consent.location!)), accountIds.bob!, practiceX),
      { ok: false, reason: 'not-signing-in' },
    );
    assert.equal((await browser.request(consent.location!)).title, 'Allow access?');
  });

  it('offers no button to apps of a practice without its own provider, and refuses the start there', async () => {
    const browser = new TestBrowser();
    const { page } = await authorize(browser, appY);
    assert.doesNotMatch(page.body, /Sign in with/);
    assert.equal(page.findFormAction('federated'), undefined);
    const forced = await browser.request(new URL(`${page.url.pathname}/federated`, server.baseUrl), {
      form: { csrf: page.csrf() },
    });
    assert.equal(forced.status, 404);
    assert.match(forced.body, /does not offer sign-in with its own account system/);
  });

  it("says so when the practice's provider cannot be reached, with a way back to the sign-in page", async () => {
    const browser = new TestBrowser();
    const { page } = await authorize(browser, appZ);
    assert.match(page.body, /Sign in with Zed Health/);
    const failed = await browser.request(page.findFormAction('federated')!, { form: { csrf: page.csrf() } });
    assert.equal(failed.status, 502);
    assert.match(failed.body, /The sign-in service of Zed Health cannot be reached right now/);
    assert.match(failed.body, new RegExp(`<a href="${page.url.pathname}">Back to the sign-in page</a>`));
    assert.ok(!browser.jar(server.baseUrl).has('portal_federation'), 'no flow was started');
  });

  it("starts only from the interaction's own page: its CSRF token and its cookie", async () => {
    const browser = new TestBrowser();
    const { page } = await authorize(browser, appX);
    const action = page.findFormAction('federated')!;
    const noCsrf = await browser.request(action, { form: { csrf: 'not-the-token' } });
    assert.equal(noCsrf.status, 403);
    const noCookie = await new TestBrowser().request(action, { form: { csrf: page.csrf() } });
    assert.equal(noCookie.status, 400);
    assert.equal(
      (await fetch(`${server.baseUrl}/auth/federated/${practiceX}/start`, { redirect: 'manual' })).status,
      404,
      'no start outside an interaction',
    );
  });
});
