import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation } from '@medplum/fhirtypes';
import type { AccessFilter } from '../fhir/search/search-request.ts';
import { FhirError } from '../fhir/outcomes.ts';
import { openTestStore } from '../../test/support/repository-setup.ts';
import type { TestStore } from '../../test/support/repository-setup.ts';
import type { AccessScope } from './access-scope.ts';

/**
 * The repository's last line of defence on writes: after prepareWrite, the caller must reach the
 * version just written under their own `c`/`u` rule, or the write is undone (403). The rule is
 * evaluated on the version's index rows in memory when the in-memory matcher answers it exactly, and
 * asked of the store otherwise; both paths must refuse and keep nothing.
 */
const vitalSigns: AccessFilter = {
  kind: 'token',
  param: 'category',
  any: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
};
/** The same rule with a `_lastUpdated` condition that every write meets: only the store can answer it. */
const vitalSignsViaStore: AccessFilter = {
  kind: 'and',
  filters: [
    vitalSigns,
    { kind: 'lastUpdated', any: [{ prefix: 'ge', low: '2000-01-01T00:00:00.000Z', high: '2000-01-01T00:00:00.000Z' }] },
  ],
};

/** A scope that lets every write through prepareWrite unchanged and reaches only what `filter` selects. */
function scopeOf(filter: AccessFilter): AccessScope {
  return {
    rule: () => ({ types: { Observation: filter }, otherTypes: 'none' }),
    prepareWrite: async (resource) => resource,
    prepareDelete: async () => undefined,
  };
}

const observation = (code: string): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'heart rate' },
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code }] }],
});

let store: TestStore;
before(async () => {
  store = await openTestStore();
});
after(() => store.close());

for (const [path, filter] of [
  ['in memory', vitalSigns],
  ['by the store', vitalSignsViaStore],
] as const) {
  describe(`a write the caller could not see afterwards is undone (rule evaluated ${path})`, () => {
    const count = async () =>
      (await store.repo.search({ resourceType: 'Observation', filters: [], sort: [], count: 1000, total: 'accurate' }))
        .total;

    it('a create inside the rule is kept', async () => {
      const saved = await store.repo.withScope(scopeOf(filter)).create(observation('vital-signs'));
      assert.equal(saved.created, true);
    });

    it('a create outside it answers 403 and stores nothing', async () => {
      const stored = await count();
      await assert.rejects(store.repo.withScope(scopeOf(filter)).create(observation('laboratory')), (err: unknown) => {
        assert.ok(err instanceof FhirError);
        assert.equal(err.status, 403);
        return true;
      });
      assert.equal(await count(), stored);
    });

    it('an update that moves the resource outside it answers 403 and keeps the old version', async () => {
      const scoped = store.repo.withScope(scopeOf(filter));
      const { resource } = await scoped.create(observation('vital-signs'));
      await assert.rejects(scoped.update({ ...observation('laboratory'), id: resource.id }), { status: 403 });
      const current = await store.repo.read<Observation>('Observation', resource.id as string);
      assert.equal(current.meta?.versionId, '1');
      assert.equal(current.category?.[0]?.coding?.[0]?.code, 'vital-signs');
    });
  });
}
