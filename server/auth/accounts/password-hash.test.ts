import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPasswordHasher, DEFAULT_SCRYPT_PARAMS, parseHash } from './password-hash.ts';
import { MIN_PASSWORD_LENGTH, passwordProblem } from './password-rules.ts';
import { TEST_SCRYPT } from '../../../test/support/test-accounts.ts';

describe('password hashing', () => {
  const hasher = createPasswordHasher(TEST_SCRYPT);

  it('verifies the right password and refuses a wrong one', async () => {
    const encoded = await hasher.hash('correct horse battery');
    assert.equal(await hasher.verify('correct horse battery', encoded), true);
    assert.equal(await hasher.verify('correct horse batterY', encoded), false);
    assert.equal(await hasher.verify('', encoded), false);
  });

  it('encodes algorithm, cost, salt and hash, with a fresh salt each time', async () => {
    const a = await hasher.hash('same password twice');
    const b = await hasher.hash('same password twice');
    assert.match(a, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(a, b, 'salted');
    assert.deepEqual(parseHash(a)?.params, TEST_SCRYPT);
  });

  it('verifies with the parameters stored in the hash, and asks for a rehash when the cost went up', async () => {
    const old = await hasher.hash('an older password');
    const stronger = createPasswordHasher({ ln: 11, r: 8, p: 1 });
    assert.equal(
      await stronger.verify('an older password', old),
      true,
      'an old hash still works after raising the cost',
    );
    assert.equal(stronger.needsRehash(old), true);
    assert.equal(stronger.needsRehash(await stronger.hash('an older password')), false);
    assert.equal(hasher.needsRehash(old), false);
  });

  it('treats the same text in composed and decomposed Unicode as the same password', async () => {
    const encoded = await hasher.hash('caf\u00e9 au lait please');
    assert.equal(await hasher.verify('cafe\u0301 au lait please', encoded), true);
  });

  it('refuses malformed or tampered hashes without throwing', async () => {
    assert.equal(await hasher.verify('whatever password', 'not a hash'), false);
    assert.equal(
      await hasher.verify(
        'whatever password',
        '$scrypt$ln=40,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      ),
      false,
      'a cost that would need terabytes',
    );
    assert.equal(hasher.needsRehash('garbage'), true);
  });

  it('spends real hashing time on an unknown account and answers false', async () => {
    assert.equal(
      await hasher.verifyDummy('dummy password that no account has'),
      false,
      'even the dummy text itself is refused',
    );
  });

  it('uses OWASP-level default parameters', async () => {
    assert.deepEqual(DEFAULT_SCRYPT_PARAMS, { ln: 15, r: 8, p: 3 });
    const real = createPasswordHasher();
    const encoded = await real.hash('a production strength hash');
    assert.match(encoded, /^\$scrypt\$ln=15,r=8,p=3\$/);
    assert.equal(await real.verify('a production strength hash', encoded), true);
  });
});

describe('password rules', () => {
  it('accepts a long enough password that is not the e-mail', () => {
    assert.equal(passwordProblem('twelve chars', 'ann@example.org'), undefined);
  });

  it('explains what is wrong', () => {
    assert.equal(
      passwordProblem('short', 'ann@example.org'),
      `The password must have at least ${MIN_PASSWORD_LENGTH} characters (it has 5).`,
    );
    assert.equal(passwordProblem('', 'ann@example.org'), 'Enter a password.');
    assert.equal(passwordProblem(undefined, 'ann@example.org'), 'Enter a password.');
    assert.equal(
      passwordProblem(' Ann.Long@Example.org ', 'ann.long@example.org'),
      'The password must not be your e-mail address.',
    );
    assert.equal(
      passwordProblem('ann.lonnnnnng', 'ann.lonnnnnng@example.org'),
      'The password must not be your e-mail address.',
    );
    assert.match(passwordProblem('x'.repeat(1025), 'ann@example.org') ?? '', /at most 1024/);
  });

  it('counts characters, not UTF-16 units', () => {
    assert.match(passwordProblem('🔒'.repeat(11), 'ann@example.org') ?? '', /it has 11/);
  });
});
