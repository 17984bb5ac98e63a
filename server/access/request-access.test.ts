import assert from 'node:assert/strict';
import type { Patient, PractitionerRole, RelatedPerson } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { loadFhirDefinitions, openTestEngine, TEST_BASE_URL } from '../../test/support/repository-setup.ts';
import type { TestEngine } from '../../test/support/repository-setup.ts';
import { testAccounts } from '../../test/support/test-accounts.ts';
import type { PasswordAccountService } from '../auth/accounts/account-service.ts';
import { VersionedRepository } from '../storage/repository.ts';
import type { Repository } from '../storage/repository.ts';
import { accessCaches } from './access-cache.ts';
import type { AccessCaches } from './access-cache.ts';
import { bumpOnAccessWrites } from './access-epoch.ts';
import { indexWithAccess, OWNER_SYSTEM, tombstoneRows } from './access-index.ts';
import type { Principal, TokenGrant } from './principal.ts';
import { requestAccess } from './request-access.ts';

/**
 * The per-process principal cache of request-access.ts: one resolution per principal while the
 * access epoch stands, a new one at the first request after an access-changing write, and never
 * past the end of a term the principal was judged by (time passing is not an event).
 */
const X = 'practice-x';
const owned = { meta: { tag: [{ system: OWNER_SYSTEM, code: X }] } };

describe('principals cached per process', () => {
  let t: TestEngine;
  let repo: Repository;
  let accounts: PasswordAccountService;
  let caches: AccessCaches;
  let now = new Date('2026-12-03T10:00:00Z');
  let lookups = 0;
  let accessFor: ReturnType<typeof requestAccess>;

  before(async () => {
    loadFhirDefinitions();
    t = await openTestEngine('request-access');
    accounts = testAccounts(t.engine.keyValue);
    repo = new VersionedRepository({
      engine: t.engine,
      validate: () => undefined,
      index: (resource) => indexWithAccess(resource, TEST_BASE_URL),
      tombstoneIndex: (resource) => tombstoneRows(resource, TEST_BASE_URL),
      afterCommit: bumpOnAccessWrites(t.engine.keyValue),
    });
    // Entitlements read through search and read only: count them.
    const counted = {
      search: (request) => (lookups++, repo.search(request)),
      read: (type, id) => (lookups++, repo.read(type, id)),
    } as Pick<Repository, 'search' | 'read'>;
    caches = accessCaches(t.engine.keyValue);
    accessFor = requestAccess({
      repo: counted as Repository,
      findAccount: (id) => accounts.findById(id),
      fhirBaseUrl: TEST_BASE_URL,
      cache: caches,
      now: () => now,
    });
  });
  after(() => t.close());

  /** The principal a request with this grant gets, and whether it looked at the records. */
  async function ask(grant: TokenGrant): Promise<{ principal: Principal; lookedUp: boolean }> {
    const before = lookups;
    const res = { locals: { grant } as Record<string, unknown> };
    await accessFor({}, res);
    return { principal: res.locals.principal as Principal, lookedUp: lookups > before };
  }

  it('resolves a practitioner once, again after a role is written, and never past the end of a role', async () => {
    const practitioner = await accounts.createAccount({
      email: 'prac@example.org',
      kind: 'practitioner',
      fhirUser: 'Practitioner/prac-1',
    });
    const role = (
      await repo.create<PractitionerRole>({
        ...owned,
        resourceType: 'PractitionerRole',
        practitioner: { reference: 'Practitioner/prac-1' },
        organization: { reference: `Organization/${X}` },
        period: { end: '2026-12-03T10:00:10Z' },
      })
    ).resource;
    const grant = { accountId: practitioner.id, clientId: 'app', scope: 'user/*.rs' };

    const first = await ask(grant);
    assert.deepEqual(first.principal.practices, [X]);
    assert.equal(first.lookedUp, true);
    const second = await ask(grant);
    assert.equal(second.lookedUp, false, 'the second request is answered from the cache');
    assert.equal(second.principal, first.principal);
    assert.ok(Object.isFrozen(second.principal) && Object.isFrozen(second.principal.practices));
    const otherScope = await ask({ ...grant, scope: 'user/Patient.rs' });
    assert.equal(otherScope.lookedUp, true, 'another scope set is another entry');

    await repo.update({ ...role, active: false });
    const afterWrite = await ask(grant);
    assert.equal(afterWrite.lookedUp, true, 'the role write started a new epoch');
    assert.deepEqual(afterWrite.principal.practices, []);

    await repo.update({ ...role, active: true });
    assert.deepEqual((await ask(grant)).principal.practices, [X]);
    now = new Date('2026-12-03T10:00:10.999Z');
    assert.equal((await ask(grant)).lookedUp, false, 'still within the role period');
    now = new Date('2026-12-03T10:00:11.000Z');
    const ended = await ask(grant);
    assert.equal(ended.lookedUp, true, 'the role ended: the entry did not outlive it, although the epoch stands');
    assert.deepEqual(ended.principal.practices, []);
  });

  it("never keeps a parent's access past the child's proxy-age birthday", async () => {
    now = new Date(Date.UTC(2026, 11, 4) - 5_000);
    const child = (await repo.create<Patient>({ ...owned, resourceType: 'Patient', birthDate: '2008-12-04' })).resource;
    const mother = (
      await repo.create<RelatedPerson>({
        ...owned,
        resourceType: 'RelatedPerson',
        patient: { reference: `Patient/${child.id}` },
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
      })
    ).resource;
    const account = await accounts.createAccount({
      email: 'mother@example.org',
      kind: 'related-person',
      fhirUser: `RelatedPerson/${mother.id}`,
    });
    const grant = { accountId: account.id, clientId: 'portal', scope: 'user/*.rs' };
    assert.deepEqual((await ask(grant)).principal.patients, [child.id]);
    now = new Date(Date.UTC(2026, 11, 4) - 1);
    assert.equal((await ask(grant)).lookedUp, false);
    now = new Date(Date.UTC(2026, 11, 4));
    const adult = await ask(grant);
    assert.equal(adult.lookedUp, true);
    assert.deepEqual(adult.principal.patients, []);
  });

  it('an account change starts a new epoch: the next request resolves again', async () => {
    now = new Date('2026-12-05T10:00:00Z');
    const patient = await accounts.createAccount({ email: 'pat@example.org', kind: 'patient', fhirUser: 'Person/a' });
    const grant = { accountId: patient.id, clientId: 'portal', scope: 'user/*.rs' };
    await ask(grant);
    assert.equal((await ask(grant)).lookedUp, false);
    await accounts.store.linkFhirUser(patient.id, 'Person/b');
    const relinked = await ask(grant);
    assert.equal(relinked.lookedUp, true);
    assert.equal(relinked.principal.fhirUser, 'Person/b');
  });
});
