import assert from 'node:assert/strict';
import type { Resource } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { loadFhirDefinitions, openTestEngine, TEST_BASE_URL } from '../../test/support/repository-setup.ts';
import type { TestEngine } from '../../test/support/repository-setup.ts';
import { MingoEngine } from '../../test/support/mingo-engine.ts';
import { VersionedRepository } from '../storage/repository.ts';
import type { Repository } from '../storage/repository.ts';
import type { StorageEngine } from '../storage/storage-engine.ts';
import { indexWithAccess, OWNER_SYSTEM, tombstoneRows } from './access-index.ts';
import { startsNewEpoch } from '../../test/support/access-epoch.ts';
import { bumpAccessEpoch, bumpOnAccessWrites, readAccessEpoch, writeChangesAccess } from './access-epoch.ts';

const owned = { meta: { tag: [{ system: OWNER_SYSTEM, code: 'practice-x' }] } };

describe('the access epoch', () => {
  let t: TestEngine;
  before(async () => {
    t = await openTestEngine('access-epoch');
  });
  after(() => t.close());

  it('starts empty and takes a new, never repeated value at every bump', async () => {
    const kv = t.engine.keyValue;
    const seen = new Set([await readAccessEpoch(kv)]);
    for (let i = 0; i < 20; i++) {
      await bumpAccessEpoch(kv);
      seen.add(await readAccessEpoch(kv));
    }
    assert.equal(seen.size, 21);
  });

  it('counts writes of what entitlements read, except a create whose id the server minted for a by-id type', () => {
    const w = (resourceType: string, newId: boolean) => writeChangesAccess({ resourceType, id: 'x', newId });
    assert.equal(w('PractitionerRole', true), true, 'roles are searched: even a new one may open access');
    assert.equal(w('PractitionerRole', false), true);
    for (const type of ['Patient', 'Person', 'RelatedPerson', 'Organization']) {
      assert.equal(w(type, false), true, type);
      assert.equal(w(type, true), false, `a new ${type} with a fresh id`);
    }
    for (const type of ['Observation', 'AuditEvent', 'Practitioner', 'Consent']) assert.equal(w(type, false), false);
  });
});

for (const engineName of ['sqlite', 'mingo'] as const) {
  describe(`FHIR writes start a new access epoch after they commit (${engineName})`, () => {
    let engine: StorageEngine;
    let closeEngine: () => Promise<void>;
    let repo: Repository;
    const epoch = () => readAccessEpoch(engine.keyValue);
    const bumps = (change: () => Promise<unknown>) => startsNewEpoch(engine.keyValue, change);

    before(async () => {
      loadFhirDefinitions();
      if (engineName === 'sqlite') {
        const t = await openTestEngine('access-epoch-repo');
        engine = t.engine;
        closeEngine = () => t.close();
      } else {
        engine = new MingoEngine();
        await engine.open();
        closeEngine = () => engine.close();
      }
      repo = new VersionedRepository({
        engine,
        validate: () => undefined,
        index: (resource) => indexWithAccess(resource, TEST_BASE_URL),
        tombstoneIndex: (resource) => tombstoneRows(resource, TEST_BASE_URL),
        afterCommit: bumpOnAccessWrites(engine.keyValue),
      });
    });
    after(() => closeEngine());

    const create = (resource: Resource) => repo.create({ ...owned, ...resource });

    it('a PractitionerRole created, changed or deleted', async () => {
      let id = '';
      assert.equal(
        await bumps(async () => {
          id = (await create({ resourceType: 'PractitionerRole', practitioner: { reference: 'Practitioner/p' } }))
            .resource.id!;
        }),
        true,
      );
      assert.equal(
        await bumps(() => repo.update({ ...owned, resourceType: 'PractitionerRole', id, active: false })),
        true,
      );
      assert.equal(await bumps(() => repo.delete('PractitionerRole', id)), true);
    });

    it('not a Patient POSTed (a fresh server id), but a Patient changed, deleted or PUT at a chosen id', async () => {
      let id = '';
      assert.equal(
        await bumps(async () => {
          id = (await create({ resourceType: 'Patient', name: [{ family: 'New' }] })).resource.id!;
        }),
        false,
      );
      assert.equal(await bumps(() => repo.update({ ...owned, resourceType: 'Patient', id, active: false })), true);
      assert.equal(
        await bumps(() => repo.patch('Patient', id, [{ op: 'replace', path: '/active', value: true }])),
        true,
      );
      assert.equal(await bumps(() => repo.update({ ...owned, resourceType: 'Patient', id: 'chosen-id' })), true);
      assert.equal(await bumps(() => repo.delete('Patient', id)), true);
    });

    it('a RelatedPerson or Person changed, not an Observation', async () => {
      const related = (await create({ resourceType: 'RelatedPerson', patient: { reference: 'Patient/chosen-id' } }))
        .resource;
      assert.equal(await bumps(() => repo.update({ ...related, active: false })), true);
      assert.equal(await bumps(() => repo.update({ ...owned, resourceType: 'Person', id: 'person-1' })), true);
      assert.equal(
        await bumps(() => create({ resourceType: 'Observation', status: 'final', code: { text: 'x' } } as Resource)),
        false,
      );
    });

    it('a transaction once it commits, and a rolled-back one not at all', async () => {
      assert.equal(
        await bumps(() =>
          repo.transaction(async (tx) => {
            await tx.create({ ...owned, resourceType: 'Patient' });
            await tx.update({ ...owned, resourceType: 'Person', id: 'person-2' });
          }),
        ),
        true,
      );
      assert.equal(
        await bumps(() =>
          repo.transaction(async (tx) => {
            await tx.create({ ...owned, resourceType: 'Patient' });
            await tx.create({ ...owned, resourceType: 'Organization', name: 'New practice' });
          }),
        ),
        false,
        'only fresh ids of by-id types',
      );
      const before = await epoch();
      await assert.rejects(
        repo.transaction(async (tx) => {
          await tx.update({ ...owned, resourceType: 'Person', id: 'person-3' });
          throw new Error('rolled back');
        }),
        /rolled back/,
      );
      assert.equal(await epoch(), before, 'nothing committed, nothing to tell');
    });
  });
}
