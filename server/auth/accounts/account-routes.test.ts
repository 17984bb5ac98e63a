import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { createMailer } from '../../mail/mailer.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { mailText, startTestSmtpServer } from '../../../test/support/test-smtp-server.ts';
import type { ReceivedMail, TestSmtpServer } from '../../../test/support/test-smtp-server.ts';
import { accountRoutes, AUTH_MOUNT_PATH } from './account-routes.ts';
import type { PasswordAccountService } from './account-service.ts';
import { PasswordResets } from './password-reset.ts';
import { createAuthRateLimiter } from './rate-limit.ts';
import { startHttp } from '../../../test/support/loopback-http.ts';
import type { TestHttpServer } from '../../../test/support/loopback-http.ts';
import { openTestEngine } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';
import { testAccounts } from '../../../test/support/test-accounts.ts';

/**
 * The password-reset flow end to end: a real HTTP server, a real SQLite store, and the e-mail
 * received by a real SMTP server, whose link is then followed.
 */
const OLD_PASSWORD = 'the old password here';
const NEW_PASSWORD = 'a fresh new password';

describe('password reset over HTTP and SMTP', () => {
  let t: TestEngine;
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  let http: TestHttpServer;
  let accounts: PasswordAccountService;
  let base: string;
  let n = 0;

  before(async () => {
    t = await openTestEngine('account-routes');
    smtp = await startTestSmtpServer();
    const logger = pino({ level: 'silent' });
    mailer = createMailer({
      mail: { smtpUrl: smtp.url, from: 'Portal <no-reply@portal.test>' },
      production: false,
      logger,
    });
    accounts = testAccounts(t.engine.keyValue, { clock: t.clock });
    const server = await startHttp();
    base = server.url; // BASE_URL: the only source of the link's origin
    const resets = new PasswordResets({
      keyValue: t.engine.keyValue,
      accounts,
      mailer,
      resetPageUrl: `${base}${AUTH_MOUNT_PATH}/reset-password`,
      clock: t.clock,
      logger,
    });
    const app = express();
    app.set('trust proxy', false);
    app.use(AUTH_MOUNT_PATH, accountRoutes({ resets, rateLimit: createAuthRateLimiter({ limit: 1000 }), logger }));
    server.setHandler(app);
    http = server;
  });
  after(async () => {
    await http.close();
    mailer.close();
    await smtp.close();
    await t.close();
  });

  async function newAccount(): Promise<string> {
    const email = `reset${++n}@example.org`;
    await accounts.createAccount({ email, kind: 'patient', fhirUser: `Person/r${n}`, password: OLD_PASSWORD });
    return email;
  }

  const postForm = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form),
      redirect: 'manual',
    });

  const postJson = (path: string, body: unknown) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });

  /** The reset link in a received e-mail. */
  function linkIn(mail: ReceivedMail): URL {
    const match = /https?:\/\/\S+reset-password\?token=[A-Za-z0-9_-]+/.exec(mailText(mail.raw));
    assert.ok(match, `a reset link in:\n${mailText(mail.raw)}`);
    return new URL(match[0]);
  }

  async function requestLink(email: string): Promise<URL> {
    const response = await postForm('/auth/forgot-password', { email });
    assert.equal(response.status, 200);
    const mail = await smtp.nextMail();
    assert.deepEqual(mail.to, [email]);
    return linkIn(mail);
  }

  it('serves an accessible forgot-password form', async () => {
    const response = await fetch(`${base}/auth/forgot-password`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
    const page = await response.text();
    assert.match(page, /<html lang="en">/);
    assert.match(page, /<label for="email">E-mail address<\/label>/);
    assert.match(page, /<input id="email" name="email" type="email" autocomplete="email" required/);
  });

  it('e-mails a link that resets the password once; a second use fails', async () => {
    const email = await newAccount();
    const link = await requestLink(email);
    assert.equal(link.origin, base);
    assert.equal(link.pathname, '/auth/reset-password');
    const token = link.searchParams.get('token') ?? '';
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, '32 random bytes');

    const form = await fetch(link);
    assert.equal(form.status, 200);
    const formPage = await form.text();
    assert.ok(formPage.includes(`<input type="hidden" name="token" value="${token}">`));
    assert.match(formPage, /autocomplete="new-password"/);
    assert.equal(
      form.headers.get('referrer-policy'),
      'no-referrer',
      'the token in the URL does not leak to other sites',
    );

    const done = await postForm('/auth/reset-password', { token, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
    assert.equal(done.status, 200);
    const donePage = await done.text();
    assert.match(donePage, /Your password was changed/);
    for (const href of ['/portal/', '/console/'])
      assert.ok(donePage.includes(`<a href="${href}">`), `links back to sign in at ${href}`);
    assert.equal((await accounts.authenticate(email, NEW_PASSWORD)).ok, true);
    assert.deepEqual(await accounts.authenticate(email, OLD_PASSWORD), { ok: false, reason: 'invalid' });

    const again = await postForm('/auth/reset-password', {
      token,
      password: 'yet another password',
      confirm: 'yet another password',
    });
    assert.equal(again.status, 400);
    assert.match(await again.text(), /not valid any more/);
    assert.equal((await fetch(link)).status, 400, 'the link page says so too');
    assert.equal((await accounts.authenticate(email, NEW_PASSWORD)).ok, true, 'the password did not change again');
  });

  it('refuses an expired link (30 minutes)', async () => {
    const email = await newAccount();
    const link = await requestLink(email);
    t.clock.advance(29 * 60_000);
    assert.equal((await fetch(link)).status, 200, 'still valid after 29 minutes');
    t.clock.advance(60_000);
    assert.equal((await fetch(link)).status, 400);
    const response = await postJson('/auth/reset-password', {
      token: link.searchParams.get('token'),
      password: NEW_PASSWORD,
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_token');
    assert.equal((await accounts.authenticate(email, OLD_PASSWORD)).ok, true, 'the password is unchanged');
  });

  it('builds the link from BASE_URL, whatever Host or X-Forwarded-Host the request claims', async () => {
    const email = await newAccount();
    const status = await new Promise<number>((resolve, reject) => {
      const body = new URLSearchParams({ email }).toString();
      const port = new URL(base).port;
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/auth/forgot-password',
          headers: {
            host: 'attacker.example',
            'x-forwarded-host': 'attacker.example',
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
    const link = linkIn(await smtp.nextMail());
    assert.equal(link.origin, base);
  });

  it('answers an unknown e-mail exactly like a known one, and sends it nothing', async () => {
    const known = await newAccount();
    const unknown = `nobody${n}@example.org`;
    const before = smtp.received.length;
    const forUnknown = await postForm('/auth/forgot-password', { email: unknown });
    const unknownPage = (await forUnknown.text()).replaceAll(unknown, 'EMAIL');
    const unknownJson = await postJson('/auth/forgot-password', { email: unknown });
    const forKnown = await postForm('/auth/forgot-password', { email: known });
    const knownPage = (await forKnown.text()).replaceAll(known, 'EMAIL');
    assert.equal(forUnknown.status, forKnown.status);
    assert.equal(unknownPage, knownPage);
    assert.match(knownPage, /If an account uses EMAIL, we sent it an e-mail/);
    assert.deepEqual(await unknownJson.json(), {
      status: 'sent',
      message: `If an account uses ${unknown}, we sent it an e-mail with a link to choose a new password. The link works once, for 30 minutes.`,
    });
    // The known address's mail is sent after the unknown ones were handled: if they had produced mail, it would be here.
    const mail = await smtp.nextMail();
    assert.deepEqual(mail.to, [known]);
    assert.equal(smtp.received.length, before + 1);
  });

  it('answers without waiting for the e-mail to be delivered (the time would tell that the account exists)', async () => {
    const email = await newAccount();
    const release = smtp.holdDelivery();
    try {
      const response = await fetch(`${base}/auth/forgot-password`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ email }),
        signal: AbortSignal.timeout(5_000),
      });
      assert.equal(response.status, 200, 'answered while the relay has not acknowledged the message');
      assert.deepEqual((await smtp.nextMail()).to, [email]);
    } finally {
      release();
    }
  });

  it('enforces the password rules and keeps the token usable until a good password is chosen', async () => {
    const email = await newAccount();
    const token = (await requestLink(email)).searchParams.get('token') ?? '';
    const short = await postForm('/auth/reset-password', { token, password: 'too short', confirm: 'too short' });
    assert.equal(short.status, 400);
    const page = await short.text();
    assert.match(page, /role="alert"[^>]*>The password must have at least 12 characters \(it has 9\)\./);
    assert.ok(page.includes(`value="${token}"`), 'the form keeps the token for the next try');
    const mismatch = await postForm('/auth/reset-password', {
      token,
      password: NEW_PASSWORD,
      confirm: 'something else entirely',
    });
    assert.equal(mismatch.status, 400);
    assert.match(await mismatch.text(), /The two passwords are not the same/);
    const sameAsEmail = await postJson('/auth/reset-password', { token, password: email });
    assert.deepEqual(await sameAsEmail.json(), {
      error: 'weak_password',
      message: 'The password must not be your e-mail address.',
    });
    const ok = await postJson('/auth/reset-password', { token, password: NEW_PASSWORD });
    assert.equal(ok.status, 200);
    assert.equal((await accounts.authenticate(email, NEW_PASSWORD)).ok, true);
  });

  it('lifts a sign-in lockout', async () => {
    const email = await newAccount();
    for (let i = 0; i < 10; i++) await accounts.authenticate(email, 'a wrong password');
    assert.deepEqual(await accounts.authenticate(email, OLD_PASSWORD), { ok: false, reason: 'locked' });
    const token = (await requestLink(email)).searchParams.get('token') ?? '';
    assert.equal((await postForm('/auth/reset-password', { token, password: NEW_PASSWORD })).status, 200);
    assert.equal((await accounts.authenticate(email, NEW_PASSWORD)).ok, true);
  });

  it('sends at most 5 reset e-mails per account per hour', async () => {
    const email = await newAccount();
    for (let i = 0; i < 5; i++) await requestLink(email);
    const before = smtp.received.length;
    assert.equal((await postForm('/auth/forgot-password', { email })).status, 200, 'the answer does not change');
    const other = await newAccount();
    await requestLink(other);
    assert.equal(smtp.received.length, before + 1, 'only the other account got a mail');
    t.clock.advance(60 * 60_000);
    await requestLink(email);
  });

  it('escapes what it echoes and answers bad input with a clear 4xx', async () => {
    const hostile = '"><script>alert(1)</script>@example.org';
    const page = await (await postForm('/auth/forgot-password', { email: hostile })).text();
    assert.ok(!page.includes('<script>'), 'no markup injected');
    assert.ok(page.includes('&#34;&#62;&#60;script&#62;'));
    const invalid = await postForm('/auth/forgot-password', { email: '<b>not an address' });
    assert.equal(invalid.status, 400);
    const invalidPage = await invalid.text();
    assert.ok(invalidPage.includes('value="&#60;b&#62;not an address"'));
    assert.match(invalidPage, /aria-invalid="true"/);

    const badJson = await fetch(`${base}/auth/forgot-password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{"email":',
    });
    assert.equal(badJson.status, 400);
    assert.deepEqual(await badJson.json(), { error: 'bad_request', message: 'The request body is not valid JSON.' });
    const huge = await postJson('/auth/forgot-password', { email: 'x'.repeat(20_000) });
    assert.equal(huge.status, 413);
    const arrays = await postJson('/auth/reset-password', { token: ['a'], password: { $ne: 1 } });
    assert.equal(arrays.status, 400);
    const missing = await fetch(`${base}/auth/reset-password`);
    assert.equal(missing.status, 400);
    assert.equal((await fetch(`${base}/auth/reset-password?token=${'A'.repeat(43)}`)).status, 400);
  });
});
