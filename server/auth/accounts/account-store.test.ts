import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ACCOUNT_EMAIL_NAMESPACE, ACCOUNT_NAMESPACE, AccountInputError, AccountStore } from './account-store.ts';
import { openTestEngine } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';

describe('account store (SQLite key-value)', () => {
  let t: TestEngine;
  let store: AccountStore;
  before(async () => {
    t = await openTestEngine('account-store');
    store = new AccountStore(t.engine.keyValue, t.clock);
  });
  after(() => t.close());

  it('creates practitioner, patient and family-member accounts and finds them by id and by e-mail', async () => {
    const doctor = await store.create({
      email: '  Dr.Who@Example.ORG ',
      kind: 'practitioner',
      fhirUser: 'Practitioner/p-1',
      name: 'Dr Who',
    });
    assert.deepEqual(doctor, {
      id: doctor.id,
      email: 'dr.who@example.org',
      kind: 'practitioner',
      fhirUser: 'Practitioner/p-1',
      name: 'Dr Who',
    });
    assert.match(doctor.id, /^[A-Za-z0-9_-]{22}$/, 'a random opaque id');
    const patient = await store.create({ email: 'pat@example.org', kind: 'patient', fhirUser: 'Person/per-1' });
    const relative = await store.create({
      email: 'kin@example.org',
      kind: 'related-person',
      fhirUser: 'RelatedPerson/rp-1',
    });
    await store.create({ email: 'kin2@example.org', kind: 'related-person', fhirUser: 'Person/per-2' });
    assert.deepEqual(await store.findById(patient.id), patient);
    assert.deepEqual(await store.findByEmail('PAT@example.org'), patient, 'e-mail lookups are case-insensitive');
    assert.deepEqual(await store.findByEmail('kin@example.org'), relative);
    const stored = await t.engine.keyValue.find(ACCOUNT_EMAIL_NAMESPACE, 'dr.who@example.org');
    assert.equal(stored?.payload.accountId, doctor.id, 'the e-mail index lives in its own namespace');
  });

  it('refuses a second account with the same e-mail, whatever its case', async () => {
    await store.create({ email: 'dup@example.org', kind: 'patient', fhirUser: 'Person/d-1' });
    await assert.rejects(
      store.create({ email: 'DUP@example.org', kind: 'patient', fhirUser: 'Person/d-2' }),
      (err: unknown) => err instanceof AccountInputError && /already exists/.test(err.message),
    );
  });

  it('lets exactly one of two simultaneous creations with the same e-mail succeed', async () => {
    const results = await Promise.allSettled([
      store.create({ email: 'race@example.org', kind: 'patient', fhirUser: 'Person/r-1' }),
      store.create({ email: 'race@example.org', kind: 'patient', fhirUser: 'Person/r-2' }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
  });

  it('explains bad input', async () => {
    await assert.rejects(
      store.create({ email: 'not-an-address', kind: 'patient', fhirUser: 'Person/x' }),
      /not an e-mail address/,
    );
    await assert.rejects(
      store.create({ email: 'a@example.org', kind: 'practitioner', fhirUser: 'Person/x' }),
      /practitioner account's fhirUser must be Practitioner\/<id>/,
    );
    await assert.rejects(
      store.create({ email: 'a@example.org', kind: 'patient', fhirUser: 'Patient/x' }),
      /patient account's fhirUser must be Person\/<id>/,
    );
    await assert.rejects(
      store.create({ email: 'a@example.org', kind: 'related-person', fhirUser: 'RelatedPerson/bad id' }),
      /RelatedPerson\/<id> or Person\/<id>/,
    );
    await assert.rejects(
      store.create({ email: 'a@example.org', kind: 'admin' as 'patient', fhirUser: 'Person/x' }),
      /kind must be one of/,
    );
    assert.equal(await store.findByEmail('a@example.org'), undefined, 'nothing was written');
  });

  it('links an account to another fhirUser of its kind', async () => {
    const account = await store.create({ email: 'link@example.org', kind: 'patient', fhirUser: 'Person/old' });
    await store.linkFhirUser(account.id, 'Person/new');
    assert.equal((await store.findById(account.id))?.fhirUser, 'Person/new');
    await assert.rejects(store.linkFhirUser(account.id, 'Practitioner/x'), AccountInputError);
    await assert.rejects(store.linkFhirUser('no-such-account', 'Person/x'), /No account with id/);
  });

  it('keeps the password hash out of the Account it answers', async () => {
    const account = await store.create({
      email: 'hash@example.org',
      kind: 'patient',
      fhirUser: 'Person/h',
      passwordHash: '$scrypt$stand-in',
    });
    assert.equal('passwordHash' in ((await store.findById(account.id)) ?? {}), false);
    assert.equal((await store.findRecordById(account.id))?.passwordHash, '$scrypt$stand-in');
    await store.setPasswordHash(account.id, '$scrypt$other');
    assert.equal((await store.findRecordByEmail('hash@example.org'))?.passwordHash, '$scrypt$other');
  });

  it('changes the password and the credentials epoch in one write; the epoch never moves back', async () => {
    const account = await store.create({
      email: 'epoch@example.org',
      kind: 'patient',
      fhirUser: 'Person/e',
      passwordHash: '$scrypt$first',
    });
    assert.equal(
      (await store.findById(account.id))?.sessionsValidAfter,
      undefined,
      'no epoch while the password never changed',
    );
    await store.changePassword(account.id, '$scrypt$second', 2_000);
    const changed = await store.findRecordById(account.id);
    assert.equal(changed?.passwordHash, '$scrypt$second');
    assert.equal(changed?.sessionsValidAfter, 2_000);
    assert.equal(
      (await store.findById(account.id))?.sessionsValidAfter,
      2_000,
      'the public Account carries the epoch for the token checks',
    );
    await store.changePassword(account.id, '$scrypt$third', 1_500);
    assert.equal(
      (await store.findById(account.id))?.sessionsValidAfter,
      2_000,
      'a change with an earlier clock does not revive older tokens',
    );
  });

  it('upgrades a hash only while it is still the one that was verified, and keeps the epoch', async () => {
    const account = await store.create({
      email: 'upgrade@example.org',
      kind: 'patient',
      fhirUser: 'Person/u',
      passwordHash: '$scrypt$old-cost',
    });
    await store.changePassword(account.id, '$scrypt$new-password', 3_000);
    await store.setPasswordHash(account.id, '$scrypt$old-password-rehashed', '$scrypt$old-cost');
    const record = await store.findRecordById(account.id);
    assert.equal(
      record?.passwordHash,
      '$scrypt$new-password',
      'a late upgrade of the old password does not bring it back',
    );
    await store.setPasswordHash(account.id, '$scrypt$new-password-rehashed', '$scrypt$new-password');
    assert.equal((await store.findRecordById(account.id))?.passwordHash, '$scrypt$new-password-rehashed');
    assert.equal(
      (await store.findById(account.id))?.sessionsValidAfter,
      3_000,
      'a re-hash of the same password ends nothing',
    );
  });

  it('answers "not found" for hostile or impossible lookups', async () => {
    assert.equal(await store.findById('x'.repeat(5000)), undefined);
    assert.equal(await store.findById('__proto__'), undefined);
    assert.equal(await store.findByEmail('$where@example.org'), undefined);
    assert.equal(await store.findByEmail(42 as unknown as string), undefined);
  });

  it('ignores an e-mail index entry that points at an account with another e-mail', async () => {
    const account = await store.create({ email: 'owner@example.org', kind: 'patient', fhirUser: 'Person/o' });
    await t.engine.keyValue.upsert(ACCOUNT_EMAIL_NAMESPACE, 'intruder@example.org', { accountId: account.id });
    assert.equal(await store.findByEmail('intruder@example.org'), undefined);
    assert.ok(await t.engine.keyValue.find(ACCOUNT_NAMESPACE, account.id));
  });
});
