import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import type { Account } from '../accounts/account.ts';
import type { PasswordAccountService } from '../accounts/account-service.ts';
import {
  EXTERNAL_CLIENT_ID,
  EXTERNAL_CLIENT_SECRET,
  startExternalProvider,
  throughExternalPages,
} from '../../../test/support/external-provider.ts';
import { startHttp } from '../../../test/support/loopback-http.ts';
import type { TestHttpServer } from '../../../test/support/loopback-http.ts';
import { openTestEngine } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';
import { testAccounts } from '../../../test/support/test-accounts.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';
import { createFederatedSignIn, FLOW_NAMESPACE, federationRedirectUri } from './federated-sign-in.ts';
import type { SignInDetails } from './federated-sign-in.ts';
import { enrolAccount, findLinkedAccountId, linkIdentity } from './identity-links.ts';
import { FederationInputError, getPracticeProvider, setPracticeProvider } from './practice-providers.ts';

/**
 * Federated sign-in against a SECOND, real oidc-provider on loopback playing a practice's own
 * identity provider. The TestBrowser (fetch with manual redirects and a cookie jar per origin) goes
 * through its real login and consent pages (oidc-provider's development interactions, acceptable
 * for this external provider only).
 */

/** The people the external provider knows (sub → claims). */
const people: Record<string, { email?: string; email_verified?: boolean }> = {
  'ext-ann': { email: 'ann.at.riverside@riverside.example', email_verified: true },
  'ext-bob': { email: 'bob@example.org', email_verified: true },
  'ext-carol': { email: 'carol@example.org', email_verified: true },
  'ext-mallory': { email: 'bob@example.org', email_verified: false },
  'ext-dave': { email: 'dave@nowhere.example', email_verified: true },
  'ext-noemail': {},
};

const BINDING = { interactionUid: 'interaction-1', returnPath: '/oauth/interaction/interaction-1' };

