import assert from 'node:assert/strict';
import type { Bundle, Organization, Patient, Person, Resource, Task } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import { FIELD_SYSTEM, PROPOSAL_CODE } from '../server/access/grants/update-proposal-rule.ts';
import { NOTIFY_MARK } from '../server/access/patient-updates.ts';
import { PATIENT_UPDATES_URL } from '../server/access/practice-settings.ts';
import type { PatientUpdateMode } from '../server/access/practice-settings.ts';
import { INBOX_SYSTEM } from '../server/access/record-sharing.ts';
import { provisionPractice } from './support/practice-client.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * A patient's change to a practice's Patient record goes through that practice's `patient-updates`
 * setting (issue #13, docs/decisions/0028-patient-updates.md), over real HTTP: disabled, automatic,
 * notify, review (one field accepted, one rejected), the conflict with a practice-side change, one
 * person at two practices of different settings, and hostile writes.
 */
const PASSWORD = 'patient updates suite passphrase 2026';

describe("patients' updates to their practices' records", () => {
  let server: TestServer;
  let practiceX: string;
  let practiceY: string;
  let bx: string; // patient B's record at X
  let by: string; // patient B's record at Y
  let a: string; // another patient's record at X
  let personRef: string; // patient B's Person: her profile
  const auth: Record<'patientB' | 'pX' | 'pY', { headers: Record<string, string> }> = {} as never;

  const save = async <T extends Resource>(resource: T, practiceId: string) =>
    (await server.repo.create<T>({ ...resource, meta: { tag: [{ system: OWNER_SYSTEM, code: practiceId }] } }))
      .resource as T & { id: string };
  const setMode = async (practiceId: string, mode: PatientUpdateMode) => {
    const org = await server.repo.read<Organization>('Organization', practiceId);
    const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_UPDATES_URL);
    await server.repo.update({ ...org, extension: [...others, { url: PATIENT_UPDATES_URL, valueCode: mode }] });
  };
  const stored = (id: string) => server.repo.read<Patient>('Patient', id);
  const asPatient = (init: { method?: string; body?: unknown } = {}) => ({ ...auth.patientB, ...init });
  const newPhone = () => `+61 400 ${Math.floor(Math.random() * 900000 + 100000)}`;

  before(async () => {
    server = await startTestServer();
    practiceX = server.practice.practiceId;
    practiceY = (await provisionPractice(server.app, 'Practice Y')).practiceId;
    bx = (
      await save<Patient>({ resourceType: 'Patient', name: [{ family: 'Both' }], birthDate: '1975-05-05' }, practiceX)
    ).id;
    by = (
      await save<Patient>({ resourceType: 'Patient', name: [{ family: 'Both' }], birthDate: '1975-05-05' }, practiceY)
    ).id;
    a = (await save<Patient>({ resourceType: 'Patient', name: [{ family: 'Alpha' }] }, practiceX)).id;
    const person = await save(
      {
        resourceType: 'Person',
        active: true,
        link: [{ target: { reference: `Patient/${bx}` } }, { target: { reference: `Patient/${by}` } }],
      },
      practiceX,
    );
    personRef = `Person/${person.id}`;
    const practitioner = async (practiceId: string, email: string) => {
      const p = await save({ resourceType: 'Practitioner', name: [{ family: email }] }, practiceId);
      await save(
        {
          resourceType: 'PractitionerRole',
          active: true,
          practitioner: { reference: `Practitioner/${p.id}` },
          organization: { reference: `Organization/${practiceId}` },
        },
        practiceId,
      );
      await server.app.accounts.createAccount({
        email,
        kind: 'practitioner',
        fhirUser: `Practitioner/${p.id}`,
        password: PASSWORD,
      });
    };
    await practitioner(practiceX, 'p.x@example.org');
    await practitioner(practiceY, 'p.y@example.org');
    await server.app.accounts.createAccount({
      email: 'b@example.org',
      kind: 'patient',
      fhirUser: `Person/${person.id}`,
      password: PASSWORD,
    });
    const app = await registerTestApp(server, practiceX, 'openid fhirUser user/*.cruds');
    const token = async (email: string) =>
      (await userTokens(server, { email, password: PASSWORD }, { ...app, scope: 'openid fhirUser user/*.cruds' }))
        .access_token;
    auth.patientB = { headers: { authorization: `Bearer ${await token('b@example.org')}` } };
    auth.pX = { headers: { authorization: `Bearer ${await token('p.x@example.org')}` } };
    auth.pY = { headers: { authorization: `Bearer ${await token('p.y@example.org')}` } };
  });
  after(() => server?.close());

  /** The patient loads her record at the practice and changes her phone number. */
  const putPhone = async (id: string, phone = newPhone()) => {
    const loaded = (await fhirFetch(`${server.fhirUrl}/Patient/${id}`, auth.patientB)).body as Patient;
    const body = { ...loaded, telecom: [{ system: 'phone', value: phone }] };
    return { phone, res: await fhirFetch(`${server.fhirUrl}/Patient/${id}`, asPatient({ method: 'PUT', body })) };
  };
  const phoneOf = (p: Patient) => p.telecom?.find((t) => t.system === 'phone')?.value;
  const text = (res: { body?: { issue?: Array<{ details?: { text?: string } }> } }) =>
    res.body?.issue?.[0]?.details?.text ?? '';

  it('disabled: the API refuses with an OperationOutcome, and the record is unchanged', async () => {
    await setMode(practiceX, 'disabled');
    const before = await stored(bx);
    const { res } = await putPhone(bx);
    assert.equal(res.status, 403);
    assert.match(text(res), /does not take updates/);
    assert.equal((await stored(bx)).meta?.versionId, before.meta?.versionId);
    const patch = await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, {
      headers: { ...auth.patientB.headers, 'content-type': 'application/json-patch+json' },
      method: 'PATCH',
      body: [{ op: 'add', path: '/gender', value: 'other' }],
    });
    assert.equal(patch.status, 403, 'PATCH goes through the setting too');
    assert.equal((await stored(bx)).meta?.versionId, before.meta?.versionId);
  });

  it('automatic: applied at once, with no inbox mark', async () => {
    await setMode(practiceX, 'automatic');
    const { phone, res } = await putPhone(bx);
    assert.equal(res.status, 200, text(res));
    const now = await stored(bx);
    assert.equal(phoneOf(now), phone);
    assert.ok(!now.meta?.tag?.some((t) => t.system === INBOX_SYSTEM));
  });

  it("notify: applied, and the practice's inbox lists the record with old → new from its history", async () => {
    await setMode(practiceX, 'notify');
    const old = phoneOf(await stored(bx));
    const { phone, res } = await putPhone(bx);
    assert.equal(res.status, 200, text(res));
    const inbox = await fhirFetch(
      `${server.fhirUrl}/Patient?_tag=${encodeURIComponent(`${NOTIFY_MARK.system}|${NOTIFY_MARK.code}`)}&_tag:not=${encodeURIComponent(`${INBOX_SYSTEM}|reviewed`)}`,
      auth.pX,
    );
    assert.deepEqual(
      (inbox.body as Bundle).entry?.map((e) => e.resource?.id),
      [bx],
    );
    const history = (await fhirFetch(`${server.fhirUrl}/Patient/${bx}/_history`, auth.pX)).body as Bundle<Patient>;
    const [newest, previous] = history.entry!.map((e) => e.resource!);
    assert.equal(phoneOf(newest!), phone);
    assert.equal(phoneOf(previous!), old);
    // The other practice's staff see nothing of it.
    const other = await fhirFetch(`${server.fhirUrl}/Patient?_tag=${NOTIFY_MARK.system}|${NOTIFY_MARK.code}`, auth.pY);
    assert.equal((other.body as Bundle).entry?.length ?? 0, 0);
  });

  it('the patient can neither set nor clear the inbox marks', async () => {
    await setMode(practiceX, 'automatic');
    const loaded = (await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, auth.patientB)).body as Patient;
    const body = {
      ...loaded,
      meta: { ...loaded.meta, tag: [...(loaded.meta?.tag ?? []), { system: INBOX_SYSTEM, code: 'reviewed' }] },
    };
    const res = await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, asPatient({ method: 'PUT', body }));
    assert.equal(res.status, 200, text(res));
    assert.ok(!(await stored(bx)).meta?.tag?.some((t) => t.system === INBOX_SYSTEM));
  });

  it('a practice-side change since the patient loaded the record is never overwritten (412 on If-Match)', async () => {
    await setMode(practiceX, 'automatic');
    const loaded = (await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, auth.patientB)).body as Patient;
    const staffPhone = newPhone();
    await server.repo.update({ ...(await stored(bx)), telecom: [{ system: 'phone', value: staffPhone }] });
    const res = await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, {
      headers: { ...auth.patientB.headers, 'if-match': `W/"${loaded.meta?.versionId}"` },
      method: 'PUT',
      body: { ...loaded, telecom: [{ system: 'phone', value: newPhone() }] },
    });
    assert.equal(res.status, 412, text(res));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.equal(phoneOf(await stored(bx)), staffPhone);
  });

  it('one person at two practices: one batch, each record by its own practice’s setting', async () => {
    await setMode(practiceX, 'automatic');
    await setMode(practiceY, 'disabled');
    const phone = newPhone();
    const entry = async (id: string) => {
      const loaded = (await fhirFetch(`${server.fhirUrl}/Patient/${id}`, auth.patientB)).body as Patient;
      return {
        resource: { ...loaded, telecom: [{ system: 'phone', value: phone }] },
        request: { method: 'PUT', url: `Patient/${id}` },
      };
    };
    const yBefore = await stored(by);
    const res = await fhirFetch(server.fhirUrl, {
      ...auth.patientB,
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'batch', entry: [await entry(bx), await entry(by)] },
    });
    assert.equal(res.status, 200, text(res));
    const statuses = (res.body as Bundle).entry!.map((e) => e.response?.status?.slice(0, 3));
    assert.deepEqual(statuses, ['200', '403']);
    assert.equal(phoneOf(await stored(bx)), phone);
    assert.equal((await stored(by)).meta?.versionId, yBefore.meta?.versionId);
  });

  it("the patient's own profile (their Person): edited whatever the practices' settings, never its links", async () => {
    await setMode(practiceX, 'disabled');
    await setMode(practiceY, 'disabled');
    const me = (await fhirFetch(`${server.fhirUrl}/${personRef}`, auth.patientB)).body as Person;
    const [xBefore, yBefore] = [await stored(bx), await stored(by)];
    const phone = newPhone();
    const edited = await fhirFetch(`${server.fhirUrl}/${personRef}`, {
      ...auth.patientB,
      method: 'PUT',
      body: { ...me, telecom: [{ system: 'phone', value: phone }], address: [{ city: 'Hobart' }] },
    });
    assert.equal(edited.status, 200, text(edited));
    const stored2 = await server.repo.read<Person>('Person', me.id!);
    assert.equal(stored2.telecom?.[0]?.value, phone);
    // Disabled everywhere: kept in the profile only, the practices' records unchanged.
    assert.equal((await stored(bx)).meta?.versionId, xBefore.meta?.versionId);
    assert.equal((await stored(by)).meta?.versionId, yBefore.meta?.versionId);
    for (const [field, value] of [
      ['link', [{ target: { reference: `Patient/${a}` } }]],
      ['active', false],
      ['identifier', [{ system: 'urn:x', value: '1' }]],
    ] as const) {
      const current = await server.repo.read<Person>('Person', me.id!);
      const res = await fhirFetch(`${server.fhirUrl}/${personRef}`, {
        ...auth.patientB,
        method: 'PUT',
        body: { ...current, [field]: value },
      });
      assert.equal(res.status, 403, `${field}: ${text(res)}`);
      assert.equal((await server.repo.read<Person>('Person', me.id!)).meta?.versionId, current.meta?.versionId);
    }
    const removal = await fhirFetch(`${server.fhirUrl}/${personRef}`, { ...auth.patientB, method: 'DELETE' });
    assert.ok([403, 404].includes(removal.status) || removal.status === 200, String(removal.status));
    await server.repo.read<Person>('Person', me.id!); // still there
  });

  describe('review: a proposal per practice, decided field by field by its staff', () => {
    const proposal = (patientId: string, version: string | undefined, fields: Record<string, unknown>): Task => ({
      resourceType: 'Task',
      status: 'requested',
      intent: 'proposal',
      code: { coding: [PROPOSAL_CODE] },
      for: { reference: `Patient/${patientId}` },
      input: [
        { type: { coding: [{ system: FIELD_SYSTEM, code: 'base-version' }] }, valueString: version ?? '' },
        ...Object.entries(fields).map(([code, value]) => ({
          type: { coding: [{ system: FIELD_SYSTEM, code }] },
          valueString: JSON.stringify(value),
        })),
      ],
    });

    it('the direct write is refused and points to the proposal; the proposal is decided per field', async () => {
      await setMode(practiceX, 'review');
      const before = await stored(bx);
      const { res } = await putPhone(bx);
      assert.equal(res.status, 403);
      assert.match(text(res), /reviews each change.*patient-update/);
      assert.equal((await stored(bx)).meta?.versionId, before.meta?.versionId);

      const phone = newPhone();
      const address = [{ line: ['1 New Street'], city: 'Hobart' }];
      const created = await fhirFetch(`${server.fhirUrl}/Task`, {
        ...auth.patientB,
        method: 'POST',
        body: proposal(bx, before.meta?.versionId, { telecom: [{ system: 'phone', value: phone }], address }),
      });
      assert.equal(created.status, 201, text(created));
      const task = created.body as Task;
      assert.equal((await stored(bx)).meta?.versionId, before.meta?.versionId, 'nothing applied yet');

      // The patient may not decide it herself, nor may the other practice's staff.
      const selfDecided = { ...task, status: 'completed' as const };
      assert.equal(
        (await fhirFetch(`${server.fhirUrl}/Task/${task.id}`, asPatient({ method: 'PUT', body: selfDecided }))).status,
        403,
      );
      const decided: Task = {
        ...task,
        status: 'completed',
        output: [
          { type: { coding: [{ system: FIELD_SYSTEM, code: 'telecom' }] }, valueCode: 'accepted' },
          { type: { coding: [{ system: FIELD_SYSTEM, code: 'address' }] }, valueCode: 'rejected' },
        ],
      };
      const byY = await fhirFetch(`${server.fhirUrl}/Task/${task.id}`, { ...auth.pY, method: 'PUT', body: decided });
      assert.ok([403, 404].includes(byY.status), `practice Y: ${byY.status}`);
      // The patient cannot $decide either; staff of X decide, and the accepted field is applied.
      const decisions = {
        resourceType: 'Parameters',
        parameter: [
          { name: 'accept', valueCode: 'telecom' },
          { name: 'reject', valueCode: 'address' },
        ],
      };
      const selfDecide = await fhirFetch(
        `${server.fhirUrl}/Task/${task.id}/$decide`,
        asPatient({ method: 'POST', body: decisions }),
      );
      assert.equal(selfDecide.status, 403, text(selfDecide));
      const yDecide = await fhirFetch(`${server.fhirUrl}/Task/${task.id}/$decide`, {
        ...auth.pY,
        method: 'POST',
        body: decisions,
      });
      assert.ok([403, 404].includes(yDecide.status), `practice Y: ${yDecide.status}`);
      const current = await stored(bx);
      const tx = await fhirFetch(`${server.fhirUrl}/Task/${task.id}/$decide`, {
        ...auth.pX,
        method: 'POST',
        body: decisions,
      });
      assert.equal(tx.status, 200, text(tx));
      const again = await fhirFetch(`${server.fhirUrl}/Task/${task.id}/$decide`, {
        ...auth.pX,
        method: 'POST',
        body: decisions,
      });
      assert.equal(again.status, 409, 'decided once');
      const now = await stored(bx);
      assert.equal(phoneOf(now), phone);
      assert.deepEqual(now.address, current.address, 'the rejected address is not applied');
      // The patient reads the outcome of each field.
      const seen = (await fhirFetch(`${server.fhirUrl}/Task/${task.id}`, auth.patientB)).body as Task;
      assert.equal(seen.status, 'completed');
      assert.deepEqual(
        seen.output?.map((o) => [o.type.coding?.[0]?.code, o.valueCode]),
        [
          ['telecom', 'accepted'],
          ['address', 'rejected'],
        ],
      );
    });

    it('a stale proposal is a conflict; staff never propose; a decision never rewrites the proposal', async () => {
      await setMode(practiceX, 'review');
      const loaded = await stored(bx);
      await server.repo.update({ ...loaded, gender: 'unknown' });
      const stale = await fhirFetch(`${server.fhirUrl}/Task`, {
        ...auth.patientB,
        method: 'POST',
        body: proposal(bx, loaded.meta?.versionId, { gender: 'female' }),
      });
      assert.equal(stale.status, 409, text(stale));
      const fresh = await stored(bx);
      const byStaff = await fhirFetch(`${server.fhirUrl}/Task`, {
        ...auth.pX,
        method: 'POST',
        body: proposal(bx, fresh.meta?.versionId, { gender: 'female' }),
      });
      assert.equal(byStaff.status, 403, text(byStaff));
      const created = await fhirFetch(`${server.fhirUrl}/Task`, {
        ...auth.patientB,
        method: 'POST',
        body: proposal(bx, fresh.meta?.versionId, { gender: 'female' }),
      });
      assert.equal(created.status, 201, text(created));
      const task = created.body as Task;
      const rewritten = {
        ...task,
        status: 'completed',
        input: proposal(bx, fresh.meta?.versionId, { gender: 'male' }).input,
      };
      const res = await fhirFetch(`${server.fhirUrl}/Task/${task.id}`, { ...auth.pX, method: 'PUT', body: rewritten });
      assert.equal(res.status, 403, text(res));
    });

    it('$decide never overwrites a field the practice changed since the proposal, and refuses bad decisions', async () => {
      await setMode(practiceX, 'review');
      const loaded = await stored(bx);
      const created = await fhirFetch(`${server.fhirUrl}/Task`, {
        ...auth.patientB,
        method: 'POST',
        body: proposal(bx, loaded.meta?.versionId, {
          telecom: [{ system: 'phone', value: newPhone() }],
          gender: 'female',
        }),
      });
      assert.equal(created.status, 201, text(created));
      const task = created.body as Task;
      const staffPhone = newPhone();
      await server.repo.update({ ...loaded, telecom: [{ system: 'phone', value: staffPhone }] });
      const decide = (parameter: unknown[]) =>
        fhirFetch(`${server.fhirUrl}/Task/${task.id}/$decide`, {
          ...auth.pX,
          method: 'POST',
          body: { resourceType: 'Parameters', parameter },
        });
      const clash = await decide([
        { name: 'accept', valueCode: 'telecom' },
        { name: 'reject', valueCode: 'gender' },
      ]);
      assert.equal(clash.status, 409, text(clash));
      assert.match(text(clash), /Patient\.telecom/);
      assert.equal(phoneOf(await stored(bx)), staffPhone);
      assert.equal((await decide([{ name: 'accept', valueCode: 'telecom' }])).status, 400, 'every field decided');
      const unproposed = await decide([
        { name: 'accept', valueCode: 'telecom' },
        { name: 'reject', valueCode: 'gender' },
        { name: 'accept', valueCode: 'link' },
      ]);
      assert.equal(unproposed.status, 400);
      // A field the practice did not change since is accepted; the other one rejected.
      const ok = await decide([
        { name: 'reject', valueCode: 'telecom' },
        { name: 'accept', valueCode: 'gender' },
      ]);
      assert.equal(ok.status, 200, text(ok));
      const now = await stored(bx);
      assert.equal(now.gender, 'female');
      assert.equal(phoneOf(now), staffPhone);
    });

    it('an accepted value that is not a valid Patient field is refused, and nothing is stored', async () => {
      await setMode(practiceX, 'review');
      const loaded = await stored(bx);
      const created = await fhirFetch(`${server.fhirUrl}/Task`, {
        ...auth.patientB,
        method: 'POST',
        body: proposal(bx, loaded.meta?.versionId, { birthDate: { nested: '<script>' } }),
      });
      assert.equal(created.status, 201, text(created));
      const task = created.body as Task;
      const res = await fhirFetch(`${server.fhirUrl}/Task/${task.id}/$decide`, {
        ...auth.pX,
        method: 'POST',
        body: { resourceType: 'Parameters', parameter: [{ name: 'accept', valueCode: 'birthDate' }] },
      });
      assert.equal(res.status, 400, text(res));
      assert.equal((await stored(bx)).meta?.versionId, loaded.meta?.versionId);
      assert.equal((await server.repo.read<Task>('Task', task.id!)).status, 'requested');
    });

    it('a proposal of a field the practice keeps is refused with its path', async () => {
      await setMode(practiceX, 'review');
      const fresh = await stored(bx);
      for (const field of ['link', 'managingOrganization', 'generalPractitioner', 'identifier']) {
        const res = await fhirFetch(`${server.fhirUrl}/Task`, {
          ...auth.patientB,
          method: 'POST',
          body: proposal(bx, fresh.meta?.versionId, { [field]: [{ reference: `Organization/${practiceY}` }] }),
        });
        assert.equal(res.status, 403, `${field}: ${text(res)}`);
        assert.equal(res.body.issue[0].expression[0], 'Task.input[1]');
      }
    });

    it("a proposal for another patient's record is refused", async () => {
      await setMode(practiceX, 'review');
      const other = await stored(a);
      const res = await fhirFetch(`${server.fhirUrl}/Task`, {
        ...auth.patientB,
        method: 'POST',
        body: proposal(a, other.meta?.versionId, { gender: 'female' }),
      });
      assert.equal(res.status, 403, text(res));
    });
  });

  describe('hostile writes', () => {
    it('fields the practice keeps are refused with their path, whatever the setting', async () => {
      await setMode(practiceX, 'automatic');
      const cases: Array<[string, Partial<Patient>]> = [
        ['Patient.link', { link: [{ other: { reference: `Patient/${by}` }, type: 'seealso' }] }],
        ['Patient.managingOrganization', { managingOrganization: { reference: `Organization/${practiceY}` } }],
        ['Patient.generalPractitioner', { generalPractitioner: [{ reference: `Organization/${practiceY}` }] }],
        ['Patient.identifier', { identifier: [{ system: 'urn:mrn', value: '123' }] }],
        ['Patient.active', { active: false }],
      ];
      for (const [path, change] of cases) {
        const before = await stored(bx);
        const loaded = (await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, auth.patientB)).body as Patient;
        const res = await fhirFetch(
          `${server.fhirUrl}/Patient/${bx}`,
          asPatient({ method: 'PUT', body: { ...loaded, ...change } }),
        );
        assert.equal(res.status, 403, `${path}: ${text(res)}`);
        assert.match(text(res), new RegExp(path.replace('.', '\\.')));
        assert.equal((await stored(bx)).meta?.versionId, before.meta?.versionId, path);
      }
    });

    it('tags and security labels the patient sends are ignored (the owner stays the practice)', async () => {
      await setMode(practiceX, 'automatic');
      const loaded = (await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, auth.patientB)).body as Patient;
      const body = {
        ...loaded,
        meta: {
          ...loaded.meta,
          tag: [{ system: OWNER_SYSTEM, code: practiceY }],
          security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }],
        },
      };
      const res = await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, asPatient({ method: 'PUT', body }));
      assert.equal(res.status, 200, text(res));
      const now = await stored(bx);
      assert.deepEqual(
        now.meta?.tag?.filter((t) => t.system === OWNER_SYSTEM),
        [{ system: OWNER_SYSTEM, code: practiceX }],
      );
      assert.equal(now.meta?.security, undefined);
    });

    it("another patient's record: not reachable", async () => {
      await setMode(practiceX, 'automatic');
      const other = await stored(a);
      const res = await fhirFetch(
        `${server.fhirUrl}/Patient/${a}`,
        asPatient({ method: 'PUT', body: { ...other, gender: 'female' } }),
      );
      assert.ok([403, 404].includes(res.status), String(res.status));
      assert.equal((await stored(a)).meta?.versionId, other.meta?.versionId);
    });

    it('script in a field is stored as the text sent, never interpreted', async () => {
      await setMode(practiceX, 'automatic');
      const script = '<script>alert(1)</script><img src=x onerror=alert(2)>';
      const loaded = (await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, auth.patientB)).body as Patient;
      const body = { ...loaded, name: [{ family: script, given: [script] }], address: [{ city: script }] };
      const res = await fhirFetch(`${server.fhirUrl}/Patient/${bx}`, asPatient({ method: 'PUT', body }));
      if (res.status === 200) {
        const now = await stored(bx);
        assert.equal(now.name?.[0]?.family, script);
        assert.equal(now.address?.[0]?.city, script);
        assert.match(res.headers.get('content-type') ?? '', /json/);
      } else {
        // Or refused outright by validation; either way never stored altered.
        assert.ok([400, 422].includes(res.status), String(res.status));
      }
    });
  });
});
