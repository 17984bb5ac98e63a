import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { PasswordAccountService } from './account-service.ts';
import { createPasswordHasher, parseHash } from './password-hash.ts';
import type { PasswordHasher } from './password-hash.ts';
import { PasswordRuleError } from './password-rules.ts';
import { THROTTLE_NAMESPACE } from './sign-in-throttle.ts';
import { openTestEngine } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';
import { TEST_SCRYPT } from '../../../test/support/test-accounts.ts';

const MINUTE = 60_000;
const PASSWORD = 'a long enough password';

/** The real hasher, counting how often a hash is really computed against a stored or dummy hash. */
function countingHasher(params = TEST_SCRYPT): PasswordHasher & { verifies: number; dummies: number } {
  const real = createPasswordHasher(params);
  const counted = {
    ...real,
    verifies: 0,
    dummies: 0,
    verify: (password: string, encoded: string) => {
      counted.verifies++;
      return real.verify(password, encoded);
    },
    verifyDummy: (password: string) => {
      counted.dummies++;
      return real.verifyDummy(password);
    },
  };
  return counted;
}

describe('password account service', () => {
  let t: TestEngine;
  let hasher: ReturnType<typeof countingHasher>;
  let service: PasswordAccountService;
  let n = 0;
  /** A fresh account per test, so lockouts do not leak between tests. */
  let email: string;

  before(async () => {
    t = await openTestEngine('account-service');
  });
  after(() => t.close());
  beforeEach(async () => {
    hasher = countingHasher();
    service = new PasswordAccountService({ keyValue: t.engine.keyValue, clock: t.clock, hasher });
    email = `user${++n}@example.org`;
    await service.createAccount({ email, kind: 'patient', fhirUser: `Person/p${n}`, password: PASSWORD });
  });

  it('signs in with the right password, case-insensitively on the e-mail', async () => {
    const result = await service.authenticate(` ${email.toUpperCase()} `, PASSWORD);
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.account.email, email);
    assert.equal(result.ok && 'passwordHash' in result.account, false, 'the hash never leaves the service');
  });

  it('answers a wrong password and an unknown e-mail identically, both after real hashing', async () => {
    const wrong = await service.authenticate(email, 'not the password at all');
    assert.equal(hasher.verifies, 1);
    const unknown = await service.authenticate('nobody@example.org', 'not the password at all');
    assert.equal(hasher.dummies, 1, 'an unknown e-mail costs a full hash too');
    assert.deepEqual(wrong, { ok: false, reason: 'invalid' });
    assert.deepEqual(unknown, wrong);
  });

  it('locks after 10 consecutive failures, refuses even the right password, and unlocks after 15 minutes', async () => {
    for (let i = 1; i <= 9; i++)
      assert.deepEqual(await service.authenticate(email, `wrong password ${i}`), { ok: false, reason: 'invalid' });
    assert.deepEqual(await service.authenticate(email, 'wrong password 10'), { ok: false, reason: 'locked' });
    const verifiesBefore = hasher.verifies;
    assert.deepEqual(await service.authenticate(email, PASSWORD), { ok: false, reason: 'locked' });
    assert.equal(hasher.verifies, verifiesBefore, 'a locked account is not even checked');
    t.clock.advance(14 * MINUTE);
    assert.deepEqual(await service.authenticate(email, PASSWORD), { ok: false, reason: 'locked' });
    t.clock.advance(MINUTE);
    assert.equal((await service.authenticate(email, PASSWORD)).ok, true);
  });

  it('keeps the lock across a restart (the state is in the store)', async () => {
    for (let i = 0; i < 10; i++) await service.authenticate(email, 'wrong password!!');
    const restarted = new PasswordAccountService({ keyValue: t.engine.keyValue, clock: t.clock, hasher });
    assert.deepEqual(await restarted.authenticate(email, PASSWORD), { ok: false, reason: 'locked' });
    assert.equal(
      await t.engine.keyValue.find(THROTTLE_NAMESPACE, email),
      undefined,
      'the e-mail is not stored as the key',
    );
    const key = createHash('sha256').update(email).digest('base64url');
    assert.ok(await t.engine.keyValue.find(THROTTLE_NAMESPACE, key), 'but its hash is');
  });

  it('locks an unknown e-mail the same way, so "locked" does not reveal which addresses have accounts', async () => {
    const ghost = `ghost${n}@example.org`;
    for (let i = 1; i <= 9; i++)
      assert.deepEqual(await service.authenticate(ghost, 'whatever password'), { ok: false, reason: 'invalid' });
    assert.deepEqual(await service.authenticate(ghost, 'whatever password'), { ok: false, reason: 'locked' });
    assert.deepEqual(await service.authenticate(ghost, 'whatever password'), { ok: false, reason: 'locked' });
  });

  it('does not lock when successful sign-ins break the run of failures', async () => {
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 9; i++) assert.equal((await service.authenticate(email, 'wrong password!!')).ok, false);
      assert.equal((await service.authenticate(email, PASSWORD)).ok, true, `round ${round}`);
    }
  });

  it('never allows more than 100 failures per hour, even with successes in between', async () => {
    const start = t.clock();
    for (let round = 0; round < 11; round++) {
      for (let i = 0; i < 9; i++)
        assert.deepEqual(await service.authenticate(email, 'wrong password!!'), { ok: false, reason: 'invalid' });
      assert.equal((await service.authenticate(email, PASSWORD)).ok, true);
      t.clock.advance(MINUTE);
    }
    // 99 failures in the last hour: the 100th is still checked, and locks until the first leaves the window.
    assert.deepEqual(await service.authenticate(email, 'wrong password!!'), { ok: false, reason: 'locked' });
    assert.deepEqual(await service.authenticate(email, PASSWORD), { ok: false, reason: 'locked' });
    t.clock.advance(start + 60 * MINUTE - t.clock() - 1);
    assert.deepEqual(
      await service.authenticate(email, PASSWORD),
      { ok: false, reason: 'locked' },
      'still within the hour',
    );
    t.clock.advance(1);
    assert.equal((await service.authenticate(email, PASSWORD)).ok, true);
  });

  it('setPassword enforces the rules, replaces the password and lifts the lock', async () => {
    const account = await service.findByEmail(email);
    assert.ok(account);
    await assert.rejects(service.setPassword(account.id, 'short'), PasswordRuleError);
    await assert.rejects(service.setPassword(account.id, email), /must not be your e-mail/);
    for (let i = 0; i < 10; i++) await service.authenticate(email, 'wrong password!!');
    assert.deepEqual(await service.authenticate(email, PASSWORD), { ok: false, reason: 'locked' });
    await service.setPassword(account.id, 'a brand new password');
    assert.equal((await service.authenticate(email, 'a brand new password')).ok, true);
    assert.deepEqual(await service.authenticate(email, PASSWORD), { ok: false, reason: 'invalid' });
  });

  it('setPassword voids what was issued until now: the epoch is the next whole second, reached before it answers', async () => {
    const account = await service.findByEmail(email);
    assert.ok(account);
    assert.equal(account.sessionsValidAfter, undefined);
    const before = Date.now();
    await service.setPassword(account.id, 'a brand new password');
    const epoch = (await service.findById(account.id))?.sessionsValidAfter;
    assert.ok(
      epoch !== undefined && epoch > before / 1000 && epoch <= Math.floor(before / 1000) + 2,
      'the whole second after the change, on the wall clock oidc-provider stamps its tokens with',
    );
    assert.ok(Date.now() >= epoch * 1000, 'a sign-in after setPassword answered is stamped at or after the epoch');
    const result = await service.authenticate(email, 'a brand new password');
    assert.equal(result.ok && result.account.sessionsValidAfter, epoch);
  });

  it('a failed setPassword (rules) leaves the epoch alone', async () => {
    const account = await service.findByEmail(email);
    assert.ok(account);
    await assert.rejects(service.setPassword(account.id, 'password1234'), /too common/);
    assert.equal((await service.findById(account.id))?.sessionsValidAfter, undefined);
    assert.equal((await service.authenticate(email, PASSWORD)).ok, true, 'the old password still works');
  });

  it('upgrades a hash made with a lower cost at the next successful sign-in', async () => {
    const stronger = new PasswordAccountService({
      keyValue: t.engine.keyValue,
      clock: t.clock,
      hasher: createPasswordHasher({ ln: 11, r: 8, p: 1 }),
    });
    assert.equal(parseHash((await service.store.findRecordByEmail(email))?.passwordHash ?? '')?.params.ln, 10);
    assert.equal((await stronger.authenticate(email, PASSWORD)).ok, true);
    assert.equal(parseHash((await service.store.findRecordByEmail(email))?.passwordHash ?? '')?.params.ln, 11);
    assert.equal((await service.authenticate(email, PASSWORD)).ok, true, 'the upgraded hash still verifies');
    assert.equal(
      (await service.findByEmail(email))?.sessionsValidAfter,
      undefined,
      'an upgrade is not a password change: it ends nothing',
    );
  });

  it('refuses an account without a password, and input that is not text', async () => {
    await service.createAccount({ email: `nopw${n}@example.org`, kind: 'patient', fhirUser: 'Person/np' });
    assert.deepEqual(await service.authenticate(`nopw${n}@example.org`, ''), { ok: false, reason: 'invalid' });
    assert.deepEqual(await service.authenticate(undefined as unknown as string, PASSWORD), {
      ok: false,
      reason: 'invalid',
    });
    assert.deepEqual(await service.authenticate(email, { $ne: '' } as unknown as string), {
      ok: false,
      reason: 'invalid',
    });
    await assert.rejects(
      service.createAccount({ email: 'weak@example.org', kind: 'patient', fhirUser: 'Person/w', password: 'short' }),
      PasswordRuleError,
    );
  });

  it('handles parallel guesses one at a time, so they cannot exceed the limit', async () => {
    const results = await Promise.all(
      Array.from({ length: 15 }, (_, i) => service.authenticate(email, `parallel guess ${i}`)),
    );
    assert.equal(results.filter((r) => !r.ok && r.reason === 'invalid').length, 9);
    assert.equal(results.filter((r) => !r.ok && r.reason === 'locked').length, 6);
    assert.equal(hasher.verifies, 10, 'only 10 passwords were checked');
  });
});
