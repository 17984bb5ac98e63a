import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, postForm, signIn, signInAndConsent } from '../../../test/support/smart-sign-in.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';

/**
 * Authorization code + PKCE end to end with openid-client as the app: sign-in page, consent page
 * (granting less than asked), the SMART token response, the id_token, and the bearer middleware.
 */
describe('authorization code with PKCE', () => {
  let s: SmartServer;
  before(async () => {
    s = await startSmartServer();
  });
  after(() => s.close());

  const SCOPE = 'openid fhirUser launch/patient patient/Observation.rs patient/Patient.rs offline_access';

  it('signs in, consents to less than asked, and gets a SMART token response usable at the FHIR API only', async () => {
    const user = await s.createAccount('patient', 'Person/p-1', [{ id: 'pat-1', display: 'Pat One' }]);
    const { app, config, request } = await s.appAuthorization(SCOPE);
    const browser = new TestBrowser(s.base);

    let page = await browser.go(String(request.url));
    assert.equal(page.status, 200);
    assert.equal(page.title, 'Sign in');
    assert.match(page.body, /<a href="\/auth\/forgot-password">Forgot your password\?<\/a>/);
    page = await browser.submit(page, 'login', { email: user.email, password: 'wrong password' });
    assert.equal(page.status, 401, 'a wrong password shows the form again');
    page = await browser.submit(page, 'login', { email: user.email, password: user.password });
    assert.equal(page.title, 'Allow access?', 'one patient: no picker');
    assert.deepEqual(
      page.choices('scope').sort(),
      SCOPE.split(' ').sort(),
      'the consent page lists every requested scope',
    );
    const granted = SCOPE.split(' ').filter((s) => s !== 'patient/Observation.rs');
    page = await browser.submit(page, 'consent', { scope: granted });
    assert.ok(page.location, `redirected to the app: ${page.status} ${page.body.slice(0, 300)}`);
    const callback = new URL(page.location);
    assert.equal(`${callback.origin}${callback.pathname}`, app.redirectUri);
    assert.equal(callback.searchParams.get('state'), request.state, 'state round trip');
    assert.ok(callback.searchParams.get('code'));

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.deepEqual(tokens.scope?.split(' ').sort(), granted.sort(), 'the token has exactly the ticked scopes');
    assert.equal(tokens.patient, 'pat-1');
    assert.equal(tokens.need_patient_banner, true, 'standalone launch: the app shows the banner');
    assert.equal(tokens.smart_style_url, `${s.base}/oauth/smart-style.json`);
    assert.equal(tokens.encounter, undefined, 'no encounter in a standalone launch');
    assert.ok(tokens.refresh_token, 'offline_access granted: a refresh token');
    assert.equal(tokens.claims()?.fhirUser, `${s.fhirBase}/Person/p-1`);
    assert.equal(tokens.claims()?.sub, user.id);
    assert.equal(decodeJwt(tokens.id_token!).aud, app.clientId);

    const echoed = await s.echo(tokens.access_token);
    assert.equal(echoed.status, 200);
    assert.deepEqual(echoed.body.grant, {
      accountId: user.id,
      clientId: app.clientId,
      clientPractice: 'practice-1',
      scope: tokens.scope,
      patient: 'pat-1',
    });

    const elsewhere = await s.echo(tokens.access_token, 'other');
    assert.equal(elsewhere.status, 401, 'not accepted by another resource server');
    assert.match(elsewhere.wwwAuthenticate ?? '', /error="invalid_token"/);
    assert.equal(elsewhere.body.resourceType, 'OperationOutcome');

    const anonymous = await s.echo(undefined);
    assert.deepEqual(
      anonymous,
      { status: 200, body: { grant: null }, wwwAuthenticate: null },
      'no header: no grant, no error',
    );
    const junk = await s.echo('not-a-token');
    assert.equal(junk.status, 401);
    assert.match(junk.wwwAuthenticate ?? '', /^Bearer realm=".*", error="invalid_token"/);
  });

  it('sends Cache-Control: no-store on token responses, success or error; profile adds the name to the id_token', async () => {
    const app = await s.registerPublicApp('openid fhirUser profile');
    const response = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'authorization_code',
      code: 'nope',
      redirect_uri: app.redirectUri,
      client_id: app.clientId,
      code_verifier: 'a'.repeat(43),
    });
    assert.equal(response.status, 400);
    assert.equal(response.body.error, 'invalid_grant');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const user = await s.createAccount('practitioner', 'Practitioner/pr-1');
    const config = await s.rp(app.clientId);
    const request = await authorizationRequest(config, {
      redirect_uri: app.redirectUri,
      scope: 'openid fhirUser profile',
      aud: s.fhirBase,
    });
    const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
    const ok = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: app.redirectUri,
      client_id: app.clientId,
      code_verifier: request.verifier,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    assert.equal(ok.headers.get('pragma'), 'no-cache');
    assert.equal(ok.body.patient, undefined, 'no launch/patient: no patient');
    assert.equal(ok.body.need_patient_banner, undefined);
    const idToken = decodeJwt(ok.body.id_token as string);
    assert.equal(idToken.fhirUser, `${s.fhirBase}/Practitioner/pr-1`);
    assert.equal(idToken.name, user.name);
  });

  it('v1 and v2 scopes, granular ones included, are granted as asked', async () => {
    const user = await s.createAccount('patient', 'Person/p-v', [{ id: 'pat-v', display: 'Vee' }]);
    const app = await s.registerPublicApp('openid launch/patient patient/*.read patient/*.rs online_access');
    const config = await s.rp(app.clientId);
    const scope = 'openid launch/patient patient/Patient.read patient/Observation.rs?category=laboratory online_access';
    const request = await authorizationRequest(config, { redirect_uri: app.redirectUri, scope, aud: s.fhirBase });
    const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    assert.deepEqual(tokens.scope?.split(' ').sort(), scope.split(' ').sort());
    assert.ok(tokens.refresh_token, 'online_access: a refresh token too');
    assert.equal(((await s.echo(tokens.access_token)).body.grant as Record<string, unknown>).scope, tokens.scope);
  });

  it('denying on the consent page sends access_denied to the app', async () => {
    const user = await s.createAccount('patient', 'Person/p-2');
    const { request } = await s.appAuthorization('openid fhirUser');
    const browser = new TestBrowser(s.base);
    let page = await signIn(browser, request.url, user);
    page = await browser.submit(page, 'abort');
    const callback = new URL(page.location!);
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    assert.equal(callback.searchParams.get('state'), request.state);
    assert.equal(callback.searchParams.get('code'), null);
  });

  it('a form POST without the CSRF token is refused', async () => {
    const user = await s.createAccount('patient', 'Person/p-3');
    const { request } = await s.appAuthorization('openid fhirUser');
    const browser = new TestBrowser(s.base);
    const page = await browser.go(String(request.url));
    const forged = await browser.request(page.formAction('login'), {
      form: { email: user.email, password: user.password, csrf: 'forged' },
    });
    assert.equal(forged.status, 403);
  });

  it('authorize-post: a form-encoded POST to the authorization endpoint works like GET', async () => {
    const user = await s.createAccount('patient', 'Person/p-4');
    const { config, request } = await s.appAuthorization('openid fhirUser');
    const browser = new TestBrowser(s.base);
    const form = Object.fromEntries(request.url.searchParams);
    let page = await browser.go(`${s.base}/oauth/authorize`, { form });
    assert.equal(page.title, 'Sign in');
    page = await browser.submit(page, 'login', { email: user.email, password: user.password });
    page = await browser.submit(page, 'consent', { scope: page.choices('scope') });
    const callback = new URL(page.location!);
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    assert.ok(tokens.access_token);
  });
});
