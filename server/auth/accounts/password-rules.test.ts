import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../demo/demo-data.ts';
import { PASSWORD as SMART_TEST_PASSWORD } from '../../../test/support/test-accounts.ts';
import {
  checkPassword,
  COMMON_PASSWORD_MESSAGE,
  GUESSABLE_PASSWORD_MESSAGE,
  guessScore,
  isCommonPassword,
  MIN_PASSWORD_SCORE,
  PASSWORD_RULES_TEXT,
  PasswordRuleError,
  passwordProblem,
} from './password-rules.ts';

const EMAIL = 'ann.smith@example.org';

describe('common and guessable passwords', () => {
  it('refuses passwords from the breach-corpus list, whatever their case', () => {
    for (const password of ['password1234', 'PASSWORD1234', 'qwertyuiop12', '123456789012', '1q2w3e4r5t6y']) {
      assert.equal(passwordProblem(password, EMAIL), COMMON_PASSWORD_MESSAGE, password);
    }
  });

  it('refuses easily guessed variants: capitals, symbols, l33t, words with digits, keyboard walks, repeats', () => {
    for (const password of [
      'Password1234!',
      'p@ssw0rd1234',
      'iloveyou2024',
      'letmein12345',
      'qwerty123456!',
      'aaaaaaaaaaaa',
      'abcdefghijkl',
      'trustno1trustno1',
    ]) {
      assert.equal(passwordProblem(password, EMAIL), GUESSABLE_PASSWORD_MESSAGE, password);
    }
  });

  it('counts the e-mail address as a known word', () => {
    assert.equal(passwordProblem('ann.smith2024', EMAIL), GUESSABLE_PASSWORD_MESSAGE);
    assert.equal(
      passwordProblem('ann.smith2024', 'bob@example.org'),
      undefined,
      'the same password is fine for someone else',
    );
  });

  it('accepts a long passphrase and the passwords the tests and the demo use', () => {
    for (const password of [
      'marmalade tractor ocean violin',
      'correct horse battery staple',
      SMART_TEST_PASSWORD,
      DEMO_PASSWORD,
      'the old password here',
      'a fresh new password',
    ]) {
      assert.equal(passwordProblem(password, EMAIL), undefined, password);
      assert.ok(guessScore(password) >= MIN_PASSWORD_SCORE);
    }
  });

  it('answers in a plain sentence, and the CLI gets the same one as an error', () => {
    assert.match(COMMON_PASSWORD_MESSAGE, /^This password is too common/);
    assert.match(GUESSABLE_PASSWORD_MESSAGE, /^This password is too easy to guess/);
    assert.throws(
      () => checkPassword('password1234', EMAIL),
      (err: unknown) => err instanceof PasswordRuleError && err.message === COMMON_PASSWORD_MESSAGE,
    );
    assert.match(PASSWORD_RULES_TEXT, /not a common or easily guessed password/);
  });

  it('checks list membership on the lower-cased password', () => {
    assert.equal(isCommonPassword('password1234'), true);
    assert.equal(isCommonPassword('marmalade tractor ocean violin'), false);
  });

  it('bounds the work on long hostile input (only the first 64 characters are scored)', () => {
    const started = performance.now();
    assert.equal(passwordProblem('P@$$w0rd'.repeat(128), EMAIL), GUESSABLE_PASSWORD_MESSAGE);
    assert.ok(
      performance.now() - started < 2_000,
      'well under the half second per 256 characters unbounded scoring costs',
    );
  });
});