describe('federated sign-in through a practice OpenID provider', () => {
  let t: TestEngine;
  let ours: TestHttpServer;
  let external: TestHttpServer;
  let accounts: PasswordAccountService;
  const signedIn: Array<{ account: Account; details: SignInDetails }> = [];
  const users: Record<string, Account> = {};

  before(async () => {
    t = await openTestEngine('federation', Date.now());
    accounts = testAccounts(t.engine.keyValue, { clock: t.clock });
    for (const name of ['ann', 'bob', 'carol']) {
      users[name] = await accounts.createAccount({
        email: `${name}@example.org`,
        kind: 'practitioner',
        fhirUser: `Practitioner/${name}`,
      });
    }

    ours = await startHttp();
    external = await startExternalProvider(federationRedirectUri(ours.url), people);

    await setPracticeProvider(
      t.engine.keyValue,
      {
        practiceId: 'riverside',
        issuer: external.url,
        clientId: EXTERNAL_CLIENT_ID,
        clientSecret: EXTERNAL_CLIENT_SECRET,
        displayName: 'Riverside Clinic',
      },
      false,
    );
    await linkIdentity(t.engine.keyValue, external.url, 'ext-ann', users.ann!.id);
    await enrolAccount(t.engine.keyValue, 'riverside', users.bob!.id);

    const app = express();
    app.set('trust proxy', false);
    const federation = createFederatedSignIn({
      keyValue: t.engine.keyValue,
      accounts,
      baseUrl: ours.url,
      production: false,
      logger: pino({ level: 'silent' }),
      onSignedIn: (_req, res, account, details) => {
        signedIn.push({ account, details });
        res.json({ accountId: account.id, practiceId: details.practiceId, issuer: details.issuer });
      },
    });
    app.use('/auth', federation.router);
    // What the SMART sign-in page's federated form does (smart/interaction-routes.ts), reduced to a GET
    // bound to a fixed interaction: these tests are about the flow with the practice's provider.
    app.get('/auth/federated/:practiceId/start', (req, res) =>
      federation.start(res, String(req.params.practiceId), BINDING),
    );
    ours.setHandler(app);
  });
  after(async () => {
    await ours.close();
    await external.close();
    await t.close();
  });
  beforeEach(() => {
    signedIn.length = 0;
  });

  /**
   * Starts at our server and goes through the external provider's pages as `login` until it redirects
   * back to our callback; answers that callback URL (not yet requested). `cancel` aborts at the login page.
   */
  async function throughExternalProvider(
    browser: TestBrowser,
    login: string,
    options: { cancel?: boolean } = {},
  ): Promise<{ callback: URL; authorization: URL }> {
    const start = await browser.request(`${ours.url}/auth/federated/riverside/start`);
    assert.equal(start.status, 303, start.body);
    const authorization = new URL(start.location ?? '');
    const callback = await throughExternalPages(browser, authorization, login, { returnTo: ours.url, ...options });
    return { callback, authorization };
  }

  async function signIn(login: string): Promise<{ status: number; body: string }> {
    const browser = new TestBrowser();
    const { callback } = await throughExternalProvider(browser, login);
    const response = await browser.request(callback);
    return { status: response.status, body: response.body };
  }

  it('signs in an identity linked to an account, with PKCE S256, state and nonce', async () => {
    const browser = new TestBrowser();
    const { callback, authorization } = await throughExternalProvider(browser, 'ext-ann');
    assert.equal(authorization.origin, external.url);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authorization.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.ok(authorization.searchParams.get('state'));
    assert.ok(authorization.searchParams.get('nonce'));
    assert.equal(authorization.searchParams.get('redirect_uri'), `${ours.url}/auth/federated/callback`);
    assert.equal(authorization.searchParams.get('client_id'), EXTERNAL_CLIENT_ID);
    assert.equal(callback.searchParams.get('iss'), external.url, 'the provider says who it is (RFC 9207)');

    const response = await browser.request(callback);
    assert.equal(response.status, 200, response.body);
    assert.deepEqual(JSON.parse(response.body), {
      accountId: users.ann!.id,
      practiceId: 'riverside',
      issuer: external.url,
    });
    assert.equal(signedIn.length, 1);
    assert.equal(signedIn[0]?.account.email, 'ann@example.org', 'our account, not the external e-mail');
    assert.equal(browser.jar(ours.url).size, 0, 'the flow cookie is cleared');
  });

  it('binds the flow to the browser with an HttpOnly, SameSite=Lax cookie scoped to the federation paths', async () => {
    const start = await fetch(`${ours.url}/auth/federated/riverside/start`, { redirect: 'manual' });
    const cookie = start.headers.getSetCookie().find((c) => c.startsWith('portal_federation=')) ?? '';
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.match(cookie, /Path=\/auth\/federated/);
    assert.equal(
      decodeURIComponent(/^portal_federation=([^;]+)/.exec(cookie)?.[1] ?? ''),
      new URL(start.headers.get('location') ?? '').searchParams.get('state'),
    );
  });

  it('matches an enrolled account by the verified e-mail once, then by the stored link', async () => {
    const first = await signIn('ext-bob');
    assert.equal(first.status, 200, first.body);
    assert.equal(JSON.parse(first.body).accountId, users.bob!.id);
    assert.equal(
      await findLinkedAccountId(t.engine.keyValue, external.url, 'ext-bob'),
      users.bob!.id,
      'the identity is now linked',
    );
    people['ext-bob'] = { email: 'robert@elsewhere.example', email_verified: true };
    const later = await signIn('ext-bob');
    assert.equal(JSON.parse(later.body).accountId, users.bob!.id, 'the link holds when the e-mail changes');
  });

  it('refuses an identity that is not linked, whose account is not enrolled with the practice, or whose e-mail is not verified', async () => {
    for (const login of ['ext-carol', 'ext-mallory', 'ext-dave', 'ext-noemail']) {
      const { status, body } = await signIn(login);
      assert.equal(status, 403, login);
      assert.match(body, /Your Riverside Clinic account is not connected to an account here/);
      assert.equal(
        await findLinkedAccountId(t.engine.keyValue, external.url, login),
        undefined,
        `${login} was not linked`,
      );
    }
    assert.equal(signedIn.length, 0, 'onSignedIn was never called');
  });

  it('refuses a callback whose state does not match the browser, and one without the flow cookie', async () => {
    const browser = new TestBrowser();
    const { callback } = await throughExternalProvider(browser, 'ext-ann');
    const tampered = new URL(callback);
    tampered.searchParams.set('state', 'attacker-chosen-state-value');
    const wrongState = await browser.request(tampered);
    assert.equal(wrongState.status, 400);
    assert.match(wrongState.body, /could not be completed/);

    const victim = new TestBrowser(); // login CSRF: the attacker's callback URL opened in another browser
    const other = await throughExternalProvider(new TestBrowser(), 'ext-ann');
    const noCookie = await victim.request(other.callback);
    assert.equal(noCookie.status, 400);
    assert.equal(signedIn.length, 0);
  });

  it('uses a flow once: replaying the callback fails even with the cookie', async () => {
    const browser = new TestBrowser();
    const { callback } = await throughExternalProvider(browser, 'ext-ann');
    const cookie = new Map(browser.jar(ours.url));
    assert.equal((await browser.request(callback)).status, 200);
    const state = callback.searchParams.get('state') ?? '';
    const flow = await t.engine.keyValue.find(FLOW_NAMESPACE, createHash('sha256').update(state).digest('base64url'));
    assert.equal(typeof flow?.consumedAt, 'number', "the flow record is consumed, not just the provider's code");
    browser.jars.set(ours.url, cookie);
    const replay = await browser.request(callback);
    assert.equal(replay.status, 400);
    assert.equal(signedIn.length, 1);
  });

  it('refuses a flow older than 10 minutes', async () => {
    const browser = new TestBrowser();
    const { callback } = await throughExternalProvider(browser, 'ext-ann');
    t.clock.advance(10 * 60_000 + 1);
    const late = await browser.request(callback);
    assert.equal(late.status, 400);
    assert.equal(signedIn.length, 0);
  });

  it('says so when the person cancels at the provider', async () => {
    const browser = new TestBrowser();
    const { callback } = await throughExternalProvider(browser, 'ext-ann', { cancel: true });
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    const response = await browser.request(callback);
    assert.equal(response.status, 403);
    assert.match(response.body, /The sign-in at Riverside Clinic was cancelled or refused/);
    assert.equal(signedIn.length, 0);
  });

  it('answers an unknown practice with 404 and an unreachable provider with 502', async () => {
    assert.equal((await fetch(`${ours.url}/auth/federated/nowhere/start`, { redirect: 'manual' })).status, 404);
    assert.equal(
      (await fetch(`${ours.url}/auth/federated/${encodeURIComponent('<bad id>')}/start`, { redirect: 'manual' }))
        .status,
      404,
    );
    const closed = await startHttp();
    const closedUrl = closed.url;
    await closed.close();
    await setPracticeProvider(
      t.engine.keyValue,
      { practiceId: 'offline', issuer: closedUrl, clientId: 'x', clientSecret: 'y' },
      false,
    );
    const response = await fetch(`${ours.url}/auth/federated/offline/start`, { redirect: 'manual' });
    assert.equal(response.status, 502);
    assert.match(await response.text(), /cannot be reached right now/);
  });
});

