import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Appointment, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { SHARING_SYSTEM } from '../server/access/record-sharing.ts';
import { DIRECTORY_LISTED, OWNER_SYSTEM, ownerOf } from '../server/access/access-index.ts';
import { accessScopeFor, publicScope } from '../server/access/access-policy.ts';
import type { Principal, ResourceScope } from '../server/access/principal.ts';
import { resolveIncludes } from '../server/fhir/search/includes.ts';
import { parseSearch } from '../server/fhir/search/parse-search.ts';
import type { Query } from '../server/fhir/search/parse-search.ts';
import type { AccessScope } from '../server/storage/access-scope.ts';
import type { Repository } from '../server/storage/repository.ts';
import { statusOf as status } from './support/fhir-status.ts';
import { openTestStore, TEST_BASE_URL as BASE } from './support/repository-setup.ts';
import type { TestStore } from './support/repository-setup.ts';

/**
 * The authorization matrix at the storage contract: two practices (X, Y), their practitioners,
 * patient A (seen at X) and patient B (seen at X and at Y), an app with a granular scope, a backend
 * client and an anonymous caller. For every interaction each identity gets exactly its entitled set,
 * on the embedded engine and on the MongoDB engine's queries (executed by mingo). The same identities
 * are exercised over HTTP with real tokens in test/authorization-matrix.test.ts.
 */
const VITALS = 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

const owned = (practice: string, listed = false): Resource['meta'] => ({
  tag: [{ system: OWNER_SYSTEM, code: practice }, ...(listed ? [{ ...DIRECTORY_LISTED }] : [])],
});

