import assert from 'node:assert/strict';
import type {
  Extension,
  Organization,
  Parameters,
  ParametersParameter,
  Patient,
  Person,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import { BASE_VERSION, FIELD_SYSTEM, PROPOSAL_CODE } from '../server/access/grants/update-proposal-rule.ts';
import { NOTIFY_MARK } from '../server/access/patient-updates.ts';
import { PATIENT_UPDATES_URL } from '../server/access/practice-settings.ts';
import type { PatientUpdateMode } from '../server/access/practice-settings.ts';
import { INBOX_SYSTEM } from '../server/access/record-sharing.ts';
import { EMERGENCY_CONTACT_URL } from '../server/fhir/operations/profile-changes.ts';
import { provisionPractice } from './support/practice-client.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * `POST Person/[id]/$update-profile` (issue #13 "One edit, every practice", decision 0028) over real
 * HTTP: patient B's one Person links records at four practices, one per `patient-updates` setting
 * (X disabled, Y notify, Z automatic, W review); one request saves her profile and hands the change
 * to each by its setting. Then: only changed fields travel, conflicts with practice-side changes,
 * a stale profile, and hostile callers and bodies (nothing stored).
 */
const PASSWORD = 'update profile suite passphrase 2026';
const MODES = { X: 'disabled', Y: 'notify', Z: 'automatic', W: 'review' } as const satisfies Record<
  string,
  PatientUpdateMode
>;
type Practice = keyof typeof MODES;
const PRACTICES = Object.keys(MODES) as Practice[];
const RECORD_PATH = 'Parameters.parameter[record].part[patient]';

type Who = 'patientB' | 'patientA' | 'pX' | 'familyM';

describe('Person/$update-profile: one edit, every practice', () => {
  let server: TestServer;
  const practiceOf = {} as Record<Practice, string>;
  const recordAt = {} as Record<Practice, string>; // patient B's Patient id at each practice
  let personB = '';
  let personA = '';
  let recordA = '';
  const auth = {} as Record<Who, { headers: Record<string, string> }>;

  const save = async <T extends Resource>(resource: T, practiceId: string) =>
    (await server.repo.create<T>({ ...resource, meta: { tag: [{ system: OWNER_SYSTEM, code: practiceId }] } }))
      .resource as T & { id: string };
  const patient = (id: string) => server.repo.read<Patient>('Patient', id);
  const person = (id = personB) => server.repo.read<Person>('Person', id);
  const tasks = async () =>
    (await server.repo.search({ resourceType: 'Task', filters: [], sort: [], count: 1, total: 'accurate' })).total;
  /** Every version that matters: patient B's Person and records, patient A's Person and record, the Tasks. */
  const snapshot = async () => ({
    person: (await person()).meta?.versionId,
    personA: (await person(personA)).meta?.versionId,
    recordA: (await patient(recordA)).meta?.versionId,
    records: await Promise.all(PRACTICES.map(async (p) => (await patient(recordAt[p])).meta?.versionId)),
    tasks: await tasks(),
  });

  before(async () => {
    server = await startTestServer();
    practiceOf.X = server.practice.practiceId;
    for (const p of ['Y', 'Z', 'W'] as const)
      practiceOf[p] = (await provisionPractice(server.app, `Practice ${p}`)).practiceId;
    for (const p of PRACTICES) {
      const org = await server.repo.read<Organization>('Organization', practiceOf[p]);
      await server.repo.update({ ...org, extension: [{ url: PATIENT_UPDATES_URL, valueCode: MODES[p] }] });
      recordAt[p] = (
        await save<Patient>(
          {
            resourceType: 'Patient',
            name: [{ family: 'Both', given: ['Bea'] }],
            birthDate: '1975-05-05',
            telecom: [{ system: 'phone', value: '+61 400 000 001' }],
          },
          practiceOf[p],
        )
      ).id;
    }
    personB = (
      await save<Person>(
        {
          resourceType: 'Person',
          active: true,
          name: [{ family: 'Both', given: ['Bea'] }],
          birthDate: '1975-05-05',
          telecom: [{ system: 'phone', value: '+61 400 000 001' }],
          link: PRACTICES.map((p) => ({ target: { reference: `Patient/${recordAt[p]}` } })),
        },
        practiceOf.X,
      )
    ).id;
    recordA = (await save<Patient>({ resourceType: 'Patient', name: [{ family: 'Alpha' }] }, practiceOf.X)).id;
    personA = (
      await save<Person>(
        { resourceType: 'Person', active: true, link: [{ target: { reference: `Patient/${recordA}` } }] },
        practiceOf.X,
      )
    ).id;
    const child = await save<Patient>(
      { resourceType: 'Patient', name: [{ family: 'Child' }], birthDate: '2020-01-01' },
      practiceOf.X,
    );
    const mother = await save(
      {
        resourceType: 'RelatedPerson',
        active: true,
        patient: { reference: `Patient/${child.id}` },
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
        name: [{ family: 'Mother' }],
      },
      practiceOf.X,
    );
    const pX = await save({ resourceType: 'Practitioner', name: [{ family: 'Doctor' }] }, practiceOf.X);
    await save(
      {
        resourceType: 'PractitionerRole',
        active: true,
        practitioner: { reference: `Practitioner/${pX.id}` },
        organization: { reference: `Organization/${practiceOf.X}` },
      },
      practiceOf.X,
    );
    type Kind = 'patient' | 'practitioner' | 'related-person';
    const accounts: Record<Who, [Kind, string]> = {
      patientB: ['patient', `Person/${personB}`],
      patientA: ['patient', `Person/${personA}`],
      pX: ['practitioner', `Practitioner/${pX.id}`],
      familyM: ['related-person', `RelatedPerson/${mother.id}`],
    };
    const app = await registerTestApp(server, practiceOf.X, 'openid fhirUser user/*.cruds');
    for (const [who, [kind, fhirUser]] of Object.entries(accounts) as Array<[Who, [Kind, string]]>) {
      const email = `${who.toLowerCase()}@example.org`;
      await server.app.accounts.createAccount({ email, kind, fhirUser, password: PASSWORD });
      const { access_token } = await userTokens(
        server,
        { email, password: PASSWORD },
        { ...app, scope: 'openid fhirUser user/*.cruds' },
      );
      auth[who] = { headers: { authorization: `Bearer ${access_token}` } };
    }
  });
  after(() => server?.close());

  /** What the portal loaded: the profile and each record, read as patient B. */
  const load = async () => {
    const profile = (await fhirFetch(`${server.fhirUrl}/Person/${personB}`, auth.patientB)).body as Person;
    assert.equal(profile.resourceType, 'Person');
    const versions = {} as Record<Practice, string>;
    for (const p of PRACTICES) {
      const record = (await fhirFetch(`${server.fhirUrl}/Patient/${recordAt[p]}`, auth.patientB)).body as Patient;
      versions[p] = record.meta!.versionId!;
    }
    return { profile, versions };
  };
  const body = (profile: unknown, versions: Partial<Record<Practice, string>> = {}): Parameters => ({
    resourceType: 'Parameters',
    parameter: [
      { name: 'profile', resource: profile as Person },
      ...Object.entries(versions).map(([p, version]): ParametersParameter => ({
        name: 'record',
        part: [
          { name: 'patient', valueReference: { reference: `Patient/${recordAt[p as Practice]}` } },
          { name: 'version', valueId: version },
        ],
      })),
    ],
  });
  const call = (payload: unknown, who: Who = 'patientB', id = personB) =>
    fhirFetch(`${server.fhirUrl}/Person/${id}/$update-profile`, { ...auth[who], method: 'POST', body: payload });
  /** The result of each practice, by practice. */
  const resultsOf = (out: Parameters) => {
    const byPractice = {} as Record<
      Practice,
      { status?: string; mode?: string; task?: string; fields: string[]; org?: string }
    >;
    for (const r of (out.parameter ?? []).filter((p) => p.name === 'result')) {
      const part = (name: string) => r.part?.find((x) => x.name === name);
      const ref = part('patient')?.valueReference?.reference;
      const p = PRACTICES.find((k) => `Patient/${recordAt[k]}` === ref);
      assert.ok(p, `a result for ${ref}`);
      byPractice[p] = {
        status: part('status')?.valueCode,
        mode: part('mode')?.valueCode,
        task: part('task')?.valueReference?.reference,
        org: part('organization')?.valueReference?.reference,
        fields: (r.part ?? []).filter((x) => x.name === 'field').map((x) => x.valueCode ?? ''),
      };
    }
    return byPractice;
  };
  const contact = (family: string, phone: string): Extension => ({
    url: EMERGENCY_CONTACT_URL,
    extension: [
      {
        url: 'relationship',
        valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C' }] },
      },
      { url: 'name', valueHumanName: { family, given: ['Emergency'] } },
      { url: 'telecom', valueContactPoint: { system: 'phone', value: phone } },
    ],
  });
  const issue = (res: { body?: any }) => ({
    text: String(res.body?.issue?.[0]?.details?.text ?? ''),
    path: (res.body?.issue ?? []).flatMap((i: any) => i.expression ?? []) as string[],
  });

  it('saves the profile and hands the change to each practice by its setting (disabled, notify, automatic, review)', async () => {
    const { profile, versions } = await load();
    const before = await snapshot();
    const telecom = [{ system: 'phone' as const, value: '+61 400 111 222' }];
    const res = await call(body({ ...profile, telecom, extension: [contact('Kin', '+61 400 999 000')] }, versions));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const out = res.body as Parameters;
    const stored = out.parameter?.find((p) => p.name === 'profile')?.resource as Person;
    assert.equal(stored.meta?.versionId, String(Number(before.person) + 1), 'the Person has a new version');
    assert.deepEqual(stored.telecom, telecom);
    assert.deepEqual(
      (await person()).extension,
      [contact('Kin', '+61 400 999 000')],
      'the emergency contact is in the profile',
    );

    const results = resultsOf(out);
    const expectedContact = [
      {
        relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C' }] }],
        name: { family: 'Kin', given: ['Emergency'] },
        telecom: [{ system: 'phone', value: '+61 400 999 000' }],
      },
    ];
    for (const p of PRACTICES) {
      assert.equal(results[p].mode, MODES[p], `${p}: mode`);
      assert.equal(results[p].org, `Organization/${practiceOf[p]}`, `${p}: the owning practice`);
      assert.deepEqual(results[p].fields.sort(), ['contact', 'telecom'], `${p}: the changed fields`);
    }
    // disabled: kept in the profile only.
    assert.equal(results.X.status, 'not-sent');
    assert.equal((await patient(recordAt.X)).meta?.versionId, versions.X, 'X: record unchanged');
    // notify: written, with the inbox mark of a direct write in notify mode.
    assert.equal(results.Y.status, 'updated');
    const y = await patient(recordAt.Y);
    assert.deepEqual(y.telecom, telecom);
    assert.deepEqual(y.contact, expectedContact);
    assert.ok(
      y.meta?.tag?.some((t) => t.system === NOTIFY_MARK.system && t.code === NOTIFY_MARK.code),
      'Y: inbox mark',
    );
    // automatic: written, no inbox mark.
    assert.equal(results.Z.status, 'updated');
    const z = await patient(recordAt.Z);
    assert.deepEqual(z.telecom, telecom);
    assert.deepEqual(z.contact, expectedContact);
    assert.ok(!z.meta?.tag?.some((t) => t.system === INBOX_SYSTEM), 'Z: no inbox mark');
    // review: a proposal with one input per changed field, on the current version; the record unchanged.
    assert.equal(results.W.status, 'proposed');
    assert.equal((await patient(recordAt.W)).meta?.versionId, versions.W, 'W: record unchanged');
    assert.match(results.W.task ?? '', /^Task\/.+/);
    const task = await server.repo.read<Task>('Task', results.W.task!.split('/')[1]!);
    assert.deepEqual(task.code?.coding, [PROPOSAL_CODE]);
    assert.equal(task.status, 'requested');
    assert.equal(task.for?.reference, `Patient/${recordAt.W}`);
    const inputs = new Map(
      (task.input ?? []).map((i) => [i.type.coding?.find((c) => c.system === FIELD_SYSTEM)?.code, i.valueString]),
    );
    assert.equal(inputs.get(BASE_VERSION), versions.W);
    assert.deepEqual(JSON.parse(inputs.get('telecom')!), telecom);
    assert.deepEqual(JSON.parse(inputs.get('contact')!), expectedContact);
    assert.equal(inputs.size, 3, 'base-version and the two changed fields, nothing else');
    assert.equal(results.X.task, undefined);
    // The patient reads her profile back, emergency contact included.
    const read = (await fhirFetch(`${server.fhirUrl}/Person/${personB}`, auth.patientB)).body as Person;
    assert.deepEqual(read.extension, [contact('Kin', '+61 400 999 000')]);
  });

  it("sends only the changed fields: a practice's own value of an untouched field stays", async () => {
    // Practice Z's staff have their own spelling of the name and another phone number.
    const z = await patient(recordAt.Z);
    await server.repo.update({
      ...z,
      name: [{ family: 'Both-Smith', given: ['Beatrice'] }],
      telecom: [{ system: 'phone', value: '+61 2 9999 0000' }],
    });
    const { profile, versions } = await load();
    const address = [{ line: ['1 New Street'], city: 'Hobart', postalCode: '7000' }];
    const res = await call(body({ ...profile, address }, versions));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const results = resultsOf(res.body);
    assert.equal(results.Z.status, 'updated');
    assert.deepEqual(results.Z.fields, ['address']);
    const after = await patient(recordAt.Z);
    assert.deepEqual(after.address, address);
    assert.deepEqual(after.name, [{ family: 'Both-Smith', given: ['Beatrice'] }], "Z's name stays");
    assert.deepEqual(after.telecom, [{ system: 'phone', value: '+61 2 9999 0000' }], "Z's phone stays");
    assert.equal(after.birthDate, '1975-05-05');
    const task = await server.repo.read<Task>('Task', results.W.task!.split('/')[1]!);
    assert.deepEqual(
      (task.input ?? []).map((i) => i.type.coding?.[0]?.code).sort(),
      ['address', BASE_VERSION].sort(),
      'the proposal names only the changed field',
    );
  });

  it('nothing changed: every practice unchanged, the profile saved', async () => {
    const { profile, versions } = await load();
    const before = await snapshot();
    const res = await call(body(profile, versions));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const p of PRACTICES) assert.equal(resultsOf(res.body)[p].status, 'unchanged', p);
    const after = await snapshot();
    assert.deepEqual(after.records, before.records);
    assert.equal(after.tasks, before.tasks);
  });

  it("a practice's change since the loaded version: conflict there (nothing written), the others still written", async () => {
    const { profile, versions } = await load();
    // Since the portal loaded: Z's staff change the phone; Y's staff change the gender (a field the patient does not touch).
    const z = await patient(recordAt.Z);
    await server.repo.update({ ...z, telecom: [{ system: 'phone', value: '+61 2 8888 0000' }] });
    const y = await patient(recordAt.Y);
    await server.repo.update({ ...y, gender: 'female' });
    const zVersion = (await patient(recordAt.Z)).meta?.versionId;
    const telecom = [{ system: 'phone' as const, value: '+61 400 333 444' }];
    const res = await call(body({ ...profile, telecom }, versions));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const results = resultsOf(res.body);
    assert.equal(results.Z.status, 'conflict');
    assert.deepEqual(results.Z.fields, ['telecom']);
    assert.equal((await patient(recordAt.Z)).meta?.versionId, zVersion, 'Z: nothing written');
    assert.deepEqual((await patient(recordAt.Z)).telecom, [{ system: 'phone', value: '+61 2 8888 0000' }]);
    assert.equal(results.Y.status, 'updated', 'a practice-side change of an untouched field is no conflict');
    const yAfter = await patient(recordAt.Y);
    assert.deepEqual(yAfter.telecom, telecom);
    assert.equal(yAfter.gender, 'female', "Y's own change stays");
    assert.equal(results.W.status, 'proposed');
    assert.deepEqual((await person()).telecom, telecom, 'the profile is saved');
    // A record the request does not name is updated with no conflict check (the current version).
    const again = await load();
    const withoutZ: Partial<Record<Practice, string>> = { ...again.versions };
    delete withoutZ.Z;
    const later = await call(body({ ...again.profile, gender: 'female' }, withoutZ));
    assert.equal(later.status, 200, JSON.stringify(later.body));
    assert.equal(resultsOf(later.body).Z.status, 'updated');
    assert.equal((await patient(recordAt.Z)).gender, 'female');
  });

  it('a stale profile version: 409, nothing stored', async () => {
    const { profile, versions } = await load();
    const first = await call(body({ ...profile, birthDate: '1975-05-06' }, versions));
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const before = await snapshot();
    const res = await call(body({ ...profile, birthDate: '1975-05-07' }, (await load()).versions));
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.deepEqual(await snapshot(), before, 'nothing stored');
    assert.equal((await person()).birthDate, '1975-05-06');
  });

  describe('hostile callers and bodies: refused, nothing stored', () => {
    const refused = async (
      label: string,
      res: { status: number; body?: any },
      status: number,
      before: Awaited<ReturnType<typeof snapshot>>,
      path?: string | RegExp,
    ) => {
      assert.equal(res.status, status, `${label}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body?.resourceType, 'OperationOutcome', label);
      const named = (p: string) => (typeof path === 'string' ? p === path : path!.test(p));
      if (path)
        assert.ok(issue(res).path.some(named), `${label}: names ${String(path)}, got ${issue(res).path.join(', ')}`);
      assert.deepEqual(await snapshot(), before, `${label}: nothing stored`);
    };

    it("another person's id, an unknown id, a practitioner, a family member", async () => {
      const { profile, versions } = await load();
      const before = await snapshot();
      const otherProfile = (await person(personA)) as Person;
      const change = (p: Person) => body({ ...p, gender: 'other' }, {});
      await refused(
        "patient B on patient A's Person",
        await call(change(otherProfile), 'patientB', personA),
        404,
        before,
      );
      await refused(
        'an unknown id',
        await call(change({ ...profile, id: 'nobody' }), 'patientB', 'nobody'),
        404,
        before,
      );
      await refused('a practitioner', await call(body({ ...profile, gender: 'other' }, versions), 'pX'), 403, before);
      await refused(
        'a family member',
        await call(body({ ...profile, gender: 'other' }, versions), 'familyM'),
        403,
        before,
      );
      await refused(
        'no token',
        await fhirFetch(`${server.fhirUrl}/Person/${personB}/$update-profile`, {
          anonymous: true,
          method: 'POST',
          body: body(profile),
        }),
        401,
        before,
      );
    });

    it('a record not linked from the Person: 403 naming the record, nothing stored', async () => {
      const { profile, versions } = await load();
      const before = await snapshot();
      const payload = body({ ...profile, gender: 'other' }, versions);
      payload.parameter!.push({
        name: 'record',
        part: [
          { name: 'patient', valueReference: { reference: `Patient/${recordA}` } },
          { name: 'version', valueId: before.recordA! },
        ],
      });
      await refused("patient A's record", await call(payload), 403, before, RECORD_PATH);
      const injected = body({ ...profile, gender: 'other' });
      injected.parameter!.push({
        name: 'record',
        part: [{ name: 'patient', valueReference: { reference: 'Patient/{"$ne":null}' } }],
      });
      await refused('an operator in the reference', await call(injected), 403, before, RECORD_PATH);
      const objectRef = body({ ...profile, gender: 'other' });
      objectRef.parameter!.push({
        name: 'record',
        part: [{ name: 'patient', valueReference: { reference: { ne: null } } as never }],
      });
      await refused('an object as the reference', await call(objectRef), 400, before, RECORD_PATH);
      // Operator keys never reach the operation: the JSON guard refuses them with their path.
      const operator = body({ ...profile, gender: 'other' });
      operator.parameter!.push({
        name: 'record',
        part: [{ name: 'patient', valueReference: { reference: { $ne: null } } as never }],
      });
      await refused('an operator as the reference', await call(operator), 400, before, /\$ne$/);
    });

    it('the fields the practices keep (link, identifier, managingOrganization, active): 403 naming the path', async () => {
      const { profile, versions } = await load();
      const before = await snapshot();
      const kept: Array<[string, Partial<Person>]> = [
        ['Person.link', { link: [...(profile.link ?? []), { target: { reference: `Patient/${recordA}` } }] }],
        ['Person.identifier', { identifier: [{ system: 'urn:x', value: '1' }] }],
        ['Person.managingOrganization', { managingOrganization: { reference: `Organization/${practiceOf.Y}` } }],
        ['Person.active', { active: false }],
      ];
      for (const [path, change] of kept)
        await refused(path, await call(body({ ...profile, ...change, gender: 'other' }, versions)), 403, before, path);
    });

    it('wrong types and malformed Parameters: 400 with the path', async () => {
      const { profile, versions } = await load();
      const before = await snapshot();
      await refused('a string name', await call(body({ ...profile, name: 'Bea' }, versions)), 400, before);
      await refused('a number birthDate', await call(body({ ...profile, birthDate: 19750505 }, versions)), 400, before);
      await refused(
        'the profile as a string',
        await call({ resourceType: 'Parameters', parameter: [{ name: 'profile', valueString: 'Person' }] }),
        400,
        before,
        'Parameters.parameter[profile].resource',
      );
      await refused(
        'a Patient as the profile',
        await call(body({ ...profile, resourceType: 'Patient' }, versions)),
        400,
        before,
        'Parameters.parameter[profile].resource',
      );
      const { meta: _meta, ...noMeta } = profile;
      await refused(
        'no loaded version',
        await call(body(noMeta, versions)),
        400,
        before,
        'Parameters.parameter[profile].resource.meta.versionId',
      );
      await refused(
        'an object as the version',
        await call(body({ ...profile, meta: { versionId: { gt: '' } } }, versions)),
        400,
        before,
        'Parameters.parameter[profile].resource.meta.versionId',
      );
      await refused(
        'an operator as the version',
        await call(body({ ...profile, meta: { versionId: { $gt: '' } } }, versions)),
        400,
        before,
        /meta\.versionId\.\$gt$/,
      );
      const badVersion = body(profile);
      badVersion.parameter!.push({
        name: 'record',
        part: [
          { name: 'patient', valueReference: { reference: `Patient/${recordAt.Y}` } },
          { name: 'version', valueId: 7 as never },
        ],
      });
      await refused(
        'a number as a record version',
        await call(badVersion),
        400,
        before,
        'Parameters.parameter[record].part[version]',
      );
      await refused('not a Parameters', await call({ ...profile }), 400, before);
      await refused(
        'an unknown parameter',
        await call({ resourceType: 'Parameters', parameter: [{ name: 'everything' }] }),
        400,
        before,
      );
      await refused(
        'the body of another Person id',
        await call(body({ ...profile, id: personA }, versions)),
        400,
        before,
      );
    });

    it('more than 10 emergency contacts: 400 naming Person.extension, nothing stored', async () => {
      const { profile, versions } = await load();
      const before = await snapshot();
      const extension = Array.from({ length: 11 }, (_, i) =>
        contact(`Kin${i}`, `+61 400 000 1${String(i).padStart(2, '0')}`),
      );
      await refused(
        '11 emergency contacts',
        await call(body({ ...profile, extension }, versions)),
        400,
        before,
        'Person.extension',
      );
      const nameless = {
        url: EMERGENCY_CONTACT_URL,
        extension: [{ url: 'telecom', valueContactPoint: { value: '1' } }],
      };
      await refused(
        'a contact without a name',
        await call(body({ ...profile, extension: [nameless] }, versions)),
        400,
        before,
        'Person.extension[0].extension',
      );
      const ten = Array.from({ length: 10 }, (_, i) =>
        contact(`Kin${i}`, `+61 400 000 2${String(i).padStart(2, '0')}`),
      );
      const res = await call(body({ ...profile, extension: ten }, versions));
      assert.equal(res.status, 200, `ten are fine: ${JSON.stringify(res.body)}`);
      assert.equal((await patient(recordAt.Z)).contact?.length, 10);
    });

    it('script and operator strings in names are stored as text and round-trip to the practices', async () => {
      const { profile, versions } = await load();
      const name = [{ family: '<script>alert(1)</script>', given: ['{"$gt": ""}', "'; DROP TABLE resources; --"] }];
      const res = await call(body({ ...profile, name }, versions));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual((await person()).name, name);
      assert.deepEqual((await patient(recordAt.Y)).name, name);
      const read = (await fhirFetch(`${server.fhirUrl}/Patient/${recordAt.Z}`, auth.patientB)).body as Patient;
      assert.deepEqual(read.name, name);
    });
  });
});
