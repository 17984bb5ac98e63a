import assert from 'node:assert/strict';
import type { Bundle, Organization, Patient, Resource, Task } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import { NOTIFY_MARK } from '../server/access/patient-updates.ts';
import { PATIENT_UPDATES_URL } from '../server/access/practice-settings.ts';
import type { PatientUpdateMode } from '../server/access/practice-settings.ts';
import { INBOX_SYSTEM } from '../server/access/record-sharing.ts';
import { BASE_VERSION, FIELD_SYSTEM, PROPOSAL_CODE } from '../server/fhir/patient-update-proposal.ts';
import { provisionPractice } from './support/practice-client.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * The practice console's side of patients' updates (issue #13, docs/decisions/0028-patient-updates.md),
 * over real HTTP as a practitioner: the requests practitioner-app's inbox "Profile changes" and the
 * chart's "Recent profile changes" send (practitioner-app/src/app/profile-changes/profile-change-api.ts).
 */
const PASSWORD = 'console patient updates passphrase 2026';
const MARKED = `${NOTIFY_MARK.system}|${NOTIFY_MARK.code}`;
const REVIEWED = `${INBOX_SYSTEM}|reviewed`;
const q = encodeURIComponent;

describe("the console's requests for patients' updates", () => {
  let server: TestServer;
  let practiceX: string;
  let practiceY: string;
  let patientId: string;
  const auth: Record<'patient' | 'pX' | 'pY', { headers: Record<string, string> }> = {} as never;

  const save = async <T extends Resource>(resource: T, practiceId: string) =>
    (await server.repo.create<T>({ ...resource, meta: { tag: [{ system: OWNER_SYSTEM, code: practiceId }] } }))
      .resource as T & { id: string };
  const setMode = async (practiceId: string, mode: PatientUpdateMode) => {
    const org = await server.repo.read<Organization>('Organization', practiceId);
    const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_UPDATES_URL);
    await server.repo.update({ ...org, extension: [...others, { url: PATIENT_UPDATES_URL, valueCode: mode }] });
  };
  const get = async <T>(path: string, who: { headers: Record<string, string> }) =>
    (await fhirFetch(`${server.fhirUrl}/${path}`, who)).body as T;
  const ids = (bundle: Bundle) => (bundle.entry ?? []).map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

  before(async () => {
    server = await startTestServer();
    practiceX = server.practice.practiceId;
    practiceY = (await provisionPractice(server.app, 'Practice Y')).practiceId;
    patientId = (await save<Patient>({ resourceType: 'Patient', name: [{ family: 'Changed' }] }, practiceX)).id;
    const person = await save(
      { resourceType: 'Person', active: true, link: [{ target: { reference: `Patient/${patientId}` } }] },
      practiceX,
    );
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
    await practitioner(practiceX, 'staff.x@example.org');
    await practitioner(practiceY, 'staff.y@example.org');
    await server.app.accounts.createAccount({
      email: 'patient@example.org',
      kind: 'patient',
      fhirUser: `Person/${person.id}`,
      password: PASSWORD,
    });
    const app = await registerTestApp(server, practiceX, 'openid fhirUser user/*.cruds');
    const token = async (email: string) =>
      (await userTokens(server, { email, password: PASSWORD }, { ...app, scope: 'openid fhirUser user/*.cruds' }))
        .access_token;
    auth.patient = { headers: { authorization: `Bearer ${await token('patient@example.org')}` } };
    auth.pX = { headers: { authorization: `Bearer ${await token('staff.x@example.org')}` } };
    auth.pY = { headers: { authorization: `Bearer ${await token('staff.y@example.org')}` } };
  });
  after(() => server?.close());

  it('notify: the inbox lists the changed record, its history gives old → new, and "Mark reviewed" clears it', async () => {
    await setMode(practiceX, 'notify');
    const loaded = await get<Patient>(`Patient/${patientId}`, auth.patient);
    const changed = await fhirFetch(`${server.fhirUrl}/Patient/${patientId}`, {
      headers: { ...auth.patient.headers, 'if-match': `W/"${loaded.meta?.versionId}"` },
      method: 'PUT',
      body: { ...loaded, gender: 'female' },
    });
    assert.equal(changed.status, 200);
    const inbox = `Patient?_tag=${q(MARKED)}&_tag:not=${q(REVIEWED)}&_sort=-_lastUpdated&_count=50`;
    assert.deepEqual(ids(await get<Bundle>(inbox, auth.pX)), [`Patient/${patientId}`]);
    assert.deepEqual(ids(await get<Bundle>(inbox, auth.pY)), [], "another practice's staff see nothing");

    const history = await get<Bundle<Patient>>(`Patient/${patientId}/_history?_count=20`, auth.pX);
    const [newest, previous] = (history.entry ?? []).map((e) => e.resource as Patient);
    assert.equal(newest?.gender, 'female');
    assert.equal(previous?.gender, undefined);
    assert.ok(newest?.meta?.tag?.some((t) => t.system === INBOX_SYSTEM && t.code === 'patient-update'));

    // Mark reviewed: the record as read, the reviewed mark added, If-Match on the version read.
    const current = await get<Patient>(`Patient/${patientId}`, auth.pX);
    const marked = {
      ...current,
      meta: { ...current.meta, tag: [...(current.meta?.tag ?? []), { system: INBOX_SYSTEM, code: 'reviewed' }] },
    };
    const stale = await fhirFetch(`${server.fhirUrl}/Patient/${patientId}`, {
      headers: { ...auth.pX.headers, 'if-match': `W/"${previous?.meta?.versionId}"` },
      method: 'PUT',
      body: marked,
    });
    assert.equal(stale.status, 412);
    const ok = await fhirFetch(`${server.fhirUrl}/Patient/${patientId}`, {
      headers: { ...auth.pX.headers, 'if-match': `W/"${current.meta?.versionId}"` },
      method: 'PUT',
      body: marked,
    });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ids(await get<Bundle>(inbox, auth.pX)), []);
    assert.equal((await server.repo.read<Patient>('Patient', patientId)).gender, 'female');
  });

  it('review: staff list their practice’s pending proposals with their patients, and per patient', async () => {
    await setMode(practiceX, 'review');
    await setMode(practiceY, 'review');
    const loaded = await get<Patient>(`Patient/${patientId}`, auth.patient);
    const created = await fhirFetch(`${server.fhirUrl}/Task`, {
      ...auth.patient,
      method: 'POST',
      body: {
        resourceType: 'Task',
        status: 'requested',
        intent: 'proposal',
        code: { coding: [PROPOSAL_CODE] },
        for: { reference: `Patient/${patientId}` },
        input: [
          { type: { coding: [{ system: FIELD_SYSTEM, code: BASE_VERSION }] }, valueString: loaded.meta?.versionId },
          { type: { coding: [{ system: FIELD_SYSTEM, code: 'gender' }] }, valueString: '"male"' },
        ],
      } satisfies Task,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const task = created.body as Task;
    const code = q(`${PROPOSAL_CODE.system}|${PROPOSAL_CODE.code}`);
    const pending = `Task?code=${code}&status=requested&_include=Task:patient&_sort=-_lastUpdated&_count=50`;
    const listed = await get<Bundle>(pending, auth.pX);
    assert.deepEqual(ids(listed).sort(), [`Patient/${patientId}`, `Task/${task.id}`].sort());
    assert.deepEqual(ids(await get<Bundle>(pending, auth.pY)), [], "another practice's staff see nothing");
    const forPatient = await get<Bundle>(`Task?code=${code}&status=requested&subject=Patient/${patientId}`, auth.pX);
    assert.deepEqual(ids(forPatient), [`Task/${task.id}`]);
  });
});
