import assert from 'node:assert/strict';
import type { Resource } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { openTestEngine } from '../../test/support/repository-setup.ts';
import type { TestEngine } from '../../test/support/repository-setup.ts';
import type { CommittedWrite } from './commit-hook.ts';
import { VersionedRepository } from './repository.ts';

/**
 * The repository's afterCommit hook: told once per outermost transaction, after it commits, what
 * it wrote and whether the server minted each id; a rolled-back transaction tells nothing.
 */
describe('the repository tells what it committed', () => {
  let t: TestEngine;
  let repo: VersionedRepository;
  const told: CommittedWrite[][] = [];

  before(async () => {
    t = await openTestEngine('commit-hook');
    repo = new VersionedRepository({
      engine: t.engine,
      validate: () => undefined,
      index: () => [],
      afterCommit: async (writes) => {
        // Committed already: another connection's read sees every write reported.
        for (const w of writes) assert.ok(await t.engine.reader.readCurrent(w.resourceType, w.id));
        told.push([...writes]);
      },
    });
  });
  after(() => t.close());

  const last = () => told.at(-1);

  it('a create at a minted id, an update, a PUT at a chosen id, a delete', async () => {
    const created = (await repo.create({ resourceType: 'Patient' } as Resource)).resource;
    assert.deepEqual(last(), [{ resourceType: 'Patient', id: created.id, newId: true }]);
    await repo.update({ ...created, active: false } as Resource);
    assert.deepEqual(last(), [{ resourceType: 'Patient', id: created.id, newId: false }]);
    await repo.update({ resourceType: 'Person', id: 'chosen' } as Resource);
    assert.deepEqual(last(), [{ resourceType: 'Person', id: 'chosen', newId: false }]);
    await repo.delete('Patient', created.id!);
    assert.deepEqual(last(), [{ resourceType: 'Patient', id: created.id, newId: false }]);
  });

  it('a conditional update that creates: minted id unless the client chose one', async () => {
    const search = {
      resourceType: 'Organization',
      filters: [{ kind: 'id' as const, ids: ['none-such'] }],
      sort: [],
      count: 2,
      total: 'none' as const,
    };
    const minted = (await repo.conditionalUpdate({ resourceType: 'Organization' } as Resource, search)).resource;
    assert.deepEqual(last(), [{ resourceType: 'Organization', id: minted.id, newId: true }]);
    await repo.conditionalUpdate({ resourceType: 'Organization', id: 'org-chosen' } as Resource, search);
    assert.deepEqual(last(), [{ resourceType: 'Organization', id: 'org-chosen', newId: false }]);
  });

  it('a transaction once, with all its writes; a rolled-back one not at all; a read nothing', async () => {
    const before = told.length;
    await repo.transaction(async (tx) => {
      await tx.create({ resourceType: 'Patient' } as Resource);
      await tx.update({ resourceType: 'PractitionerRole', id: 'role-1' } as Resource);
    });
    assert.equal(told.length, before + 1);
    assert.deepEqual(
      last()!.map((w) => [w.resourceType, w.newId]),
      [
        ['Patient', true],
        ['PractitionerRole', false],
      ],
    );
    await assert.rejects(
      repo.transaction(async (tx) => {
        await tx.update({ resourceType: 'PractitionerRole', id: 'role-2' } as Resource);
        throw new Error('rolled back');
      }),
      /rolled back/,
    );
    await repo.read('PractitionerRole', 'role-1');
    assert.equal(told.length, before + 1);
  });
});
