import assert from 'node:assert/strict';
import type { Resource } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_LISTED, OWNER_SYSTEM } from '../server/access/access-index.ts';
import { DIRECTORY_TYPES } from '../server/access/access-policy.ts';
import { ADMIN_ROLE } from '../server/access/grants/practice-roles.ts';
import { BackendTokens, provisionPractice } from './support/practice-client.ts';
import { setPracticeSharing } from './support/practice-sharing.ts';
import { ORIGIN_SYSTEM } from '../server/access/record-sharing.ts';
import { PATIENT_INVITATIONS_URL, PATIENT_UPDATES_URL } from '../server/access/practice-settings.ts';
import { BASE_VERSION, FIELD_SYSTEM, PROPOSAL_CODE } from '../server/access/grants/update-proposal-rule.ts';
import { PATIENT_CHOSEN } from '../server/access/grants/care-team-rule.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * The authorization matrix (issue #4): practitioners of practices X and Y, patients A (at X) and B
 * (at X and at Y, one Person linking both records), an app with a granular scope, patient-launch
 * scopes, backend clients of X and Y, and nobody (no token). Every identity gets real tokens from the
 * server's own endpoints and, over HTTP, for every kind of interaction gets exactly what it is entitled
 * to: reads, searches, totals, _include, _revinclude, chains, _has, history, $everything, batch
 * entries, and writes (refused ones store nothing). A hidden resource answers exactly like a missing one.
 */
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const PASSWORD = 'matrix password 12345';

/** What the test knows about each resource it wrote, to compute each identity's entitled set. */
interface Known {
  key: string;
  owner: 'X' | 'Y';
  /** The patient records (keys) whose compartment it is in. */
  patients: string[];
  listed?: boolean;
  vital?: boolean;
  /** Person records: readable only by their own account. */
  person?: string;
}

type Who =
  'pX' | 'pY' | 'patientA' | 'patientB' | 'patientBlaunchY' | 'granularX' | 'backendX' | 'backendY' | 'anonymous';
const EVERYONE: Who[] = [
  'pX',
  'pY',
  'patientA',
  'patientB',
  'patientBlaunchY',
  'granularX',
  'backendX',
  'backendY',
  'anonymous',
];
const REFERENCE_TYPES = new Set(['Organization', 'Practitioner', 'PractitionerRole']);

