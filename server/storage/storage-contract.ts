import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { loadDefinitions } from '../fhir/definitions.ts';
import { FhirError } from '../fhir/outcomes.ts';
import { extractIndexRows } from '../fhir/search/extract-index.ts';
import { parseSearch } from '../fhir/search/parse-search.ts';
import type { Query } from '../fhir/search/parse-search.ts';
import type { SearchRequest } from '../fhir/search/search-request.ts';
import { ResourceValidator } from '../fhir/validation/validator.ts';
import { VersionedRepository } from './repository.ts';
import type { Repository } from './repository.ts';
import type { StorageEngine } from './storage-engine.ts';
import { VersionConflictError } from './storage-engine.ts';
import { AppendRefusedError } from './appender.ts';
import type { AppendEntry } from './appender.ts';
import { PATIENT_PREPARER } from '../../test/support/patient-preparer.ts';
import type { PatientsMessage } from '../../test/support/patient-preparer.ts';
import { statusOf as status } from '../../test/support/fhir-status.ts';

/**
 * The contract every storage engine passes: FHIR semantics through the repository, search over
 * the write-time index, atomic transactions. Each engine's *-contract.test.ts runs it.
 */
const BASE = 'http://test.local/fhir/R4';

export interface ContractTarget {
  /** Creates a fresh, empty, opened engine. */
  open(): Promise<StorageEngine>;
  /** Removes what open() created (files, databases). */
  cleanup?(): Promise<void>;
}

