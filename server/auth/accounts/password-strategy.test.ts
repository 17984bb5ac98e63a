import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import passport from 'passport';
import { createPasswordStrategy, PASSWORD_STRATEGY, passwordSignIn } from './password-strategy.ts';
import { startHttp } from '../../../test/support/loopback-http.ts';
import type { TestHttpServer } from '../../../test/support/loopback-http.ts';
import { openTestEngine } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';
import { testAccounts } from '../../../test/support/test-accounts.ts';

/** The passport-local strategy behind a real sign-in endpoint, as the authorization server will use it. */
describe('password sign-in strategy (passport-local)', () => {
  let t: TestEngine;
  let http: TestHttpServer;
  let accountId: string;
  const PASSWORD = 'sign-in password 1';

  before(async () => {
    t = await openTestEngine('password-strategy');
    const accounts = testAccounts(t.engine.keyValue, { clock: t.clock });
    accountId = (
      await accounts.createAccount({
        email: 'doc@example.org',
        kind: 'practitioner',
        fhirUser: 'Practitioner/d1',
        password: PASSWORD,
      })
    ).id;
    const authenticator = new passport.Passport();
    authenticator.use(PASSWORD_STRATEGY, createPasswordStrategy(accounts));
    const app = express();
    app.post('/login', express.urlencoded({ extended: false }), express.json(), async (req, res) => {
      const outcome = await passwordSignIn(authenticator, req, res);
      res.status(outcome.ok ? 200 : 401).json(outcome);
    });
    http = await startHttp(app);
  });
  after(async () => {
    await http.close();
    await t.close();
  });

  const login = async (form: Record<string, string>) => {
    const response = await fetch(`${http.url}/login`, { method: 'POST', body: new URLSearchParams(form) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('signs in with the email and password fields', async () => {
    const { status, body } = await login({ email: 'doc@example.org', password: PASSWORD });
    assert.equal(status, 200);
    assert.deepEqual(body, {
      ok: true,
      account: { id: accountId, email: 'doc@example.org', kind: 'practitioner', fhirUser: 'Practitioner/d1' },
    });
  });

  it('refuses a wrong password and an unknown e-mail with the same message', async () => {
    const wrong = await login({ email: 'doc@example.org', password: 'not the password' });
    const unknown = await login({ email: 'who@example.org', password: 'not the password' });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.body, {
      ok: false,
      reason: 'invalid',
      message: 'The e-mail address or the password is not correct.',
    });
    assert.deepEqual(unknown.body, wrong.body);
  });

  it('says when the account is locked', async () => {
    for (let i = 0; i < 9; i++) await login({ email: 'doc@example.org', password: 'not the password' });
    const locked = await login({ email: 'doc@example.org', password: PASSWORD });
    assert.equal(locked.body.reason, 'locked');
    assert.match(String(locked.body.message), /Too many failed sign-ins/);
  });

  it('answers a form without a password as missing, without checking anything', async () => {
    const { status, body } = await login({ email: 'doc@example.org' });
    assert.equal(status, 401);
    assert.deepEqual(body, { ok: false, reason: 'missing', message: 'Enter your e-mail address and your password.' });
  });
});