// Shared with the patient (record-sharing.ts): what patients see of clinical items is tested apart
// (test/record-sharing.test.ts); here they stand for any record in the compartment.
const observation = (id: string, practice: string, patient: string, code: string, category: string): Observation => ({
  resourceType: 'Observation',
  id,
  meta: { tag: [...(owned(practice)?.tag ?? []), { system: SHARING_SYSTEM, code: 'patient' }] },
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patient}` },
});

/** The data: written by the server itself (no scope), owners set directly. */
const FIXTURES: Resource[] = [
  { resourceType: 'Organization', id: 'ox', meta: owned('ox', true), name: 'Practice X' },
  { resourceType: 'Organization', id: 'oy', meta: owned('oy'), name: 'Practice Y' },
  { resourceType: 'Practitioner', id: 'px', meta: owned('ox', true), name: [{ family: 'Listed' }] },
  { resourceType: 'Practitioner', id: 'py', meta: owned('oy'), name: [{ family: 'Unlisted' }] },
  {
    resourceType: 'PractitionerRole',
    id: 'rx',
    meta: owned('ox', true),
    practitioner: { reference: 'Practitioner/px' },
    organization: { reference: 'Organization/ox' },
  },
  {
    resourceType: 'PractitionerRole',
    id: 'ry',
    meta: owned('oy'),
    practitioner: { reference: 'Practitioner/py' },
    organization: { reference: 'Organization/oy' },
  },
  { resourceType: 'Patient', id: 'ax', meta: owned('ox'), name: [{ family: 'Adams' }] },
  { resourceType: 'Patient', id: 'bx', meta: owned('ox'), name: [{ family: 'Baker' }] },
  { resourceType: 'Patient', id: 'by', meta: owned('oy'), name: [{ family: 'Baker' }] },
  { resourceType: 'Person', id: 'person-a', link: [{ target: { reference: 'Patient/ax' } }] },
  {
    resourceType: 'Person',
    id: 'person-b',
    link: [{ target: { reference: 'Patient/bx' } }, { target: { reference: 'Patient/by' } }],
  },
  observation('obs-ax-vital', 'ox', 'ax', '8867-4', 'vital-signs'),
  // Not shared with the patient (record-sharing.ts): X's staff see it, patient A does not.
  { ...observation('obs-ax-unshared', 'ox', 'ax', '1234-5', 'laboratory'), meta: owned('ox') },
  observation('obs-ax-lab', 'ox', 'ax', '2345-7', 'laboratory'),
  observation('obs-bx-vital', 'ox', 'bx', '8867-4', 'vital-signs'),
  observation('obs-by-vital', 'oy', 'by', '8867-4', 'vital-signs'),
  // Legacy data: an X-owned record about Y's patient record. Only X may see it; it must not make
  // Patient/by show up for Y through _has, nor be included for Y.
  observation('obs-secret', 'ox', 'by', 'SECRET', 'laboratory'),
  { resourceType: 'Schedule', id: 'sched-x', meta: owned('ox'), actor: [{ reference: 'Practitioner/px' }] },
  {
    resourceType: 'Group',
    id: 'group-x',
    meta: owned('ox'),
    type: 'person',
    actual: true,
    member: [{ entity: { reference: 'Patient/ax' } }],
  },
];

const ALL = FIXTURES.map(key);

/** Both practices share results with patients by default (record-sharing.ts). */
const RESULTS_SHARED = {
  ox: { defaults: ['results' as const], noteSharing: false },
  oy: { defaults: ['results' as const], noteSharing: false },
};

const scope = (text: string): ResourceScope => {
  const m = /^(patient|user|system)\/([A-Za-z*]+)\.([cruds]+)(?:\?(.*))?$/.exec(text);
  if (!m) throw new Error(`bad scope in test: ${text}`);
  return {
    context: m[1] as ResourceScope['context'],
    resourceType: m[2] as string,
    interactions: [...(m[3] as string)] as ResourceScope['interactions'],
    ...(m[4] ? { query: m[4] } : {}),
  };
};

const principal = (p: Partial<Principal> & Pick<Principal, 'kind'>, scopes: string[]): Principal => ({
  subject: p.kind,
  clientId: 'test-app',
  practices: [],
  patients: [],
  ...p,
  scopes: scopes.map(scope),
});

/** Each identity and exactly what it may read. */
const IDENTITIES: Array<{ name: string; scope: () => AccessScope; visible: string[] }> = [
  {
    name: 'practitioner of X',
    scope: () =>
      accessScopeFor(
        principal({ kind: 'practitioner', fhirUser: 'Practitioner/px', practices: ['ox'] }, ['user/*.cruds']),
        { fhirBaseUrl: BASE },
      ),
    visible: ALL.filter((k) => !k.startsWith('Person/') && ownerIs(k, 'ox')),
  },
  {
    name: 'practitioner of Y',
    scope: () =>
      accessScopeFor(
        principal({ kind: 'practitioner', fhirUser: 'Practitioner/py', practices: ['oy'] }, ['user/*.cruds']),
        { fhirBaseUrl: BASE },
      ),
    // Y's own data plus X's public directory entries.
    visible: [...ALL.filter((k) => ownerIs(k, 'oy')), 'Organization/ox', 'Practitioner/px', 'PractitionerRole/rx'],
  },
  {
    name: 'patient A',
    scope: () =>
      accessScopeFor(
        principal({ kind: 'patient', fhirUser: 'Person/person-a', practices: ['ox'], patients: ['ax'] }, ['user/*.rs']),
        { fhirBaseUrl: BASE },
      ),
    // A's compartment (but not the Group A is a member of), their Person, X's reference data, the directory.
    visible: [
      'Patient/ax',
      'Observation/obs-ax-vital',
      'Observation/obs-ax-lab',
      'Person/person-a',
      'Organization/ox',
      'Practitioner/px',
      'PractitionerRole/rx',
      'Schedule/sched-x',
    ],
  },
  {
    name: 'patient B (seen at X and Y)',
    scope: () =>
      accessScopeFor(
        principal({ kind: 'patient', fhirUser: 'Person/person-b', practices: ['ox', 'oy'], patients: ['bx', 'by'] }, [
          'user/*.rs',
        ]),
        { fhirBaseUrl: BASE },
      ),
    visible: [
      'Patient/bx',
      'Patient/by',
      'Observation/obs-bx-vital',
      'Observation/obs-by-vital',
      'Observation/obs-secret',
      'Person/person-b',
      'Organization/ox',
      'Organization/oy',
      'Practitioner/px',
      'Practitioner/py',
      'PractitionerRole/rx',
      'PractitionerRole/ry',
      'Schedule/sched-x',
    ],
  },
  {
    name: 'app launched for patient A with a granular vital-signs scope',
    scope: () =>
      accessScopeFor(
        principal(
          { kind: 'patient', fhirUser: 'Person/person-a', practices: ['ox'], patients: ['ax'], launchPatient: 'ax' },
          [`patient/Observation.rs?category=${VITALS}`, 'patient/Patient.rs'],
        ),
        { fhirBaseUrl: BASE },
      ),
    visible: ['Patient/ax', 'Observation/obs-ax-vital', 'Organization/ox', 'Practitioner/px', 'PractitionerRole/rx'],
  },
  {
    name: 'practitioner of X in an EHR launch for patient A',
    scope: () =>
      accessScopeFor(
        principal({ kind: 'practitioner', fhirUser: 'Practitioner/px', practices: ['ox'], launchPatient: 'ax' }, [
          'patient/*.rs',
        ]),
        { fhirBaseUrl: BASE },
      ),
    // patient/ scopes: A's compartment at X (a practitioner sees the Group A is in; the Schedule is
    // in its actor's compartment, not A's), X's data outside any compartment, the directory.
    visible: [
      'Patient/ax',
      'Observation/obs-ax-vital',
      'Observation/obs-ax-lab',
      'Observation/obs-ax-unshared',
      'Group/group-x',
      'Organization/ox',
      'Practitioner/px',
      'PractitionerRole/rx',
    ],
  },
  {
    name: 'backend client of Y',
    scope: () =>
      accessScopeFor(
        principal({ kind: 'system', subject: 'client-y', clientId: 'client-y', practices: ['oy'] }, ['system/*.rs']),
        { fhirBaseUrl: BASE },
      ),
    visible: [...ALL.filter((k) => ownerIs(k, 'oy')), 'Organization/ox', 'Practitioner/px', 'PractitionerRole/rx'],
  },
  {
    name: 'a user token holding only system/ scopes',
    scope: () =>
      accessScopeFor(principal({ kind: 'practitioner', practices: ['ox'] }, ['system/*.cruds']), { fhirBaseUrl: BASE }),
    visible: ['Organization/ox', 'Practitioner/px', 'PractitionerRole/rx'],
  },
  { name: 'anonymous', scope: publicScope, visible: ['Organization/ox', 'Practitioner/px', 'PractitionerRole/rx'] },
];

function key(r: Pick<Resource, 'resourceType' | 'id'>): string {
  return `${r.resourceType}/${r.id}`;
}

function ownerIs(k: string, practice: string): boolean {
  return ownerOf(FIXTURES.find((r) => key(r) === k)) === practice;
}

const TYPES = [...new Set(FIXTURES.map((r) => r.resourceType))];

const ENGINES: Array<{ name: string; engine: 'sqlite' | 'mingo' }> = [
  { name: 'SQLite', engine: 'sqlite' },
  { name: 'MongoDB queries (mingo)', engine: 'mingo' },
];

for (const engineCase of ENGINES) {
  describe(`access control inside queries: ${engineCase.name}`, () => {
    let store: TestStore;
    let internal: Repository;

    before(async () => {
      // The fixtures carry only what the access rules read: stored as they are, unvalidated.
      store = await openTestStore({ engine: engineCase.engine, validate: false });
      internal = store.repo;
      for (const r of FIXTURES) await internal.update(r);
    });
    after(() => store.close());

    const search = (repo: Repository, type: string, query: Query = {}) =>
      repo.search(
        parseSearch(
          type,
          { _count: '1000', ...query },
          { defaultCount: 1000, maxCount: 1000, maxOrValues: 100, baseUrl: BASE, strict: true },
        ).request,
      );
    const keysOf = (versions: Array<{ resourceType: string; id: string }>) =>
      versions.map((v) => `${v.resourceType}/${v.id}`).sort();

    for (const identity of IDENTITIES) {
      describe(identity.name, () => {
        const expected = [...identity.visible].sort();
        let repo: Repository;
        before(() => {
          repo = internal.withScope(identity.scope());
        });

        it('reads exactly its entitled resources; everything else is 404, as if it did not exist', async () => {
          for (const k of ALL) {
            const [type, id] = k.split('/') as [string, string];
            assert.equal(await status(repo.read(type, id)), expected.includes(k) ? 200 : 404, `read ${k}`);
            assert.equal(await status(repo.vread(type, id, '1')), expected.includes(k) ? 200 : 404, `vread ${k}`);
          }
        });

        it('searches every type and gets exactly its entitled set, with a total that counts only that set', async () => {
          const found: string[] = [];
          for (const type of TYPES) {
            const page = await search(repo, type, { _total: 'accurate' });
            assert.equal(page.total, page.versions.length, `total of ${type}`);
            found.push(...keysOf(page.versions));
          }
          assert.deepEqual(found.sort(), expected);
        });

        it('history (instance, type and system) shows versions of entitled resources only', async () => {
          assert.deepEqual(keysOf(await repo.history({ count: 1000 })), expected);
          const observations = await repo.history({ resourceType: 'Observation', count: 1000 });
          assert.deepEqual(
            keysOf(observations),
            expected.filter((k) => k.startsWith('Observation/')),
          );
          for (const k of ALL) {
            const [type, id] = k.split('/') as [string, string];
            assert.equal(
              (await repo.history({ resourceType: type, id, count: 10 })).length,
              expected.includes(k) ? 1 : 0,
              `history of ${k}`,
            );
          }
        });

        it('chains and _has only see entitled resources on both sides', async () => {
          const chained = await search(repo, 'Observation', { 'subject:Patient.family': 'baker' });
          assert.deepEqual(
            keysOf(chained.versions),
            expected.filter(
              (k) =>
                ['Observation/obs-bx-vital', 'Observation/obs-by-vital', 'Observation/obs-secret'].includes(k) &&
                chainTargetVisible(k, expected),
            ),
          );
          const has = await search(repo, 'Patient', { '_has:Observation:subject:code': 'SECRET' });
          assert.deepEqual(
            keysOf(has.versions),
            expected.includes('Observation/obs-secret') && expected.includes('Patient/by') ? ['Patient/by'] : [],
          );
        });

        it('_include and _revinclude (with :iterate) add entitled resources only', async () => {
          const patients = (await search(repo, 'Patient')).versions.map((v) => v.resource as Resource);
          const shaping = parseSearch(
            'Patient',
            { _revinclude: 'Observation:subject', '_include:iterate': 'Observation:performer' },
            { defaultCount: 10, maxCount: 10, maxOrValues: 10, baseUrl: BASE, strict: true },
          ).shaping;
          const included = await resolveIncludes(repo, patients, shaping, BASE);
          for (const r of included.resources) assert.ok(expected.includes(key(r)), `included ${key(r)}`);
          const observations = (await search(repo, 'Observation', { _include: 'Observation:subject' })).versions.map(
            (v) => v.resource as Resource,
          );
          const subjects = await resolveIncludes(
            repo,
            observations,
            parseSearch(
              'Observation',
              { _include: 'Observation:subject' },
              { defaultCount: 10, maxCount: 10, maxOrValues: 10, baseUrl: BASE, strict: true },
            ).shaping,
            BASE,
          );
          for (const r of subjects.resources) assert.ok(expected.includes(key(r)), `included ${key(r)}`);
        });
      });
    }

    function chainTargetVisible(k: string, expected: string[]): boolean {
      const obs = FIXTURES.find((r) => key(r) === k) as Observation;
      return expected.includes(obs.subject?.reference as string);
    }

    describe('writes', () => {
      const px = () =>
        internal.withScope(
          accessScopeFor(principal({ kind: 'practitioner', practices: ['ox'] }, ['user/*.cruds']), {
            fhirBaseUrl: BASE,
          }),
        );
      const py = () =>
        internal.withScope(
          accessScopeFor(principal({ kind: 'practitioner', practices: ['oy'] }, ['user/*.cruds']), {
            fhirBaseUrl: BASE,
          }),
        );
      const patientA = () =>
        internal.withScope(
          accessScopeFor(
            principal(
              {
                kind: 'patient',
                fhirUser: 'Person/person-a',
                practices: ['ox'],
                patients: ['ax'],
                // Practice X shares results by default: the practitioners' Observations below are the patient's to read.
                sharing: RESULTS_SHARED,
              },
              ['user/*.cruds'],
            ),
            { fhirBaseUrl: BASE },
          ),
        );

      it("another practice's resource cannot be updated, patched or deleted: 404, and it stays unchanged", async () => {
        const before = await internal.read<Observation>('Observation', 'obs-ax-lab');
        assert.equal(await status(py().update({ ...before, status: 'cancelled' })), 404);
        assert.equal(
          await status(
            py().patch('Observation', 'obs-ax-lab', [{ op: 'replace', path: '/status', value: 'cancelled' }]),
          ),
          404,
        );
        await py().delete('Observation', 'obs-ax-lab'); // answers like a delete of nothing
        assert.equal(
          await status(
            py().conditionalDelete(
              parseSearch(
                'Observation',
                { code: '2345-7' },
                { defaultCount: 2, maxCount: 2, maxOrValues: 2, baseUrl: BASE, strict: true },
              ).request,
            ),
          ),
          200,
        );
        assert.deepEqual(await internal.read('Observation', 'obs-ax-lab'), before);
      });

      it('a write into a compartment the caller cannot reach is refused and stores nothing', async () => {
        const count = (await internal.history({ count: 1000 })).length;
        assert.equal(await status(py().create(observation('x', 'oy', 'ax', '1-1', 'laboratory'))), 403);
        assert.equal(
          await status(
            patientA().create({
              resourceType: 'QuestionnaireResponse',
              status: 'completed',
              subject: { reference: 'Patient/bx' },
            }),
          ),
          403,
        );
        assert.equal(
          await status(
            py().create({
              resourceType: 'Patient',
              link: [{ other: { reference: 'Patient/ax' }, type: 'seealso' }],
            } as Patient),
          ),
          403,
        );
        assert.equal(
          await status(patientA().create({ resourceType: 'Person', link: [{ target: { reference: 'Patient/bx' } }] })),
          403,
        );
        assert.equal((await internal.history({ count: 1000 })).length, count);
      });

      it('the owning practice comes from the writer, never from the body', async () => {
        const created = (await px().create({ ...observation('ignored', 'oy', 'ax', '1-2', 'laboratory') })).resource;
        assert.equal(ownerOf(created), 'ox');
        assert.equal(created.meta?.tag?.filter((t) => t.system === OWNER_SYSTEM).length, 1);
        // A patient's own entry belongs to the practice of the record it is about.
        const answer = (
          await patientA().create({
            resourceType: 'QuestionnaireResponse',
            status: 'completed',
            subject: { reference: 'Patient/ax' },
            meta: {
              tag: [{ system: OWNER_SYSTEM, code: 'oy' }],
              security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }],
            },
          })
        ).resource;
        assert.equal(ownerOf(answer), 'ox');
        assert.equal(answer.meta?.security, undefined, 'a patient may not set security labels');
        // An update keeps the owner whatever the body says.
        const moved = (await px().update({ ...created, meta: { tag: [{ system: OWNER_SYSTEM, code: 'oy' }] } }))
          .resource;
        assert.equal(ownerOf(moved), 'ox');
      });

      it('a deleted resource is gone (410) for who could see it and absent (404) for everyone else', async () => {
        const created = (await px().create(observation('ignored', 'ox', 'ax', '1-3', 'laboratory'))).resource;
        await px().delete('Observation', created.id as string);
        assert.equal(await status(px().read('Observation', created.id as string)), 410);
        assert.equal(await status(patientA().read('Observation', created.id as string)), 410);
        assert.equal(await status(py().read('Observation', created.id as string)), 404);
      });

      it('a transaction that fails its access check mid-way leaves no trace', async () => {
        const count = (await internal.history({ count: 1000 })).length;
        const attempt = py().transaction(async (tx) => {
          await tx.create(observation('ignored', 'oy', 'by', '1-4', 'laboratory'));
          await tx.create(observation('ignored', 'oy', 'ax', '1-5', 'laboratory'));
        });
        assert.equal(await status(attempt), 403);
        assert.equal((await internal.history({ count: 1000 })).length, count);
      });

      it('vread and history judge each version on its own content (a re-filed record), and pages fill past hidden versions', async () => {
        const patientB = internal.withScope(
          accessScopeFor(
            principal(
              {
                kind: 'patient',
                fhirUser: 'Person/person-b',
                practices: ['ox', 'oy'],
                patients: ['bx', 'by'],
                sharing: RESULTS_SHARED,
              },
              ['user/*.rs'],
            ),
            { fhirBaseUrl: BASE },
          ),
        );
        let current = (await px().create(observation('ignored', 'ox', 'ax', '9-9', 'laboratory'))).resource;
        for (let i = 0; i < 11; i++)
          current = (await px().update({ ...current, status: i % 2 ? 'final' : 'amended' })).resource;
        const refiled = (await px().update({ ...current, subject: { reference: 'Patient/bx' } })).resource;
        const id = refiled.id as string;
        assert.equal(refiled.meta?.versionId, '13');
        assert.equal(await status(patientB.vread('Observation', id, '13')), 200);
        assert.equal(await status(patientB.vread('Observation', id, '12')), 404, 'a version filed for A');
        assert.deepEqual(
          (await patientB.history({ resourceType: 'Observation', id, count: 100 })).map((v) => v.versionId),
          ['13'],
        );
        const typePage = await patientB.history({ resourceType: 'Observation', count: 2 });
        assert.deepEqual(
          typePage.filter((v) => v.id === id).map((v) => v.versionId),
          ['13'],
        );
        assert.ok(typePage.length >= 1 && typePage.every((v) => v.id !== id || v.versionId === '13'));
        assert.deepEqual(
          await patientA().history({ resourceType: 'Observation', id, count: 100 }),
          [],
          'A no longer sees the record at all',
        );
        assert.equal(
          (await px().history({ resourceType: 'Observation', id, count: 100 })).length,
          13,
          'the practice sees every version',
        );
      });

      it('a delete passes the checks of an update: a patient cannot delete what also concerns another patient', async () => {
        const group = (
          await internal.create<Appointment>({
            resourceType: 'Appointment',
            meta: owned('ox'),
            status: 'booked',
            start: '2026-12-20T09:00:00Z',
            end: '2026-12-20T09:30:00Z',
            participant: [
              { actor: { reference: 'Patient/ax' }, status: 'accepted' },
              { actor: { reference: 'Patient/bx' }, status: 'accepted' },
            ],
          })
        ).resource;
        assert.equal(await status(patientA().delete('Appointment', group.id as string)), 403);
        assert.equal(
          await status(
            patientA().conditionalDelete(
              parseSearch(
                'Appointment',
                { _id: group.id as string },
                { defaultCount: 2, maxCount: 2, maxOrValues: 2, baseUrl: BASE, strict: true },
              ).request,
            ),
          ),
          403,
        );
        assert.equal(await status(internal.read('Appointment', group.id as string)), 200, 'still there');
        const own = (
          await internal.create<Appointment>({
            resourceType: 'Appointment',
            meta: owned('ox'),
            status: 'booked',
            start: '2026-12-21T09:00:00Z',
            end: '2026-12-21T09:30:00Z',
            participant: [{ actor: { reference: 'Patient/ax' }, status: 'accepted' }],
          })
        ).resource;
        await patientA().delete('Appointment', own.id as string);
        assert.equal(
          await status(internal.read('Appointment', own.id as string)),
          410,
          'her own appointment she may delete',
        );
      });

      it('read-only scopes cannot write; system/ scopes do nothing for a user', async () => {
        const readOnly = internal.withScope(
          accessScopeFor(principal({ kind: 'practitioner', practices: ['ox'] }, ['user/*.rs']), { fhirBaseUrl: BASE }),
        );
        assert.equal(await status(readOnly.create(observation('ignored', 'ox', 'ax', '1-6', 'laboratory'))), 403);
        const anonymous = internal.withScope(publicScope());
        assert.equal(await status(anonymous.create(observation('ignored', 'ox', 'ax', '1-7', 'laboratory'))), 401);
      });
    });
  });
}