describe('authorization matrix over HTTP', () => {
  let server: TestServer;
  const known = new Map<string, Known>();
  const ids = new Map<string, string>(); // key -> Type/id
  const tokens = new Map<Who, string | undefined>();
  let practiceX = '';
  let practiceY = '';
  const F = () => server.fhirUrl;

  /** Whether `who` may read the resource (the rules of server/access/access-policy.ts, restated). */
  function entitled(who: Who, k: Known, type = ids.get(k.key)!.split('/')[0]!): boolean {
    if (k.listed && REFERENCE_TYPES.has(type)) return true;
    const practices = { patientA: ['X'], patientB: ['X', 'Y'], patientBlaunchY: ['X', 'Y'] } as Record<
      string,
      string[]
    >;
    switch (who) {
      case 'pX':
      case 'backendX':
        return k.owner === 'X';
      case 'pY':
      case 'backendY':
        return k.owner === 'Y';
      case 'granularX':
        return k.owner === 'X' && type === 'Observation' && !!k.vital;
      case 'anonymous':
        return false;
      case 'patientA':
      case 'patientB':
      case 'patientBlaunchY': {
        if (type === 'Person') return k.person === who.replace('launchY', '');
        if (REFERENCE_TYPES.has(type)) return practices[who]!.includes(k.owner);
        const mine = who === 'patientA' ? ['A'] : who === 'patientB' ? ['BX', 'BY'] : ['BY'];
        return k.patients.some((p) => mine.includes(p));
      }
    }
  }

  const as = (who: Who) => {
    const token = tokens.get(who);
    return token ? { headers: { authorization: `Bearer ${token}` } } : { anonymous: true };
  };
  /** Without a token only reads and searches of the public directory are answered; the rest is 401 (decision 0012). */
  const refusedAnonymously = (who: Who, type: string): boolean =>
    who === 'anonymous' && !(DIRECTORY_TYPES as readonly string[]).includes(type);
  const expectedOf = (who: Who, type: string): string[] =>
    [...known.values()]
      .filter((k) => ids.get(k.key)!.startsWith(`${type}/`) && entitled(who, k))
      .map((k) => ids.get(k.key)!)
      .sort();
  const refsOf = (bundle: any, mode = 'match'): string[] =>
    (bundle.entry ?? [])
      .filter((e: any) => (e.search?.mode ?? 'match') === mode)
      .map((e: any) => `${e.resource.resourceType}/${e.resource.id}`)
      .sort();
  const keyOf = (ref: string): Known => [...known.values()].find((k) => ids.get(k.key) === ref)!;

  before(async () => {
    server = await startTestServer();
    practiceX = server.practice.practiceId;
    const y = await provisionPractice(server.app, 'Practice Y');
    practiceY = y.practiceId;
    // Both practices share every category with patients by default: this matrix is about who reaches
    // which records; what a practice keeps from its patients is test/record-sharing.test.ts's.
    await setPracticeSharing(server.repo, practiceX);
    await setPracticeSharing(server.repo, practiceY);
    const backend = { X: server.tokens, Y: new BackendTokens(server.baseUrl, y) };

    const write = async (
      key: string,
      owner: 'X' | 'Y',
      resource: Record<string, unknown>,
      facts: Omit<Known, 'key' | 'owner'> = { patients: [] },
    ) => {
      const res = await fhirFetch(`${F()}/${resource.resourceType}`, {
        method: 'POST',
        body: resource,
        headers: { authorization: `Bearer ${await backend[owner].token()}` },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.set(key, `${res.body.resourceType}/${res.body.id}`);
      known.set(key, { key, owner, ...facts });
      return res.body as Resource;
    };
    const ref = (key: string) => ({ reference: ids.get(key)! });
    const obs = (key: string, owner: 'X' | 'Y', patient: string, vital: boolean) =>
      write(
        key,
        owner,
        {
          resourceType: 'Observation',
          status: 'final',
          category: [{ coding: [{ system: CATEGORY, code: vital ? 'vital-signs' : 'laboratory' }] }],
          code: { text: key },
          subject: ref(patient),
        },
        { patients: [patient], vital },
      );

    ids.set('orgX', `Organization/${practiceX}`);
    known.set('orgX', { key: 'orgX', owner: 'X', patients: [] });
    ids.set('orgY', `Organization/${practiceY}`);
    known.set('orgY', { key: 'orgY', owner: 'Y', patients: [] });
    await write(
      'pracX',
      'X',
      { resourceType: 'Practitioner', meta: { tag: [DIRECTORY_LISTED] }, name: [{ family: 'Xavier' }] },
      { patients: [], listed: true },
    );
    await write(
      'roleX',
      'X',
      {
        resourceType: 'PractitionerRole',
        meta: { tag: [DIRECTORY_LISTED] },
        practitioner: ref('pracX'),
        organization: { reference: `Organization/${practiceX}` },
        code: [{ coding: [ADMIN_ROLE] }],
      },
      { patients: [], listed: true },
    );
    await write('pracY', 'Y', { resourceType: 'Practitioner', name: [{ family: 'Yoshida' }] });
    await write('roleY', 'Y', {
      resourceType: 'PractitionerRole',
      practitioner: ref('pracY'),
      organization: { reference: `Organization/${practiceY}` },
    });
    await write('A', 'X', { resourceType: 'Patient', name: [{ family: 'Alpha' }] }, { patients: ['A'] });
    await write('BX', 'X', { resourceType: 'Patient', name: [{ family: 'Shared' }] }, { patients: ['BX'] });
    await write('BY', 'Y', { resourceType: 'Patient', name: [{ family: 'Shared' }] }, { patients: ['BY'] });
    await obs('obsA-vital', 'X', 'A', true);
    await obs('obsA-lab', 'X', 'A', false);
    await obs('obsBX-vital', 'X', 'BX', true);
    await obs('obsBY-vital', 'Y', 'BY', true);
    await obs('obsBY-lab', 'Y', 'BY', false);
    await write(
      'condA',
      'X',
      { resourceType: 'Condition', subject: ref('A'), code: { text: 'asthma' } },
      { patients: ['A'] },
    );
    await write(
      'condBY',
      'Y',
      { resourceType: 'Condition', subject: ref('BY'), code: { text: 'migraine' } },
      { patients: ['BY'] },
    );
    // A referral letter for A (its securityContext puts it in A's compartment) and a practice-only file.
    await write(
      'letterA',
      'X',
      {
        resourceType: 'Binary',
        contentType: 'text/plain',
        securityContext: ref('A'),
        data: Buffer.from('Dear colleague').toString('base64'),
      },
      { patients: ['A'] },
    );
    await write('fileX', 'X', {
      resourceType: 'Binary',
      contentType: 'text/plain',
      data: Buffer.from('rota').toString('base64'),
    });

    // The portal invitation links a person to their records; the server writes it (no caller could:
    // nobody else can read both of B's records).
    const person = async (key: string, links: string[]) => {
      const saved = await server.repo.create({
        resourceType: 'Person',
        meta: { tag: [{ system: OWNER_SYSTEM, code: practiceX }] },
        link: links.map((l) => ({ target: ref(l) })),
      } as Resource);
      ids.set(key, `Person/${saved.resource.id}`);
      known.set(key, { key, owner: 'X', patients: links, person: key === 'personA' ? 'patientA' : 'patientB' });
    };
    await person('personA', ['A']);
    await person('personB', ['BX', 'BY']);

    const account = async (email: string, kind: 'practitioner' | 'patient', fhirUser: string) => {
      await server.app.accounts.createAccount({ email, kind, fhirUser, password: PASSWORD });
      return { email, password: PASSWORD };
    };
    const users = {
      pX: await account('px@example.org', 'practitioner', ids.get('pracX')!),
      pY: await account('py@example.org', 'practitioner', ids.get('pracY')!),
      patientA: await account('a@example.org', 'patient', ids.get('personA')!),
      patientB: await account('b@example.org', 'patient', ids.get('personB')!),
    };
    const granular = `user/Observation.rs?category=${CATEGORY}|vital-signs`;
    const app = await registerTestApp(
      server,
      practiceX,
      `openid fhirUser launch/patient user/*.cruds patient/*.rs ${granular}`,
    );
    const get = async (user: { email: string; password: string }, scope: string, patient?: string) =>
      (await userTokens(server, user, { ...app, scope, ...(patient ? { patient } : {}) })).access_token;
    tokens.set('pX', await get(users.pX, 'openid fhirUser user/*.cruds'));
    tokens.set('pY', await get(users.pY, 'openid fhirUser user/*.cruds'));
    tokens.set('patientA', await get(users.patientA, 'openid fhirUser user/*.cruds'));
    tokens.set('patientB', await get(users.patientB, 'openid fhirUser user/*.cruds'));
    tokens.set(
      'patientBlaunchY',
      await get(users.patientB, 'openid fhirUser launch/patient patient/*.rs', ids.get('BY')!.split('/')[1]),
    );
    tokens.set('granularX', await get(users.pX, granular));
    tokens.set('backendX', await backend.X.token());
    tokens.set('backendY', await backend.Y.token());
    tokens.set('anonymous', undefined);
  });
  after(() => server?.close());

  const TYPES = [
    'Patient',
    'Observation',
    'Condition',
    'Person',
    'Practitioner',
    'PractitionerRole',
    'Organization',
    'Binary',
  ];

  it('searches return exactly the entitled resources, with totals that count only those', async () => {
    for (const who of EVERYONE) {
      for (const type of TYPES) {
        const res = await fhirFetch(`${F()}/${type}?_count=100&_total=accurate`, as(who));
        if (refusedAnonymously(who, type)) {
          assert.equal(res.status, 401, `${who} ${type}`);
          continue;
        }
        assert.equal(res.status, 200, `${who} ${type}: ${JSON.stringify(res.body)}`);
        assert.deepEqual(refsOf(res.body), expectedOf(who, type), `${who} searching ${type}`);
        assert.equal(res.body.total, expectedOf(who, type).length, `${who} ${type} total`);
        const count = await fhirFetch(`${F()}/${type}?_summary=count`, as(who));
        assert.equal(count.body.total, expectedOf(who, type).length, `${who} ${type} _summary=count`);
      }
    }
  });

  it('reads answer 200 for entitled resources and, for the rest, exactly what a missing id answers', async () => {
    for (const who of EVERYONE) {
      for (const k of known.values()) {
        const reference = ids.get(k.key)!;
        const res = await fhirFetch(`${F()}/${reference}`, as(who));
        const missing = await fhirFetch(`${F()}/${reference.split('/')[0]}/does-not-exist-${k.key}`, as(who));
        if (entitled(who, k)) {
          assert.equal(res.status, 200, `${who} reading ${k.key}`);
          const history = await fhirFetch(`${F()}/${reference}/_history`, as(who));
          if (who === 'anonymous')
            assert.equal(history.status, 401, `${who} history of ${k.key}: only reads and searches are public`);
          // The practices' Organizations have a second version: their sharing settings (set in before()).
          else assert.equal(history.body.entry.length, k.key.startsWith('org') ? 2 : 1, `${who} history of ${k.key}`);
        } else if (who === 'anonymous') {
          // 401 for any id outside the directory, existing or not; the directory answers like to anyone.
          assert.equal(
            res.status,
            refusedAnonymously(who, reference.split('/')[0]!) ? 401 : 404,
            `${who} reading ${k.key}`,
          );
          assert.equal(missing.status, res.status, `${who} reading a missing id like ${k.key}`);
          assert.equal(
            (await fhirFetch(`${F()}/${reference}/_history/1`, as(who))).status,
            401,
            `${who} vread ${k.key}`,
          );
        } else {
          assert.equal(res.status, 404, `${who} reading ${k.key}`);
          assert.equal(res.body.issue[0].code, missing.body.issue[0].code);
          const vread = await fhirFetch(`${F()}/${reference}/_history/1`, as(who));
          assert.equal(vread.status, 404, `${who} vread ${k.key}`);
          const history = await fhirFetch(`${F()}/${reference}/_history`, as(who));
          assert.ok(
            history.status === 404 || history.body.entry?.length === undefined || history.body.entry.length === 0,
            `${who} history of ${k.key}`,
          );
        }
      }
    }
  });

  it('_include, _revinclude, chains and _has never reach past the entitled set', async () => {
    for (const who of EVERYONE) {
      const allowed = (refs: string[]) => refs.filter((r) => !entitled(who, keyOf(r)));
      const included = await fhirFetch(`${F()}/Observation?_include=Observation:subject&_count=100`, as(who));
      assert.deepEqual(allowed(refsOf(included.body, 'include')), [], `${who} _include`);
      const expectedIncludes = [
        ...new Set(
          expectedOf(who, 'Observation')
            .map((r) => keyOf(r).patients[0]!)
            .map((p) => ids.get(p)!),
        ),
      ]
        .filter((r) => entitled(who, keyOf(r)))
        .sort();
      assert.deepEqual(refsOf(included.body, 'include'), expectedIncludes, `${who} _include set`);

      const revincluded = await fhirFetch(`${F()}/Patient?_revinclude=Observation:subject&_count=100`, as(who));
      assert.deepEqual(allowed(refsOf(revincluded.body, 'include')), [], `${who} _revinclude`);
      const wildcard = await fhirFetch(`${F()}/Patient?_revinclude=*&_include=*&_count=100`, as(who));
      assert.deepEqual(
        allowed([...refsOf(wildcard.body, 'include'), ...refsOf(wildcard.body)]),
        [],
        `${who} _include=*`,
      );

      const chained = await fhirFetch(`${F()}/Observation?subject:Patient.family=Shared&_count=100`, as(who));
      const expectedChain = expectedOf(who, 'Observation').filter((r) => {
        const patient = keyOf(ids.get(keyOf(r).patients[0]!)!);
        return ['BX', 'BY'].includes(patient.key) && entitled(who, patient);
      });
      assert.deepEqual(refsOf(chained.body), expectedChain, `${who} chain`);

      const has = await fhirFetch(`${F()}/Patient?_has:Observation:subject:category=vital-signs&_count=100`, as(who));
      const expectedHas = expectedOf(who, 'Patient').filter((p) =>
        expectedOf(who, 'Observation').some((o) => keyOf(o).vital && ids.get(keyOf(o).patients[0]!) === p),
      );
      assert.deepEqual(refsOf(has.body), expectedHas, `${who} _has`);
    }
  });

  it('_include:iterate follows links only within the entitled set', async () => {
    for (const who of EVERYONE) {
      const res = await fhirFetch(
        `${F()}/Person?_include=Person:link&_include:iterate=Patient:link&_revinclude:iterate=Observation:subject&_count=100`,
        as(who),
      );
      assert.equal(
        res.status,
        refusedAnonymously(who, 'Person') ? 401 : 200,
        `${who}: ${JSON.stringify(res.body).slice(0, 200)}`,
      );
      const all = [...refsOf(res.body), ...refsOf(res.body, 'include')];
      assert.deepEqual(
        all.filter((r) => !entitled(who, keyOf(r))),
        [],
        `${who} _include:iterate`,
      );
      if (who === 'patientB') {
        // Not vacuous: B's Person → both records → their observations, through the iteration.
        const expected = ['obsBX-vital', 'obsBY-vital', 'obsBY-lab', 'BX', 'BY'].map((k) => ids.get(k)!);
        assert.deepEqual(
          expected.filter((r) => !all.includes(r)),
          [],
          "the iteration reached B's records and observations",
        );
      }
    }
  });

  it('type history, $everything and batch entries follow the same rules', async () => {
    for (const who of EVERYONE) {
      const history = await fhirFetch(`${F()}/Observation/_history?_count=100`, as(who));
      assert.deepEqual([...new Set(refsOf(history.body))], expectedOf(who, 'Observation'), `${who} type history`);

      for (const patient of ['A', 'BX', 'BY']) {
        const ref = ids.get(patient)!;
        const everything = await fhirFetch(`${F()}/${ref}/$everything?_count=100`, as(who));
        if (!entitled(who, known.get(patient)!)) {
          assert.equal(everything.status, who === 'anonymous' ? 401 : 404, `${who} $everything ${patient}`);
          continue;
        }
        const expected = [...known.values()]
          .filter((k) => k.patients.includes(patient) && entitled(who, k) && !ids.get(k.key)!.startsWith('Person/'))
          .map((k) => ids.get(k.key)!)
          .sort();
        assert.deepEqual(
          refsOf(everything.body).filter((r) => !r.startsWith('Person/')),
          expected,
          `${who} $everything ${patient}`,
        );
      }

      const all = [...known.values()];
      const batch = await fhirFetch(F(), {
        ...as(who),
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: all.map((k) => ({ request: { method: 'GET', url: ids.get(k.key) } })),
        },
      });
      if (who === 'anonymous') {
        assert.equal(batch.status, 401, 'no batch without a token');
        continue;
      }
      assert.equal(batch.status, 200, `${who} batch: ${JSON.stringify(batch.body).slice(0, 300)}`);
      batch.body.entry.forEach((e: any, i: number) =>
        assert.equal(
          e.response.status.split(' ')[0],
          entitled(who, all[i]!) ? '200' : '404',
          `${who} batch GET ${all[i]!.key}`,
        ),
      );
    }
  });

  it('writes into a compartment or practice the caller cannot write are refused and store nothing', async () => {
    const observationsBefore = (
      await server.repo.search({ resourceType: 'Observation', filters: [], sort: [], count: 1000, total: 'none' })
    ).versions.length;
    // Patients record their own data (diaries, device readings) in their own records; read-only
    // scopes (patient/*.rs, the granular .rs) write nothing.
    const canWrite: Record<Who, string[]> = {
      pX: ['A', 'BX'],
      backendX: ['A', 'BX'],
      pY: ['BY'],
      backendY: ['BY'],
      patientA: ['A'],
      patientB: ['BX', 'BY'],
      patientBlaunchY: [],
      granularX: [],
      anonymous: [],
    };
    let created = 0;
    for (const who of EVERYONE) {
      for (const patient of ['A', 'BX', 'BY']) {
        const body = {
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'written' },
          subject: { reference: ids.get(patient) },
        };
        const res = await fhirFetch(`${F()}/Observation`, { ...as(who), method: 'POST', body });
        if (canWrite[who].includes(patient)) {
          assert.equal(res.status, 201, `${who} writing for ${patient}: ${JSON.stringify(res.body)}`);
          created++;
        } else {
          assert.ok([401, 403].includes(res.status), `${who} writing for ${patient}: ${res.status}`);
        }
        const transaction = await fhirFetch(F(), {
          ...as(who),
          method: 'POST',
          body: {
            resourceType: 'Bundle',
            type: 'transaction',
            entry: [
              {
                fullUrl: 'urn:uuid:ok',
                resource: { ...body, subject: { reference: ids.get(canWrite[who][0] ?? patient) } },
                request: { method: 'POST', url: 'Observation' },
              },
              { resource: body, request: { method: 'POST', url: 'Observation' } },
            ],
          },
        });
        if (canWrite[who].includes(patient)) {
          assert.equal(transaction.status, 200, `${who} transaction for ${patient}`);
          created += 2;
        } else {
          assert.ok(
            [401, 403].includes(transaction.status),
            `${who} transaction for ${patient}: ${transaction.status}`,
          );
        }
      }
    }
    const observationsAfter = (
      await server.repo.search({ resourceType: 'Observation', filters: [], sort: [], count: 1000, total: 'none' })
    ).versions.length;
    assert.equal(observationsAfter - observationsBefore, created, 'refused writes stored nothing');
  });

  it('conditional create, update and delete never match, change or remove a hidden resource', async () => {
    const pY = as('pY');
    const hidden = ids.get('obsA-vital')!;
    const hiddenId = hidden.split('/')[1]!;
    const versionOf = async () => (await fhirFetch(`${F()}/${hidden}`, as('pX'))).body.meta.versionId;
    const before = await versionOf();
    const body = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'conditional' },
      subject: { reference: ids.get('BY') },
    };

    const deleted = await fhirFetch(`${F()}/Observation?_id=${hiddenId}`, { ...pY, method: 'DELETE' });
    assert.ok([200, 204].includes(deleted.status), `conditional delete without a visible match: ${deleted.status}`);
    const updated = await fhirFetch(`${F()}/Observation?_id=${hiddenId}`, { ...pY, method: 'PUT', body });
    assert.equal(updated.status, 201, 'no visible match: the update creates a new resource');
    assert.notEqual(updated.body.id, hiddenId);
    const created = await fhirFetch(`${F()}/Observation`, {
      ...pY,
      method: 'POST',
      body,
      headers: { ...pY.headers, 'if-none-exist': `_id=${hiddenId}` },
    });
    assert.equal(created.status, 201, 'If-None-Exist does not see the hidden match');
    const byId = await fhirFetch(`${F()}/Observation/${hiddenId}`, {
      ...pY,
      method: 'PUT',
      body: { ...body, id: hiddenId },
    });
    assert.equal(
      byId.status,
      404,
      'an update by id of a hidden resource answers like a missing one, and does not take its id',
    );

    assert.equal((await fhirFetch(`${F()}/${hidden}`, as('pX'))).status, 200, 'still there');
    assert.equal(await versionOf(), before, 'unchanged');
  });

  it('clients cannot set the owning practice, nor link a Person to records they cannot read', async () => {
    const pX = as('pX');
    const foreign = await fhirFetch(`${F()}/Observation`, {
      ...pX,
      method: 'POST',
      body: {
        resourceType: 'Observation',
        meta: { tag: [{ system: OWNER_SYSTEM, code: practiceY }] },
        status: 'final',
        code: { text: 'x' },
        subject: { reference: ids.get('A') },
      },
    });
    assert.equal(foreign.status, 201);
    assert.deepEqual(
      foreign.body.meta.tag.filter((t: any) => t.system === OWNER_SYSTEM).map((t: any) => t.code),
      [practiceX],
    );
    const link = await fhirFetch(`${F()}/Person`, {
      ...pX,
      method: 'POST',
      body: { resourceType: 'Person', link: [{ target: { reference: ids.get('BY') } }] },
    });
    assert.equal(link.status, 403);
    const patientWrite = await fhirFetch(`${F()}/${ids.get('personB')}`, {
      ...as('patientB'),
      method: 'PUT',
      body: {
        resourceType: 'Person',
        id: ids.get('personB')!.split('/')[1],
        link: [{ target: { reference: ids.get('A') } }],
      },
    });
    assert.ok([403, 404].includes(patientWrite.status), `a patient re-linking their Person: ${patientWrite.status}`);
    const audit = await fhirFetch(`${F()}/AuditEvent`, {
      ...pX,
      method: 'POST',
      body: {
        resourceType: 'AuditEvent',
        type: { code: 'rest' },
        recorded: new Date().toISOString(),
        agent: [{ requestor: true }],
        source: { observer: { display: 'x' } },
      },
    });
    assert.equal(audit.status, 403, 'nobody writes the audit trail through the API');
  });

  /** Who may write (so delete) resources in each patient's records: as in the writes row above. */
  const WRITERS: Record<Who, string[]> = {
    pX: ['A', 'BX'],
    backendX: ['A', 'BX'],
    pY: ['BY'],
    backendY: ['BY'],
    patientA: ['A'],
    patientB: ['BX', 'BY'],
    patientBlaunchY: [],
    granularX: [],
    anonymous: [],
  };
  const ownerOfPatient = (patient: string): 'X' | 'Y' => (patient === 'BY' ? 'Y' : 'X');

  it('deletes and conditional deletes remove exactly what the caller may write; seen-but-not-writable is 403, unseen is left alone', async () => {
    for (const who of EVERYONE) {
      for (const patient of ['A', 'BX', 'BY']) {
        for (const conditional of [false, true]) {
          // Submitted by the patient (record-origin): what a patient may change or delete of their
          // clinical record (what a practitioner wrote stays the practice's: test/record-sharing.test.ts).
          const obs = await server.repo.create({
            resourceType: 'Observation',
            meta: {
              tag: [
                { system: OWNER_SYSTEM, code: ownerOfPatient(patient) === 'X' ? practiceX : practiceY },
                { system: ORIGIN_SYSTEM, code: 'patient' },
              ],
            },
            status: 'final',
            category: [{ coding: [{ system: CATEGORY, code: 'vital-signs' }] }],
            code: { text: 'to delete' },
            subject: { reference: ids.get(patient)! },
          } as Resource);
          const id = obs.resource.id!;
          const url = conditional ? `${F()}/Observation?_id=${id}` : `${F()}/Observation/${id}`;
          const res = await fhirFetch(url, { ...as(who), method: 'DELETE' });
          const exists = await server.repo.read('Observation', id).then(
            () => true,
            () => false,
          );
          const visible = entitled(
            who,
            { key: 'new', owner: ownerOfPatient(patient), patients: [patient], vital: true },
            'Observation',
          );
          const label = `${who} ${conditional ? 'conditional ' : ''}DELETE of ${patient}'s observation → ${res.status}`;
          if (WRITERS[who].includes(patient)) {
            assert.ok([200, 204].includes(res.status) && !exists, label);
          } else if (who === 'anonymous') {
            assert.ok(res.status === 401 && exists, label);
          } else if (visible) {
            assert.ok(res.status === 403 && exists, label);
          } else {
            assert.ok(
              [200, 204].includes(res.status) && exists,
              `${label}: answered like a missing id, and left alone`,
            );
          }
        }
      }
    }
  });

  it('history of a re-filed resource: each version only to those entitled to its own content', async () => {
    const v1 = await server.repo.create({
      resourceType: 'Observation',
      meta: { tag: [{ system: OWNER_SYSTEM, code: practiceX }] },
      status: 'final',
      category: [{ coding: [{ system: CATEGORY, code: 'vital-signs' }] }],
      code: { text: 'filed for A' },
      subject: { reference: ids.get('A')! },
    } as Resource);
    const id = v1.resource.id!;
    await server.repo.update({
      ...v1.resource,
      code: { text: 're-filed to BX' },
      subject: { reference: ids.get('BX')! },
    } as Resource);
    const asA = { key: 'v1', owner: 'X' as const, patients: ['A'], vital: true };
    const asBX = { key: 'v2', owner: 'X' as const, patients: ['BX'], vital: true };
    for (const who of EVERYONE) {
      const current = entitled(who, asBX, 'Observation');
      const expected = [
        current ? '2' : undefined,
        current && entitled(who, asA, 'Observation') ? '1' : undefined,
      ].filter(Boolean);
      const instance = await fhirFetch(`${F()}/Observation/${id}/_history`, as(who));
      const versions = (instance.body?.entry ?? []).map((e: any) => e.resource.meta.versionId);
      assert.deepEqual(versions, expected, `${who} instance history`);
      for (const version of ['1', '2']) {
        const vread = await fhirFetch(`${F()}/Observation/${id}/_history/${version}`, as(who));
        assert.equal(vread.status === 200, expected.includes(version), `${who} vread ${version} → ${vread.status}`);
      }
      const type = await fhirFetch(`${F()}/Observation/_history?_count=1000`, as(who));
      const ofIt = (type.body?.entry ?? [])
        .filter((e: any) => e.resource?.id === id)
        .map((e: any) => e.resource.meta.versionId);
      assert.deepEqual(ofIt, expected, `${who} type history`);
    }
  });

  it("an expired or ended family member's access reaches nothing, on every interaction", async () => {
    const related = await server.repo.create({
      resourceType: 'RelatedPerson',
      meta: { tag: [{ system: OWNER_SYSTEM, code: practiceX }] },
      active: true,
      patient: { reference: ids.get('A')! },
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'SPS' }] }],
    } as Resource);
    await server.app.accounts.createAccount({
      email: 'spouse.a@example.org',
      kind: 'related-person',
      fhirUser: `RelatedPerson/${related.resource.id}`,
      password: PASSWORD,
    });
    const app = await registerTestApp(server, practiceX, 'openid fhirUser user/*.cruds');
    const token = (
      await userTokens(
        server,
        { email: 'spouse.a@example.org', password: PASSWORD },
        { ...app, scope: 'openid fhirUser user/*.cruds' },
      )
    ).access_token;
    const proxy = { headers: { authorization: `Bearer ${token}` } };
    const reachable = async (): Promise<string[]> => {
      const seen: string[] = [];
      for (const type of TYPES) {
        const found = await fhirFetch(`${F()}/${type}?_count=100`, proxy);
        assert.equal(found.status, 200, `the family member's token still works: ${type}`);
        seen.push(...refsOf(found.body).filter((r) => !REFERENCE_TYPES.has(r.split('/')[0]!)));
      }
      const read = await fhirFetch(`${F()}/${ids.get('A')}`, proxy);
      if (read.status === 200) seen.push(`read ${ids.get('A')}`);
      const everything = await fhirFetch(`${F()}/${ids.get('A')}/$everything`, proxy);
      if (everything.status === 200) seen.push('$everything');
      const history = await fhirFetch(`${F()}/Observation/_history?_count=100`, proxy);
      assert.equal(history.status, 200);
      seen.push(
        ...(history.body?.entry ?? [])
          .filter((e: any) => e.resource)
          .map((e: any) => `history Observation/${e.resource.id}`),
      );
      return seen;
    };
    const open = await reachable();
    assert.ok(open.includes(ids.get('A')!) && open.includes('$everything'), "while the terms hold: A's records");
    for (const ended of [{ period: { end: '2020-01-01' } }, { active: false }, { period: { start: '2999-01-01' } }]) {
      await server.repo.update({ ...related.resource, ...ended } as Resource);
      assert.deepEqual(await reachable(), [], `ended by ${JSON.stringify(ended)}`);
    }
  });

  it("a practice's settings change only by its administrator or its access-managing client (decision 0026)", async () => {
    // pX administers X (roleX is coded admin), pY is a practitioner of Y without it; both backend
    // clients are registered to manage access. Patients and the patient-launch app write no Organization.
    const allowed: Partial<Record<Who, 'X' | 'Y'>> = { pX: 'X', backendX: 'X', backendY: 'Y' };
    for (const who of EVERYONE) {
      for (const [key, practiceId] of [
        ['X', practiceX],
        ['Y', practiceY],
      ] as const) {
        const org = await server.repo.read<Resource & { extension?: any[] }>('Organization', practiceId);
        const on = (org.extension ?? []).some((e) => e.url === PATIENT_INVITATIONS_URL && e.valueBoolean);
        const body = {
          ...org,
          extension: [
            ...(org.extension ?? []).filter((e) => e.url !== PATIENT_INVITATIONS_URL),
            { url: PATIENT_INVITATIONS_URL, valueBoolean: !on },
          ],
        };
        const res = await fhirFetch(`${F()}/Organization/${practiceId}`, { ...as(who), method: 'PUT', body });
        const after = await server.repo.read<Resource>('Organization', practiceId);
        const label = `${who} → Organization ${key}: ${res.status}`;
        if (allowed[who] === key) {
          assert.equal(res.status, 200, label);
          assert.notEqual(after.meta?.versionId, org.meta?.versionId, `${label}: stored`);
        } else {
          assert.ok([401, 403, 404].includes(res.status), label);
          assert.equal(after.meta?.versionId, org.meta?.versionId, `${label}: nothing stored`);
        }
      }
    }
  });
  it("a patient's change to a practice's Patient follows that practice's update setting; proposals only from the patient (decision 0028)", async () => {
    // X reviews each change, Y updates automatically: B's one edit reaches BY, never BX directly.
    for (const [practiceId, mode] of [
      [practiceX, 'review'],
      [practiceY, 'automatic'],
    ] as const) {
      const org = await server.repo.read<Resource & { extension?: any[] }>('Organization', practiceId);
      const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_UPDATES_URL);
      await server.repo.update({ ...org, extension: [...others, { url: PATIENT_UPDATES_URL, valueCode: mode }] });
    }
    const writers: Record<'BX' | 'BY', Who[]> = { BX: ['pX', 'backendX'], BY: ['pY', 'backendY', 'patientB'] };
    for (const who of EVERYONE) {
      for (const key of ['BX', 'BY'] as const) {
        const [type, id] = ids.get(key)!.split('/') as [string, string];
        const current = await server.repo.read<Resource & { gender?: string }>(type, id);
        const body = { ...current, gender: current.gender === 'female' ? 'male' : 'female' };
        const res = await fhirFetch(`${F()}/${type}/${id}`, { ...as(who), method: 'PUT', body });
        const after = await server.repo.read<Resource>(type, id);
        const label = `${who} → PUT ${key}: ${res.status}`;
        if (writers[key].includes(who)) {
          assert.equal(res.status, 200, label);
          assert.notEqual(after.meta?.versionId, current.meta?.versionId, `${label}: stored`);
        } else {
          assert.ok([401, 403, 404].includes(res.status), label);
          assert.equal(after.meta?.versionId, current.meta?.versionId, `${label}: nothing stored`);
        }
      }
      const [, bx] = ids.get('BX')!.split('/') as [string, string];
      const version = (await server.repo.read<Resource>('Patient', bx)).meta?.versionId ?? '';
      const field = (code: string, valueString: string) => ({
        type: { coding: [{ system: FIELD_SYSTEM, code }] },
        valueString,
      });
      const task = {
        resourceType: 'Task',
        status: 'requested',
        intent: 'proposal',
        code: { coding: [PROPOSAL_CODE] },
        for: { reference: ids.get('BX') },
        input: [field(BASE_VERSION, version), field('gender', '"other"')],
      };
      const res = await fhirFetch(`${F()}/Task`, { ...as(who), method: 'POST', body: task });
      const label = `${who} → propose for BX: ${res.status}`;
      if (who === 'patientB') assert.equal(res.status, 201, label);
      else assert.ok([401, 403, 404].includes(res.status), label);
    }
  });

  it("Patient/$invite: only staff of the patient's practice invite (decision 0029)", async () => {
    // Practice X lets its staff invite; patient A has an e-mail. pX works at X; backendX manages X's access.
    const org = await server.repo.read<Resource & { extension?: any[] }>('Organization', practiceX);
    const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_INVITATIONS_URL);
    await server.repo.update({ ...org, extension: [...others, { url: PATIENT_INVITATIONS_URL, valueBoolean: true }] });
    const a = await server.repo.read<Resource & { telecom?: any[] }>('Patient', ids.get('A')!.split('/')[1]!);
    await server.repo.update({ ...a, telecom: [{ system: 'email', value: 'alpha@example.org' }] });
    const invitations = async () =>
      (await server.repo.search({ resourceType: 'Task', filters: [], sort: [], count: 1, total: 'accurate' })).total;
    for (const who of EVERYONE) {
      const before = await invitations();
      const res = await fhirFetch(`${F()}/${ids.get('A')!}/$invite`, { ...as(who), method: 'POST' });
      const label = `${who} → ${ids.get('A')!}/$invite: ${res.status}`;
      if (who === 'pX' || who === 'backendX') {
        assert.equal(res.status, 200, label);
        assert.equal(await invitations(), (before ?? 0) + 1, `${label}: stored`);
      } else {
        assert.ok([401, 403, 404].includes(res.status), label);
        assert.equal(res.body.resourceType, 'OperationOutcome', label);
        assert.equal(await invitations(), before, `${label}: nothing stored`);
      }
    }
  });

  it("Person/$update-profile: only the Person's own account saves it, and its records change only as their own writes could (issue #13)", async () => {
    // X reviews each change, Y updates automatically (as in the test above).
    for (const [practiceId, mode] of [
      [practiceX, 'review'],
      [practiceY, 'automatic'],
    ] as const) {
      const org = await server.repo.read<Resource & { extension?: any[] }>('Organization', practiceId);
      const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_UPDATES_URL);
      await server.repo.update({ ...org, extension: [...others, { url: PATIENT_UPDATES_URL, valueCode: mode }] });
    }
    const owners: Record<'personA' | 'personB', Who> = { personA: 'patientA', personB: 'patientB' };
    const version = async (key: string) => {
      const [type, id] = ids.get(key)!.split('/') as [string, string];
      return (await server.repo.read<Resource>(type, id)).meta?.versionId;
    };
    for (const who of EVERYONE) {
      for (const key of ['personA', 'personB'] as const) {
        const [, id] = ids.get(key)!.split('/') as [string, string];
        const current = await server.repo.read<Resource & { gender?: string }>('Person', id);
        const profile = { ...current, gender: current.gender === 'female' ? 'male' : 'female' };
        const before = await Promise.all([key, 'A', 'BX', 'BY'].map(version));
        const res = await fhirFetch(`${F()}/Person/${id}/$update-profile`, {
          ...as(who),
          method: 'POST',
          body: { resourceType: 'Parameters', parameter: [{ name: 'profile', resource: profile }] },
        });
        const after = await Promise.all([key, 'A', 'BX', 'BY'].map(version));
        const label = `${who} → ${key}/$update-profile: ${res.status}`;
        if (owners[key] !== who) {
          assert.ok([401, 403, 404].includes(res.status), label);
          assert.equal(res.body.resourceType, 'OperationOutcome', label);
          assert.deepEqual(after, before, `${label}: nothing stored`);
          continue;
        }
        assert.equal(res.status, 200, label);
        assert.notEqual(after[0], before[0], `${label}: the profile stored`);
        const statuses = (res.body.parameter ?? [])
          .filter((p: any) => p.name === 'result')
          .map((p: any) => [
            p.part.find((x: any) => x.name === 'patient').valueReference.reference,
            p.part.find((x: any) => x.name === 'status').valueCode,
          ]);
        if (key === 'personA') assert.deepEqual(statuses, [[ids.get('A'), 'proposed']], label);
        else {
          assert.deepEqual(
            statuses,
            [
              [ids.get('BX'), 'proposed'],
              [ids.get('BY'), 'updated'],
            ],
            label,
          );
          assert.equal(after[2], before[2], `${label}: BX (review) not written`);
          assert.notEqual(after[3], before[3], `${label}: BY (automatic) written`);
        }
      }
    }
  });

  it("a patient's list of practitioners (CareTeam, decision 0030): written only by that patient, read by them and the practice of its record", async () => {
    const writers: Partial<Record<Who, string[]>> = { patientA: ['A'], patientB: ['BX', 'BY'] };
    const owners: Record<string, Who[]> = { A: ['pX', 'backendX'], BX: ['pX', 'backendX'], BY: ['pY', 'backendY'] };
    for (const who of EVERYONE) {
      for (const subject of ['A', 'BX', 'BY']) {
        const body = {
          resourceType: 'CareTeam',
          status: 'active',
          category: [{ coding: [PATIENT_CHOSEN] }],
          subject: { reference: ids.get(subject)! },
          participant: [{ member: { reference: ids.get('pracX')! } }],
        };
        const res = await fhirFetch(`${F()}/CareTeam`, { ...as(who), method: 'POST', body });
        const label = `${who} → CareTeam about ${subject}: ${res.status}`;
        if (!writers[who]?.includes(subject)) {
          assert.ok([401, 403, 404, 422].includes(res.status), label);
          continue;
        }
        assert.equal(res.status, 201, label);
        for (const reader of EVERYONE) {
          const read = await fhirFetch(`${F()}/CareTeam/${res.body.id}`, as(reader));
          const may = reader === who || (who === 'patientB' && reader === 'patientBlaunchY' && subject === 'BY');
          const expected = may || owners[subject]!.includes(reader) ? 200 : reader === 'anonymous' ? 401 : 404;
          assert.equal(read.status, expected, `${label}; read by ${reader}`);
        }
      }
    }
  });
});