export function runStorageContract(name: string, target: ContractTarget, options: { skip?: string } = {}): void {
  describe(`storage contract: ${name}`, { skip: options.skip }, () => {
    let engine: StorageEngine;
    let repo: Repository;

    before(async () => {
      loadDefinitions();
      engine = await target.open();
      const validator = new ResourceValidator(new Map());
      repo = new VersionedRepository({
        engine,
        validate: (r) => validator.validate(r),
        index: (r) => extractIndexRows(r, BASE),
      });
    });
    after(async () => {
      await engine?.close();
      await target.cleanup?.();
    });

    const search = (type: string, query: Query, count = 50): SearchRequest =>
      parseSearch(type, query, { defaultCount: count, maxCount: 1000, maxOrValues: 100, baseUrl: BASE, strict: true })
        .request;
    const ids = async (type: string, query: Query): Promise<string[]> =>
      (await repo.search(search(type, query))).versions.map((v) => (v.resource as Resource & { id: string }).id).sort();

    it('creates with a server id and version 1, ignoring client-set meta', async () => {
      const { resource, created } = await repo.create<Patient>({
        resourceType: 'Patient',
        id: 'client-id',
        meta: { versionId: '42', lastUpdated: '2000-01-01T00:00:00Z' },
        name: [{ family: 'Contract' }],
      });
      assert.equal(created, true);
      assert.notEqual(resource.id, 'client-id');
      assert.match(resource.id as string, /^[0-9a-f-]{36}$/);
      assert.equal(resource.meta?.versionId, '1');
      assert.notEqual(resource.meta?.lastUpdated, '2000-01-01T00:00:00Z');
      assert.deepEqual(await repo.read('Patient', resource.id as string), resource);
    });

    it('updates with versions, refuses a stale If-Match, keeps history, deletes with a tombstone', async () => {
      const { resource: v1 } = await repo.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Versioned' }] });
      const id = v1.id as string;
      const { resource: v2, created } = await repo.update<Patient>({ ...v1, gender: 'female' }, { ifMatch: 'W/"1"' });
      assert.equal(created, false);
      assert.equal(v2.meta?.versionId, '2');
      assert.equal(await status(repo.update<Patient>({ ...v1, gender: 'male' }, { ifMatch: 'W/"1"' })), 412);
      assert.equal((await repo.read<Patient>('Patient', id)).gender, 'female');
      const history = await repo.history({ resourceType: 'Patient', id, count: 10 });
      assert.deepEqual(
        history.map((v) => v.versionId),
        ['2', '1'],
      );
      assert.equal((await repo.vread<Patient>('Patient', id, '1')).gender, undefined);
      await repo.delete('Patient', id);
      assert.equal(await status(repo.read('Patient', id)), 410);
      assert.equal(await status(repo.vread('Patient', id, '3')), 410);
      assert.equal((await repo.vread<Patient>('Patient', id, '2')).gender, 'female');
      assert.deepEqual(
        (await repo.history({ resourceType: 'Patient', id, count: 10 })).map((v) => [v.versionId, v.deleted]),
        [
          ['3', true],
          ['2', false],
          ['1', false],
        ],
      );
      assert.deepEqual(await ids('Patient', { _id: id }), [], 'deleted resources are not found by search');
      const { resource: again, created: recreated } = await repo.update<Patient>({
        resourceType: 'Patient',
        id,
        name: [{ family: 'Back' }],
      });
      assert.equal(recreated, true);
      assert.equal(again.meta?.versionId, '4');
    });

    it('answers 404 for unknown ids and versions', async () => {
      assert.equal(await status(repo.read('Patient', 'no-such-id')), 404);
      assert.equal(await status(repo.vread('Patient', 'no-such-id', '1')), 404);
      assert.equal(await status(repo.patch('Patient', 'no-such-id', [])), 404);
    });

    it('creates on update with a client id', async () => {
      const { resource, created } = await repo.update<Patient>({
        resourceType: 'Patient',
        id: 'client-chosen-1',
        name: [{ family: 'Chosen' }],
      });
      assert.equal(created, true);
      assert.equal(resource.id, 'client-chosen-1');
      assert.equal(resource.meta?.versionId, '1');
    });

    it('stores nothing when validation fails', async () => {
      const before = await repo.history({ count: 1000 });
      assert.equal(await status(repo.create({ resourceType: 'Patient', birthDate: 'notadate' } as Patient)), 400);
      assert.equal((await repo.history({ count: 1000 })).length, before.length);
    });

    it('applies JSON Patch and rejects patches that change the id or break the resource', async () => {
      const { resource } = await repo.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Patchy' }] });
      const id = resource.id as string;
      const { resource: patched } = await repo.patch<Patient>(
        'Patient',
        id,
        [{ op: 'add', path: '/gender', value: 'other' }],
        { ifMatch: 'W/"1"' },
      );
      assert.equal(patched.gender, 'other');
      assert.equal(patched.meta?.versionId, '2');
      assert.equal(await status(repo.patch('Patient', id, [{ op: 'replace', path: '/id', value: 'x' }])), 422);
      assert.equal(await status(repo.patch('Patient', id, [{ op: 'add', path: '/birthDate', value: 'nope' }])), 400);
      assert.equal(
        await status(repo.patch('Patient', id, [{ op: 'add', path: '/__proto__/polluted', value: 1 }])),
        422,
      );
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(await status(repo.patch('Patient', id, { op: 'add' })), 400);
      assert.equal((await repo.read<Patient>('Patient', id)).meta?.versionId, '2');
    });

    it('conditional create: 0 matches creates, 1 returns it, many is 412', async () => {
      const criteria = search('Patient', { identifier: 'urn:contract|cc-1' });
      const first = await repo.create<Patient>(
        { resourceType: 'Patient', identifier: [{ system: 'urn:contract', value: 'cc-1' }] },
        { ifNoneExist: criteria },
      );
      assert.equal(first.created, true);
      const second = await repo.create<Patient>(
        { resourceType: 'Patient', identifier: [{ system: 'urn:contract', value: 'cc-1' }] },
        { ifNoneExist: criteria },
      );
      assert.equal(second.created, false);
      assert.equal(second.resource.id, first.resource.id);
      await repo.create<Patient>({
        resourceType: 'Patient',
        identifier: [{ system: 'urn:contract', value: 'cc-many' }],
      });
      await repo.create<Patient>({
        resourceType: 'Patient',
        identifier: [{ system: 'urn:contract', value: 'cc-many' }],
      });
      assert.equal(
        await status(
          repo.create(
            { resourceType: 'Patient' },
            { ifNoneExist: search('Patient', { identifier: 'urn:contract|cc-many' }) },
          ),
        ),
        412,
      );
    });

    it('conditional update and delete act on the single match', async () => {
      const criteria = search('Patient', { identifier: 'urn:contract|cu-1' });
      const made = await repo.conditionalUpdate<Patient>(
        { resourceType: 'Patient', identifier: [{ system: 'urn:contract', value: 'cu-1' }] },
        criteria,
      );
      assert.equal(made.created, true);
      const updated = await repo.conditionalUpdate<Patient>(
        { resourceType: 'Patient', identifier: [{ system: 'urn:contract', value: 'cu-1' }], gender: 'male' },
        criteria,
      );
      assert.equal(updated.created, false);
      assert.equal(updated.resource.id, made.resource.id);
      assert.equal(updated.resource.meta?.versionId, '2');
      await repo.conditionalDelete(criteria);
      assert.equal(await status(repo.read('Patient', made.resource.id as string)), 410);
      assert.equal(
        await status(repo.conditionalDelete(search('Patient', { identifier: 'urn:contract|cc-many' }))),
        412,
      );
    });

    it('a failing transaction leaves no trace', async () => {
      const before = (await repo.history({ count: 1000 })).length;
      await assert.rejects(
        repo.transaction(async (tx) => {
          await tx.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Ghost' }] });
          await tx.create({ resourceType: 'Patient', birthDate: 'bad' } as Patient);
        }),
        (err: unknown) => err instanceof FhirError && err.status === 400,
      );
      assert.equal((await repo.history({ count: 1000 })).length, before);
      assert.deepEqual(await ids('Patient', { family: 'ghost' }), []);
    });

    it('concurrent writers of one resource cannot both win', async () => {
      const { resource } = await repo.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Race' }] });
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, (_, i) =>
          repo.update<Patient>({ ...resource, birthDate: `200${i}-01-01` }, { ifMatch: 'W/"1"' }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal((await repo.history({ resourceType: 'Patient', id: resource.id, count: 10 })).length, 2);
    });

    describe('search', () => {
      const made: Record<string, string> = {};
      before(async () => {
        const patients: Array<[string, Patient]> = [
          [
            'zoe',
            {
              resourceType: 'Patient',
              name: [{ family: 'Searchzoë', given: ['Anna'] }],
              birthDate: '1980-02-15',
              gender: 'female',
              identifier: [{ system: 'urn:mrn', value: 'S1' }],
            },
          ],
          [
            'smith',
            {
              resourceType: 'Patient',
              name: [{ family: 'Searchsmith', given: ['Bob'] }],
              birthDate: '1990',
              gender: 'male',
              identifier: [{ value: 'S2' }],
            },
          ],
          [
            'smythe',
            {
              resourceType: 'Patient',
              name: [{ family: 'Searchsmythe' }],
              birthDate: '2001-06-30',
              identifier: [{ system: 'urn:other', value: 'S1' }],
            },
          ],
        ];
        for (const [key, p] of patients) made[key] = (await repo.create(p)).resource.id as string;
        const obs = (subject: string, date: string): Observation => ({
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          subject: { reference: `Patient/${subject}` },
          effectiveDateTime: date,
        });
        made.obs1 = (await repo.create(obs(made.zoe as string, '2024-01-10T08:00:00Z'))).resource.id as string;
        made.obs2 = (await repo.create(obs(made.smith as string, '2024-03-01'))).resource.id as string;
      });

      it('string: prefix, accent- and case-insensitive; :exact; :contains; OR', async () => {
        assert.deepEqual(await ids('Patient', { family: 'searchzoe' }), [made.zoe]);
        assert.deepEqual(await ids('Patient', { family: 'SEARCHSM' }), [made.smith, made.smythe].sort());
        assert.deepEqual(await ids('Patient', { 'family:exact': 'Searchzoë' }), [made.zoe]);
        assert.deepEqual(await ids('Patient', { 'family:exact': 'searchzoë' }), []);
        assert.deepEqual(await ids('Patient', { 'family:contains': 'smy' }), [made.smythe]);
        assert.deepEqual(await ids('Patient', { 'family:contains': '.*' }), []);
        assert.deepEqual(await ids('Patient', { name: 'anna,bob' }), [made.zoe, made.smith].sort());
      });

      it('token: code, system|code, |code, system|', async () => {
        assert.deepEqual(await ids('Patient', { identifier: 'S1' }), [made.zoe, made.smythe].sort());
        assert.deepEqual(await ids('Patient', { identifier: 'urn:mrn|S1' }), [made.zoe]);
        assert.deepEqual(await ids('Patient', { identifier: '|S2' }), [made.smith]);
        assert.deepEqual(await ids('Patient', { identifier: 'urn:other|' }), [made.smythe]);
        assert.deepEqual(await ids('Patient', { gender: 'female', family: 'search' }), [made.zoe]);
      });

      it('date: precision ranges and prefixes', async () => {
        assert.deepEqual(await ids('Patient', { birthdate: '1980-02', family: 'search' }), [made.zoe]);
        assert.deepEqual(
          await ids('Patient', { birthdate: 'ge1990-06-01', family: 'search' }),
          [made.smith, made.smythe].sort(),
        );
        assert.deepEqual(await ids('Patient', { birthdate: 'lt1990', family: 'search' }), [made.zoe]);
        assert.deepEqual(
          await ids('Patient', { birthdate: ['gt1980', 'le2001-06-30'], family: 'search' }),
          [made.smith, made.smythe].sort(),
        );
        assert.deepEqual(
          await ids('Patient', { birthdate: 'ne1990', family: 'search' }),
          [made.zoe, made.smythe].sort(),
        );
        assert.deepEqual(await ids('Observation', { date: 'sa2024-02', code: '8867-4' }), [made.obs2]);
        assert.deepEqual(await ids('Observation', { date: 'eb2024-02', code: 'http://loinc.org|8867-4' }), [made.obs1]);
      });

      it('reference: id, Type/id, absolute URL on this server', async () => {
        assert.deepEqual(await ids('Observation', { subject: `Patient/${made.zoe}` }), [made.obs1]);
        assert.deepEqual(await ids('Observation', { patient: made.smith as string }), [made.obs2]);
        assert.deepEqual(await ids('Observation', { subject: `${BASE}/Patient/${made.zoe}` }), [made.obs1]);
        assert.deepEqual(await ids('Observation', { 'subject:Patient': made.zoe as string }), [made.obs1]);
      });

      it('_id and _lastUpdated', async () => {
        assert.deepEqual(await ids('Patient', { _id: `${made.zoe},${made.smith}` }), [made.zoe, made.smith].sort());
        assert.deepEqual(await ids('Patient', { _lastUpdated: 'lt2000-01-01', family: 'search' }), []);
        assert.deepEqual(await ids('Patient', { _lastUpdated: 'gt2000-01-01', family: 'searchsmy' }), [made.smythe]);
      });

      it('pages by id with hasMore and an accurate total', async () => {
        const first = await repo.search({ ...search('Patient', { family: 'search' }, 2), total: 'accurate' });
        assert.equal(first.versions.length, 2);
        assert.equal(first.hasMore, true);
        assert.equal(first.total, 3);
        const second = await repo.search({
          ...search('Patient', { family: 'search' }, 2),
          page: { direction: 'after', position: first.last! },
        });
        assert.equal(second.versions.length, 1);
        assert.equal(second.hasMore, false);
        const all = [...first.versions, ...second.versions].map((v) => v.id);
        assert.deepEqual(all, [made.zoe, made.smith, made.smythe].sort());
      });

      it('hostile values match only literally', async () => {
        for (const value of ['(a+)+$', '.*', '\u0000', '%', '_', "' OR 1=1 --", '{"$ne":null}']) {
          assert.deepEqual(await ids('Patient', { 'family:contains': value }), [], value);
          assert.deepEqual(await ids('Patient', { family: value }), [], value);
          assert.deepEqual(await ids('Patient', { identifier: value }), [], value);
        }
      });

      it('index rows follow updates and deletes', async () => {
        const { resource } = await repo.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Indexfollow' }] });
        await repo.update<Patient>({ ...resource, name: [{ family: 'Renamedfollow' }] });
        assert.deepEqual(await ids('Patient', { family: 'indexfollow' }), []);
        assert.deepEqual(await ids('Patient', { family: 'renamedfollow' }), [resource.id]);
        await repo.delete('Patient', resource.id as string);
        assert.deepEqual(await ids('Patient', { family: 'renamedfollow' }), []);
      });

      it('sorts on several keys with missing values last, and pages both ways by position', async () => {
        const request = {
          ...search('Patient', { family: 'search', _sort: '-gender,birthdate' }, 2),
          total: 'accurate' as const,
        };
        const first = await repo.search(request);
        assert.deepEqual(
          first.versions.map((v) => v.id),
          [made.smith, made.zoe],
        );
        assert.equal(first.total, 3);
        const second = await repo.search({ ...request, page: { direction: 'after', position: first.last! } });
        assert.deepEqual(
          second.versions.map((v) => v.id),
          [made.smythe],
          'no gender: last',
        );
        assert.equal(second.hasMore, false);
        const back = await repo.search({ ...request, page: { direction: 'before', position: second.first! } });
        assert.deepEqual(
          back.versions.map((v) => v.id),
          [made.smith, made.zoe],
        );
        assert.equal(back.hasMore, false);
      });

      it('chains and _has join through the index', async () => {
        assert.deepEqual(await ids('Observation', { 'subject:Patient.gender': 'male' }), [made.obs2]);
        assert.deepEqual(await ids('Patient', { '_has:Observation:subject:date': 'ge2024-02-01' }), [made.smith]);
        assert.deepEqual(await ids('Patient', { 'gender:missing': 'true', family: 'search' }), [made.smythe]);
      });

      it('replaceIndex changes what search finds without writing a version, and skips deleted resources', async () => {
        const { resource } = await repo.create<Patient>({ resourceType: 'Patient', name: [{ family: 'Reindexme' }] });
        const renamed = extractIndexRows({ ...resource, name: [{ family: 'Reindexed' }] } as Patient, BASE);
        await engine.transaction((s) => s.replaceIndex('Patient', resource.id as string, renamed));
        assert.deepEqual(await ids('Patient', { family: 'reindexed' }), [resource.id]);
        assert.equal((await repo.history({ resourceType: 'Patient', id: resource.id, count: 10 })).length, 1);
        await repo.delete('Patient', resource.id as string);
        await engine.transaction((s) => s.replaceIndex('Patient', resource.id as string, renamed));
        assert.deepEqual(await ids('Patient', { family: 'reindexed' }), []);
      });
    });

    it('history across types, newest first, with _since and keyset paging', async () => {
      const all = await repo.history({ count: 1000 });
      assert.ok(all.length > 10);
      for (let i = 1; i < all.length; i++)
        assert.ok(
          (all[i - 1] as { lastUpdated: string }).lastUpdated >= (all[i] as { lastUpdated: string }).lastUpdated,
        );
      const page1 = await repo.history({ count: 3 });
      const last = page1.at(-1)!;
      const page2 = await repo.history({
        count: 3,
        before: {
          lastUpdated: last.lastUpdated,
          resourceType: last.resourceType,
          id: last.id,
          versionId: last.versionId,
        },
      });
      assert.deepEqual(
        [...page1, ...page2].map((v) => `${v.id}/${v.versionId}`),
        all.slice(0, 6).map((v) => `${v.id}/${v.versionId}`),
      );
      const since = all[4]!.lastUpdated;
      assert.ok((await repo.history({ since, count: 1000 })).every((v) => v.lastUpdated >= since));
      assert.deepEqual(
        (await repo.history({ resourceType: 'Observation', count: 1000 }))
          .map((v) => v.resourceType)
          .filter((t) => t !== 'Observation'),
        [],
      );
    });

    describe('appender', () => {
      const entry = (id: string, family: string): AppendEntry => {
        const lastUpdated = new Date().toISOString();
        const resource: Patient = {
          resourceType: 'Patient',
          id,
          meta: { versionId: '1', lastUpdated },
          name: [{ family }],
        };
        return {
          version: { resourceType: 'Patient', id, versionId: '1', lastUpdated, deleted: false, resource },
          index: extractIndexRows(resource, BASE),
        };
      };
      const unique = (tag: string) => `${tag}-${Math.random().toString(36).slice(2)}`;

      it('appends first versions, committed and searchable once it resolves', async () => {
        const family = unique('Appended');
        const fresh = [unique('a1'), unique('a2'), unique('a3')];
        assert.equal(await engine.appender.append(fresh.map((id) => entry(id, family))), 3);
        assert.deepEqual(await ids('Patient', { family }), [...fresh].sort());
        const read = await repo.read<Patient>('Patient', fresh[0] as string);
        assert.equal(read.meta?.versionId, '1');
        // The next version goes through the repository as usual.
        const updated = await repo.update<Patient>({ ...read, name: [{ family: `${family}x` }] });
        assert.equal(updated.resource.meta?.versionId, '2');
      });

      it('an id already in use fails the whole append: none of its entries is stored', async () => {
        const family = unique('Conflict');
        const taken = unique('taken');
        await engine.appender.append([entry(taken, family)]);
        await assert.rejects(
          engine.appender.append([entry(unique('fresh'), family), entry(taken, family)]),
          (err: Error) => err instanceof VersionConflictError,
        );
        // Deeper in a longer append (on SQLite inside a group of entries written by multi-row INSERTs).
        const before = Array.from({ length: 5 }, (_, i) => entry(unique(`f${i}`), family));
        await assert.rejects(
          engine.appender.append([...before, entry(taken, family), entry(unique('after'), family)]),
          (err: Error) => err instanceof VersionConflictError && err.id === taken,
        );
        assert.deepEqual(await ids('Patient', { family }), [taken]);
      });

      it('stops after maxMs of work and says how many it wrote (always at least one), a prefix', async () => {
        const family = unique('Capped');
        const fresh = [unique('c1'), unique('c2'), unique('c3')];
        assert.equal(
          await engine.appender.append(
            fresh.map((id) => entry(id, family)),
            { maxMs: 0 },
          ),
          1,
        );
        assert.deepEqual(await ids('Patient', { family }), [fresh[0]]);
      });

      it('concurrent appends and repository writes all land', async () => {
        const family = unique('Together');
        const appended = Array.from({ length: 20 }, (_, i) => unique(`t${i}`));
        const [count, ...created] = await Promise.all([
          engine.appender.append(appended.map((id) => entry(id, family))),
          ...Array.from({ length: 10 }, () => repo.create<Patient>({ resourceType: 'Patient', name: [{ family }] })),
        ]);
        assert.equal(count, 20);
        assert.equal((await ids('Patient', { family })).length, 30);
        assert.equal(created.length, 10);
      });

      it('appendPrepared: the preparer builds the entries from a plain message (on SQLite, on the thread)', async () => {
        const family = unique('Prepared');
        const fresh = [unique('p1'), unique('p2')];
        const message: PatientsMessage = { ids: fresh, family, lastUpdated: new Date().toISOString() };
        assert.equal(await engine.appender.appendPrepared(PATIENT_PREPARER, message), 2);
        assert.deepEqual(await ids('Patient', { family }), [...fresh].sort());
        const read = await repo.read<Patient>('Patient', fresh[0] as string);
        assert.deepEqual(read.name, [{ family }]);
        assert.equal(read.meta?.lastUpdated, message.lastUpdated, 'what the sender decided, not the thread');
      });

      it('appendPrepared: a refusal rejects as itself, writing nothing; a missing preparer fails, and appends go on', async () => {
        const taken = unique('refused');
        await assert.rejects(
          engine.appender.appendPrepared(PATIENT_PREPARER, {
            ids: [taken],
            family: 'refused',
            lastUpdated: '2025-01-01T00:00:00.000Z',
          }),
          (err: Error) => err instanceof AppendRefusedError && /is refused/.test(err.message),
        );
        assert.deepEqual(await ids('Patient', { family: 'refused' }), []);
        await assert.rejects(
          engine.appender.appendPrepared(new URL('./no-such-preparer.ts', PATIENT_PREPARER).href, {}),
          (err: Error) => !(err instanceof AppendRefusedError),
        );
        const family = unique('After');
        const message: PatientsMessage = { ids: [unique('a')], family, lastUpdated: new Date().toISOString() };
        assert.equal(await engine.appender.appendPrepared(PATIENT_PREPARER, message, { maxMs: 0 }), 1);
      });
    });
  });
}
