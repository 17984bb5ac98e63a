import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { ClientRegistrationError } from './clients.ts';
import { FIRST_PARTY_SCOPE, registerFirstPartyApps } from './first-party-apps.ts';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, signIn } from '../../../test/support/smart-sign-in.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';

/**
 * The platform's own apps: public PKCE clients with fixed ids, no practice, no consent page; still
 * sign-in, PKCE and exact redirect URIs, and only their allowed scopes.
 */
describe('first-party apps', () => {
  let s: SmartServer;
  let consoleRedirect: string;
  before(async () => {
    s = await startSmartServer();
    await registerFirstPartyApps(s.smart, s.base);
    await registerFirstPartyApps(s.smart, s.base); // idempotent: every start-up upserts them
    consoleRedirect = `${s.base}/console/signed-in`;
  });
  after(() => s.close());

  it('registers both apps as platform-owned public clients with exact URIs', async () => {
    for (const [clientId, path] of [
      ['practitioner-console', 'console'],
      ['patient-portal', 'portal'],
    ] as const) {
      const client = await s.smart.provider.Client.find(clientId);
      assert.ok(client, clientId);
      const metadata = client.metadata();
      assert.equal(metadata.practice_id, undefined, 'no practice');
      assert.equal(metadata.first_party, true);
      assert.equal(metadata.token_endpoint_auth_method, 'none');
      assert.deepEqual(metadata.redirect_uris, [`${s.base}/${path}/signed-in`]);
      assert.deepEqual(metadata.post_logout_redirect_uris, [`${s.base}/${path}/`]);
      assert.equal(metadata.smart_scope, FIRST_PARTY_SCOPE);
    }
  });

  it('signs in without a consent page and gets tokens for exactly the scopes asked', async () => {
    const doctor = await s.createAccount('practitioner', 'Practitioner/fp-1');
    const config = await s.rp('practitioner-console');
    const scope = 'openid fhirUser profile online_access user/*.cruds';
    const request = await authorizationRequest(config, { redirect_uri: consoleRedirect, scope, aud: s.fhirBase });
    const browser = new TestBrowser(s.base);
    let page = await browser.go(String(request.url));
    assert.equal(page.title, 'Sign in', 'sign-in is still required');
    page = await browser.submit(page, 'login', { email: doctor.email, password: doctor.password });
    assert.ok(
      page.location?.startsWith(consoleRedirect),
      `straight back to the app, no consent page: ${page.status} ${page.title}`,
    );
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location!), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    assert.deepEqual(tokens.scope?.split(' ').sort(), scope.split(' ').sort());
    assert.ok(tokens.refresh_token);
    assert.equal(tokens.claims()?.fhirUser, `${s.fhirBase}/Practitioner/fp-1`);
    assert.deepEqual((await s.echo(tokens.access_token)).body.grant, {
      accountId: doctor.id,
      clientId: 'practitioner-console',
      scope: tokens.scope,
    });

    const narrower = await authorizationRequest(config, {
      redirect_uri: consoleRedirect,
      scope: 'openid fhirUser',
      aud: s.fhirBase,
    });
    const again = await browser.go(String(narrower.url));
    const second = await oidc.authorizationCodeGrant(config, new URL(again.location!), {
      pkceCodeVerifier: narrower.verifier,
      expectedState: narrower.state,
    });
    assert.equal(second.scope, 'openid fhirUser', 'implied consent covers only what was asked');
  });

  it('still requires PKCE, an exact redirect URI and its allowed scopes', async () => {
    const config = await s.rp('patient-portal');
    const noPkce = new URL(`${s.base}/oauth/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: 'patient-portal',
      redirect_uri: `${s.base}/portal/signed-in`,
      scope: 'openid',
      state: 'x',
      aud: s.fhirBase,
    }))
      noPkce.searchParams.set(k, v);
    const refused = await new TestBrowser(s.base).request(noPkce.href);
    assert.equal(new URL(refused.location!).searchParams.get('error'), 'invalid_request');

    for (const redirect of [
      `${s.base}/portal/signed-in/`,
      `${s.base}/console/signed-in`,
      `${s.base}/portal/signed-in?x=1`,
      `${s.base}/portal/`,
    ]) {
      const request = await authorizationRequest(config, { redirect_uri: redirect, scope: 'openid', aud: s.fhirBase });
      const page = await new TestBrowser(s.base).request(String(request.url));
      assert.equal(page.status, 400, redirect);
      assert.equal(page.location, undefined, `no redirect to ${redirect}`);
    }

    const beyond = await authorizationRequest(config, {
      redirect_uri: `${s.base}/portal/signed-in`,
      scope: 'openid patient/*.rs',
      aud: s.fhirBase,
    });
    const page = await new TestBrowser(s.base).request(String(beyond.url));
    assert.equal(new URL(page.location!).searchParams.get('error'), 'invalid_scope');
  });

  it('signs out through RP-initiated logout back to the app', async () => {
    const patient = await s.createAccount('patient', 'Person/fp-2');
    const config = await s.rp('patient-portal');
    const request = await authorizationRequest(config, {
      redirect_uri: `${s.base}/portal/signed-in`,
      scope: 'openid fhirUser',
      aud: s.fhirBase,
    });
    const browser = new TestBrowser(s.base);
    let page = await signIn(browser, request.url, patient);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location!), {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    const logoutUrl = oidc.buildEndSessionUrl(config, {
      id_token_hint: tokens.id_token!,
      post_logout_redirect_uri: `${s.base}/portal/`,
    });
    page = await browser.request(logoutUrl.href);
    assert.equal(page.title, 'Sign out?');
    const action =
      /<form id="op.logoutForm" method="post" action="([^"]+)"><input type="hidden" name="xsrf" value="([^"]+)"/.exec(
        page.body,
      );
    assert.ok(action);
    page = await browser.request(action[1]!, { form: { xsrf: action[2]!, logout: 'yes' } });
    assert.equal(page.location, `${s.base}/portal/`);
    const evil = oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: 'https://evil.example/' });
    assert.equal((await browser.request(evil.href)).status, 400, 'only the registered post-logout URI');
    const again = await browser.go(
      String(
        (
          await authorizationRequest(config, {
            redirect_uri: `${s.base}/portal/signed-in`,
            scope: 'openid',
            aud: s.fhirBase,
          })
        ).url,
      ),
    );
    assert.equal(again.title, 'Sign in', 'the session is over');
  });

  it('only a first-party app may be without a practice, and it may not have one', async () => {
    await assert.rejects(
      s.smart.registerClient({ name: 'x', kind: 'public', redirectUris: ['https://a.example/cb'], scope: 'openid' }),
      ClientRegistrationError,
    );
    await assert.rejects(
      s.smart.registerClient({
        practiceId: 'p-1',
        firstParty: true,
        name: 'x',
        kind: 'public',
        redirectUris: ['https://a.example/cb'],
        scope: 'openid',
      }),
      ClientRegistrationError,
    );
    await assert.rejects(
      s.smart.registerClient({
        firstParty: true,
        name: 'x',
        kind: 'confidential-symmetric',
        redirectUris: ['https://a.example/cb'],
        scope: 'openid',
      }),
      ClientRegistrationError,
    );
  });
});
