import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PasswordAccountService } from '../../server/auth/accounts/account-service.ts';
import { openClientRegistry } from '../../server/auth/smart/client-registry.ts';
import { pkceAuthorizeUrl, postForm, signInAndConsent } from '../support/smart-sign-in.ts';
import { TestBrowser } from '../support/test-browser.ts';
import { mailText, startTestSmtpServer } from '../support/test-smtp-server.ts';
import type { TestSmtpServer } from '../support/test-smtp-server.ts';
import { SqliteEngine } from '../../server/storage/sqlite/sqlite-engine.ts';
import { cliEnv, runCli } from '../support/run-cli.ts';
import { practiceOf, startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { fhirFetch } from '../support/test-server.ts';

/**
 * Finding 5 of issue #9: "A password reset leaves the account's access and refresh tokens working;
 * `password1234` is accepted as a new password."
 *
 * Two real server processes (`node server/main.ts`) share one data directory and one public URL, as
 * behind a load balancer; e-mail goes to a real SMTP server. A practitioner signs in through the
 * authorization endpoint of process A, gets an access and a refresh token; the password is reset
 * through the e-mailed link on process B. Process A, which saw nothing of the reset but the store,
 * must then refuse the old access token, the old refresh token and the old sign-in session. The
 * operator's CLI (a third process) is held to the same rules.
 */
const SCOPE = 'openid fhirUser user/*.rs offline_access';
const REDIRECT = 'http://127.0.0.1:9/callback';
const EMAIL = 'reset.victim@example.org';

describe('finding 5: a password reset ends every session and token of the account; common passwords are refused', () => {
  let smtp: TestSmtpServer;
  let dataDir: string;
  let a: ServerProcess;
  let b: ServerProcess;
  let store: SqliteEngine;
  let clientId = '';
  let patientId = '';
  /** The account's password as the tests change it. */
  let password = 'the old password here';

  before(async () => {
    smtp = await startTestSmtpServer();
    dataDir = mkdtempSync(join(tmpdir(), 'escalation-reset-'));
    a = await startServerProcess(dataDir, { SMTP_URL: smtp.url });
    b = await startServerProcess(dataDir, { SMTP_URL: smtp.url, BASE_URL: a.baseUrl });
    const { practiceId } = await practiceOf(dataDir);
    const post = async (resource: Record<string, unknown>) => {
      const created = await fhirFetch(`${a.fhirUrl}/${resource.resourceType as string}`, {
        method: 'POST',
        body: resource,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const practitioner = await post({ resourceType: 'Practitioner', name: [{ family: 'Victim' }] });
    await post({
      resourceType: 'PractitionerRole',
      practitioner: { reference: `Practitioner/${practitioner}` },
      organization: { reference: `Organization/${practiceId}` },
    });
    patientId = await post({ resourceType: 'Patient', name: [{ family: 'Reset' }] });
    // The account and the app are written to the shared store the way the CLIs do, while both servers run.
    store = new SqliteEngine(join(dataDir, 'fhir.sqlite'));
    await store.open();
    await new PasswordAccountService({ keyValue: store.keyValue }).createAccount({
      email: EMAIL,
      kind: 'practitioner',
      fhirUser: `Practitioner/${practitioner}`,
      password,
    });
    const registry = await openClientRegistry({ baseUrl: a.baseUrl, fhirBaseUrl: a.fhirUrl, keyValue: store.keyValue });
    ({ clientId } = await registry.register({
      practiceId,
      name: 'Reset test app',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: SCOPE,
    }));
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await store?.close();
    await smtp?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** An authorization request as the app builds it (PKCE S256, state, aud), always at process A. */
  function authorizeUrl() {
    return pkceAuthorizeUrl(a.baseUrl, { client_id: clientId, redirect_uri: REDIRECT, scope: SCOPE, aud: a.fhirUrl });
  }

  /** Signs in (or reuses the browser's session) and consents; answers the tokens from A's token endpoint. */
  async function signIn(browser: TestBrowser, withPassword = password) {
    const request = authorizeUrl();
    const { redirect } = await signInAndConsent(browser, request.url, { email: EMAIL, password: withPassword });
    const code = redirect.searchParams.get('code');
    assert.ok(code, redirect.href);
    const exchanged = await postForm(`${a.baseUrl}/oauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: request.verifier,
    });
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    return { access: exchanged.body.access_token as string, refresh: exchanged.body.refresh_token as string };
  }

  /** GET /fhir/R4/Patient on a server process with the token. */
  async function patients(server: ServerProcess, token: string) {
    const response = await fetch(`${server.baseUrl}/fhir/R4/Patient`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
    });
    const body = (await response.json()) as { entry?: Array<{ resource: { id: string } }> };
    return {
      status: response.status,
      ids: (body.entry ?? []).map((e) => e.resource.id),
      wwwAuthenticate: response.headers.get('www-authenticate') ?? '',
    };
  }

  const refresh = (server: ServerProcess, token: string) =>
    postForm(`${server.baseUrl}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: token,
      client_id: clientId,
    });

  /** Asks for a reset link on `server` and answers the link received by e-mail. */
  async function resetLink(server: ServerProcess): Promise<URL> {
    const asked = await fetch(`${server.baseUrl}/auth/forgot-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ email: EMAIL }),
    });
    assert.equal(asked.status, 200);
    const mail = await smtp.nextMail();
    assert.deepEqual(mail.to, [EMAIL]);
    const match = /https?:\/\/\S+reset-password\?token=[A-Za-z0-9_-]+/.exec(mailText(mail.raw));
    assert.ok(match, mailText(mail.raw));
    const link = new URL(match[0]);
    assert.equal(link.origin, a.baseUrl, 'the link is built from the shared BASE_URL');
    return link;
  }

  /** Submits the reset form of `link` to `server` (as JSON, to read the outcome's code). */
  async function submitReset(server: ServerProcess, link: URL, newPassword: string) {
    const response = await fetch(`${server.baseUrl}${link.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token: link.searchParams.get('token'), password: newPassword, confirm: newPassword }),
    });
    return {
      status: response.status,
      body: (await response.json()) as { status?: string; error?: string; message: string },
    };
  }

  const cli = (args: string[], input: string) => runCli('account', args, { env: cliEnv(dataDir, a.baseUrl), input });

  it('after a reset by e-mail on one process, the other refuses the old access token (401), refresh token (invalid_grant) and sign-in session', async () => {
    const browser = new TestBrowser(a.baseUrl);
    const first = await signIn(browser);
    assert.deepEqual((await patients(a, first.access)).ids, [patientId], 'the token works on A');
    assert.deepEqual((await patients(b, first.access)).ids, [patientId], 'and on B: one store, one public URL');
    const rotated = await refresh(a, first.refresh);
    assert.equal(rotated.status, 200, 'the refresh token works before the reset');
    const before = { access: rotated.body.access_token as string, refresh: rotated.body.refresh_token as string };
    assert.equal(
      (await browser.go(authorizeUrl().url.href)).title,
      'Allow access?',
      'the browser is signed in: straight to consent',
    );

    const link = await resetLink(b);
    assert.equal((await fetch(link)).status, 200, 'the e-mailed link opens the form');
    password = 'marmalade tractor ocean violin';
    const reset = await submitReset(b, link, password);
    assert.equal(reset.status, 200, reset.body.message);

    for (const [name, server] of [
      ['A', a],
      ['B', b],
    ] as const) {
      for (const token of [first.access, before.access]) {
        const refused = await patients(server, token);
        assert.equal(refused.status, 401, `${name}: an access token from before the reset`);
        assert.match(refused.wwwAuthenticate, /^Bearer .*error="invalid_token"/);
      }
      const refreshed = await refresh(server, before.refresh);
      assert.equal(refreshed.status, 400, `${name}: the refresh token from before the reset`);
      assert.equal(refreshed.body.error, 'invalid_grant');
    }
    const page = await browser.go(authorizeUrl().url.href);
    assert.equal(page.title, 'Sign in', 'the old browser session must sign in again');

    const after = await signIn(browser);
    assert.deepEqual(
      (await patients(a, after.access)).ids,
      [patientId],
      'signing in with the new password works at once',
    );
    assert.equal((await refresh(b, after.refresh)).status, 200);
  });

  it('refuses password1234 (and other common passwords) on the reset form; the link stays usable and nothing is ended', async () => {
    const tokens = await signIn(new TestBrowser(a.baseUrl));
    const link = await resetLink(a);
    for (const common of ['password1234', 'Password1234!', 'qwertyuiop12']) {
      const refused = await submitReset(a, link, common);
      assert.equal(refused.status, 400, common);
      assert.equal(refused.body.error, 'weak_password', common);
      assert.match(refused.body.message, /^This password is too (common|easy to guess)/, common);
    }
    const form = await fetch(`${a.baseUrl}${link.pathname}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: link.searchParams.get('token')!,
        password: 'password1234',
        confirm: 'password1234',
      }),
    });
    assert.equal(form.status, 400);
    assert.match(await form.text(), /This password is too common/, 'the form page says why, plainly');
    assert.equal((await patients(a, tokens.access)).status, 200, 'a refused password changes nothing');
    password = 'quiet harbour lantern biscuit';
    assert.equal((await submitReset(a, link, password)).status, 200, 'the same link then takes a good password');
  });

  it("the CLI refuses password1234; its set-password, from another process, ends the server's tokens", async () => {
    const tokens = await signIn(new TestBrowser(a.baseUrl));
    const weak = await cli(['set-password', '--email', EMAIL], 'password1234\n');
    assert.equal(weak.code, 2, weak.stderr);
    assert.match(weak.stderr, /This password is too common/);
    assert.equal((await patients(a, tokens.access)).status, 200, 'the refused password changed nothing');

    password = 'velvet compass orchard thunder';
    const done = await cli(['set-password', '--email', EMAIL], `${password}\n`);
    assert.equal(done.code, 0, done.stderr);
    assert.equal((await patients(a, tokens.access)).status, 401);
    assert.equal((await refresh(a, tokens.refresh)).body.error, 'invalid_grant');
    assert.equal(
      (await patients(a, (await signIn(new TestBrowser(a.baseUrl))).access)).status,
      200,
      'the new password signs in',
    );
  });
});
