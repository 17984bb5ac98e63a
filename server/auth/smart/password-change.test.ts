import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import type { PasswordAccountService } from '../accounts/account-service.ts';
import { openEngineOn } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, postForm, signInAndConsent } from '../../../test/support/smart-sign-in.ts';
import { testAccounts } from '../../../test/support/test-accounts.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';

/**
 * A password change ends everything the account had: its access tokens at the bearer check, its
 * codes and refresh tokens at the token endpoint, its sign-in sessions at the authorization endpoint.
 * The change is made through another connection to the same SQLite file with its own account
 * service, as the CLI or another server process would: the server learns of it from the store alone.
 */
const SCOPE = 'openid fhirUser launch/patient patient/*.rs offline_access';
const NEW_PASSWORD = 'marmalade tractor ocean violin';

describe("a password change ends the account's sessions and tokens", () => {
  let s: SmartServer;
  let elsewhere: TestEngine;
  let otherProcess: PasswordAccountService;

  before(async () => {
    s = await startSmartServer();
    elsewhere = await openEngineOn(s.t.file, Date.now());
    otherProcess = testAccounts(elsewhere.engine.keyValue);
  });
  after(async () => {
    await elsewhere.close();
    await s.close();
  });

  /** A signed-in browser, its app and its first tokens. */
  async function signedIn() {
    const user = await s.createAccount('patient', 'Person/pc', [{ id: 'pat-pc', display: 'Pee Cee' }]);
    const app = await s.registerPublicApp(SCOPE);
    const config = await s.rp(app.clientId);
    const browser = new TestBrowser(s.base);
    const request = () =>
      authorizationRequest(config, { redirect_uri: app.redirectUri, scope: SCOPE, aud: s.fhirBase });
    const first = await request();
    const { redirect } = await signInAndConsent(browser, first.url, user);
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: first.verifier,
      expectedState: first.state,
    });
    return { user, app, config, browser, request, tokens };
  }

  const refresh = (clientId: string, refreshToken: string) =>
    postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });

  it('the access token answers 401 at the FHIR API', async () => {
    const { user, tokens } = await signedIn();
    assert.equal((await s.echo(tokens.access_token)).status, 200);
    await otherProcess.setPassword(user.id, NEW_PASSWORD);
    const refused = await s.echo(tokens.access_token);
    assert.equal(refused.status, 401);
    assert.match(refused.wwwAuthenticate ?? '', /error="invalid_token".*password changed/);
  });

  it('the refresh token, and one rotated before the change, are invalid_grant', async () => {
    const { user, app, tokens } = await signedIn();
    const rotated = await refresh(app.clientId, tokens.refresh_token!);
    assert.equal(rotated.status, 200, 'refreshing works before the change');
    await otherProcess.setPassword(user.id, NEW_PASSWORD);
    const refused = await refresh(app.clientId, rotated.body.refresh_token as string);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error, 'invalid_grant');
    assert.equal(
      (await s.echo(rotated.body.access_token as string)).status,
      401,
      'nor the access token the refresh gave',
    );
  });

  it('a code issued before the change cannot be exchanged after it', async () => {
    const { user, app, browser, request } = await signedIn();
    const second = await request();
    const { redirect } = await signInAndConsent(browser, second.url, user);
    await otherProcess.setPassword(user.id, NEW_PASSWORD);
    const exchange = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'authorization_code',
      code: redirect.searchParams.get('code')!,
      redirect_uri: app.redirectUri,
      client_id: app.clientId,
      code_verifier: second.verifier,
    });
    assert.equal(exchange.status, 400);
    assert.equal(exchange.body.error, 'invalid_grant');
  });

  it("the browser's sign-in session must sign in again, with the new password; what it then gets works", async () => {
    const { user, app, config, browser, request } = await signedIn();
    const reused = await browser.go(String((await request()).url));
    assert.equal(reused.title, 'Allow access?', 'before the change the session is reused: straight to consent');
    await otherProcess.setPassword(user.id, NEW_PASSWORD);
    const again = await request();
    const page = await browser.go(String(again.url));
    assert.equal(page.title, 'Sign in', 'the old session no longer counts');
    const { redirect } = await signInAndConsent(browser, again.url, { email: user.email, password: NEW_PASSWORD });
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: again.verifier,
      expectedState: again.state,
    });
    assert.equal(
      (await s.echo(tokens.access_token)).status,
      200,
      'a sign-in right after the change is not taken for one before it',
    );
    assert.equal((await refresh(app.clientId, tokens.refresh_token!)).status, 200);
  });

  it('prompt=none with a session from before the change answers login_required', async () => {
    const { user, browser, config, app } = await signedIn();
    await otherProcess.setPassword(user.id, NEW_PASSWORD);
    const silent = await authorizationRequest(config, {
      redirect_uri: app.redirectUri,
      scope: SCOPE,
      aud: s.fhirBase,
      prompt: 'none',
    });
    const page = await browser.go(String(silent.url));
    assert.ok(page.location, `a redirect back to the app, got ${page.status} "${page.title}"`);
    assert.equal(new URL(page.location).searchParams.get('error'), 'login_required');
  });

  it('other accounts keep their tokens', async () => {
    const bystander = await signedIn();
    const changed = await signedIn();
    await otherProcess.setPassword(changed.user.id, NEW_PASSWORD);
    assert.equal((await s.echo(bystander.tokens.access_token)).status, 200);
    assert.equal((await refresh(bystander.app.clientId, bystander.tokens.refresh_token!)).status, 200);
  });
});
