import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { DIRECTORY_LISTED, indexWithAccess, OWNER_SYSTEM, tombstoneRows } from '../access/access-index.ts';
import type { FhirError } from '../fhir/outcomes.ts';
import { extractIndexRowsOf } from '../fhir/search/extract-index.ts';
import type { AccessFilter, SearchFilter } from '../fhir/search/search-request.ts';
import { openTestStore, TEST_BASE_URL } from '../../test/support/repository-setup.ts';
import type { TestStore } from '../../test/support/repository-setup.ts';
import type { AccessScope } from './access-scope.ts';
import { VersionedRepository } from './repository.ts';
import type { Repository } from './repository.ts';
import type { ReadSession, StorageEngine } from './storage-engine.ts';

/**
 * A scoped read whose rule looks only at `_tag` rows is judged in memory on the version read by its
 * key (version-visibility.ts#currentByTags); every other rule is asked of the store. Both must give
 * the same answer for every resource and rule: compared here against a repository without `indexOf`,
 * which always asks the store.
 */
const owner = (code: string): SearchFilter => ({ kind: 'token', param: '_tag', any: [{ system: OWNER_SYSTEM, code }] });
const RULES: Record<string, AccessFilter> = {
  'owner org-a': owner('org-a'),
  'owner org-b': owner('org-b'),
  'owner org-a or listed': {
    kind: 'or',
    filters: [owner('org-a'), { kind: 'token', param: '_tag', any: [{ ...DIRECTORY_LISTED }] }],
  },
  'not owner org-a': { kind: 'not', filter: owner('org-a') },
  'owner org-a and the id': { kind: 'and', filters: [owner('org-a'), { kind: 'id', ids: ['a-tagged'] }] },
  'any system, code org-a': { kind: 'token', param: '_tag', any: [{ code: 'org-a' }] },
  'a compartment (asked of the store)': { kind: 'reference', param: '_compartment', any: [{ target: 'Patient/p-1' }] },
};

/** Counts the searches the reader answers: a judged-in-memory read makes none. */
function countingEngine(engine: StorageEngine): { engine: StorageEngine; searches: () => number } {
  let searches = 0;
  const reader: ReadSession = new Proxy(engine.reader, {
    get(target, prop) {
      if (prop === 'search') searches++;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const wrapped = new Proxy(engine, {
    get: (target, prop) => (prop === 'reader' ? reader : (Reflect.get(target, prop, target) as unknown)),
  });
  return { engine: wrapped, searches: () => searches };
}

const scopeOf = (filter: AccessFilter | 'all' | 'none'): AccessScope => ({
  rule: () => ({ types: { Patient: filter }, otherTypes: 'none' }),
  prepareWrite: async (resource) => resource,
  prepareDelete: async () => undefined,
});

async function outcome(repo: Repository, id: string): Promise<string> {
  try {
    const read = await repo.read<Patient>('Patient', id);
    return `200 ${read.meta?.versionId}`;
  } catch (err) {
    return String((err as FhirError).status);
  }
}

describe('scoped reads judged on the owner tag in memory', () => {
  let store: TestStore;
  let inMemory: Repository;
  let viaStore: Repository;
  let searches: () => number;

  before(async () => {
    store = await openTestStore();
    const deps = {
      validate: (r: Resource) => store.validator.validate(r),
      index: (r: Resource) => indexWithAccess(r, TEST_BASE_URL),
      tombstoneIndex: (r: Resource) => tombstoneRows(r, TEST_BASE_URL),
    };
    const counting = countingEngine(store.engine);
    searches = counting.searches;
    inMemory = new VersionedRepository({
      ...deps,
      engine: counting.engine,
      indexOf: (r, params) => extractIndexRowsOf(r, TEST_BASE_URL, params),
    });
    viaStore = new VersionedRepository({ ...deps, engine: store.engine });
    const tag = (...codes: Array<[string, string]>) => ({ tag: codes.map(([system, code]) => ({ system, code })) });
    await store.repo.update<Patient>({ resourceType: 'Patient', id: 'a-tagged', meta: tag([OWNER_SYSTEM, 'org-a']) });
    await store.repo.update<Patient>({ resourceType: 'Patient', id: 'b-tagged', meta: tag([OWNER_SYSTEM, 'org-b']) });
    await store.repo.update<Patient>({
      resourceType: 'Patient',
      id: 'b-listed',
      meta: tag([OWNER_SYSTEM, 'org-b'], [DIRECTORY_LISTED.system, DIRECTORY_LISTED.code]),
    });
    await store.repo.update<Patient>({ resourceType: 'Patient', id: 'untagged' });
    await store.repo.update<Patient>({ resourceType: 'Patient', id: 'other-system', meta: tag(['urn:x', 'org-a']) });
    await store.repo.update<Patient>({ resourceType: 'Patient', id: 'a-deleted', meta: tag([OWNER_SYSTEM, 'org-a']) });
    await store.repo.delete('Patient', 'a-deleted');
    // Re-tagged: the current version's tag decides, not the first one's.
    await store.repo.update<Patient>({ resourceType: 'Patient', id: 'moved', meta: tag([OWNER_SYSTEM, 'org-a']) });
    await store.repo.update<Patient>({ resourceType: 'Patient', id: 'moved', meta: tag([OWNER_SYSTEM, 'org-b']) });
  });
  after(() => store.close());

  const IDS = ['a-tagged', 'b-tagged', 'b-listed', 'untagged', 'other-system', 'a-deleted', 'moved', 'missing'];

  for (const [name, filter] of [...Object.entries(RULES), ['all', 'all'] as const, ['none', 'none'] as const]) {
    it(`${name}: the same answer as the store for every resource`, async () => {
      const scope = scopeOf(filter);
      for (const id of IDS) {
        assert.equal(await outcome(inMemory.withScope(scope), id), await outcome(viaStore.withScope(scope), id), id);
      }
    });
  }

  it('a rule on the owner tag reads by key and searches nothing; a compartment rule and a tombstone ask the store', async () => {
    const before = searches();
    assert.equal(await outcome(inMemory.withScope(scopeOf(owner('org-a'))), 'a-tagged'), '200 1');
    assert.equal(await outcome(inMemory.withScope(scopeOf(owner('org-b'))), 'a-tagged'), '404');
    assert.equal(searches(), before, 'judged in memory');
    assert.equal(await outcome(inMemory.withScope(scopeOf(owner('org-a'))), 'a-deleted'), '410');
    assert.equal(searches(), before + 1, 'a tombstone is judged by its kept access rows, in the store');
    assert.equal(
      await outcome(inMemory.withScope(scopeOf(RULES['a compartment (asked of the store)']!)), 'a-tagged'),
      '404',
    );
    assert.equal(searches(), before + 2);
  });
});