describe('practice provider settings', () => {
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine('federation-settings');
  });
  after(() => t.close());

  it('stores and reads back a practice provider', async () => {
    await setPracticeProvider(
      t.engine.keyValue,
      {
        practiceId: 'org-1',
        issuer: 'https://login.example.org/tenant',
        clientId: 'c',
        clientSecret: 's',
        tokenEndpointAuthMethod: 'client_secret_post',
      },
      true,
    );
    assert.deepEqual(await getPracticeProvider(t.engine.keyValue, 'org-1'), {
      practiceId: 'org-1',
      issuer: 'https://login.example.org/tenant',
      clientId: 'c',
      clientSecret: 's',
      tokenEndpointAuthMethod: 'client_secret_post',
      displayName: 'org-1',
    });
    assert.equal(await getPracticeProvider(t.engine.keyValue, 'org-2'), undefined);
  });

  it('refuses bad settings with every problem named, and plain http in production', async () => {
    await assert.rejects(
      setPracticeProvider(
        t.engine.keyValue,
        { practiceId: 'bad id', issuer: 'ftp://x', clientId: '', clientSecret: '' },
        false,
      ),
      (err: unknown) =>
        err instanceof FederationInputError &&
        ['practice id', 'issuer', 'client id', 'client secret'].every((p) => err.message.includes(p)),
    );
    await assert.rejects(
      setPracticeProvider(
        t.engine.keyValue,
        { practiceId: 'org-3', issuer: 'http://idp.example.org', clientId: 'c', clientSecret: 's' },
        true,
      ),
      /issuer must be an https URL/,
    );
    await setPracticeProvider(
      t.engine.keyValue,
      { practiceId: 'org-3', issuer: 'http://localhost:9000', clientId: 'c', clientSecret: 's' },
      false,
    );
  });
});
