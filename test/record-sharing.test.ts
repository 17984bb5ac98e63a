import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Resource } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../server/access/access-index.ts';
import { INBOX_SYSTEM, NOTE_CATEGORY, ORIGIN_SYSTEM, SHARING_SYSTEM } from '../server/access/record-sharing.ts';
import { SHARING_ACTIVITY_SYSTEM } from '../server/access/sharing-change.ts';
import { provisionPractice } from './support/practice-client.ts';
import { setPracticeSharing } from './support/practice-sharing.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';
import { registerTestApp, userTokens } from './support/user-tokens.ts';

/**
 * Issue #12's sharing rules over HTTP, with real tokens: what a practice shares of a patient's
 * clinical record with the patient (and so with their family members and patient-facing apps), and
 * a practitioner's notes with colleagues (server/access/record-sharing.ts, decision 0023). Practice X:
 * practitioners `author` and `colleague`, administrator `admin`; practice Y: practitioner `other`;
 * patient A with a Person and an account, A's spouse M (RelatedPerson) with an account, an app
 * launched for A with patient/*.rs. X shares nothing by default and has note sharing disabled until
 * the tests change that.
 */
const PASSWORD = 'record sharing passphrase 2026';
const LAB = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' };
const PATIENT_SIDE = ['patientA', 'familyM', 'appForA'] as const;

type Who = 'author' | 'colleague' | 'admin' | 'other' | 'patientA' | 'familyM' | 'appForA' | 'backendX';

describe('record sharing: what patients and colleagues see', () => {
  let server: TestServer;
  let practiceX = '';
  const tokens = {} as Record<Who, string>;
  const ref: Record<string, string> = {};
  const as = (who: Who, init: { method?: string; body?: unknown } = {}) => ({
    ...init,
    headers: { authorization: `Bearer ${tokens[who]}` },
  });
  const F = () => server.fhirUrl;
  const status = async (who: Who, path: string) => (await fhirFetch(`${F()}/${path}`, as(who))).status;
  const bundleRefs = (body: { entry?: Array<{ resource: Resource }> }) =>
    (body.entry ?? []).map((e) => `${e.resource.resourceType}/${e.resource.id}`);
  const share = (who: Who, reference: string, audience = 'patient', shared = true) =>
    fhirFetch(`${F()}/${reference}/$${shared ? 'share' : 'unshare'}`, {
      ...as(who, { method: 'POST' }),
      body: { resourceType: 'Parameters', parameter: [{ name: 'audience', valueCode: audience }] },
    });

  before(async () => {
    server = await startTestServer();
    practiceX = server.practice.practiceId;
    const practiceY = (await provisionPractice(server.app, 'Practice Y')).practiceId;
    await setPracticeSharing(server.repo, practiceX, { defaults: [], noteSharing: false });
    const save = async (resource: Resource, practice = practiceX) => {
      const saved = (
        await server.repo.create({
          ...resource,
          meta: { ...resource.meta, tag: [{ system: OWNER_SYSTEM, code: practice }] },
        })
      ).resource;
      return `${saved.resourceType}/${saved.id}`;
    };
    const practitioner = async (name: string, practice: string, admin = false) => {
      ref[name] = await save({ resourceType: 'Practitioner', name: [{ family: name }] }, practice);
      await save(
        {
          resourceType: 'PractitionerRole',
          active: true,
          practitioner: { reference: ref[name] },
          organization: { reference: `Organization/${practice}` },
          ...(admin
            ? {
                code: [
                  { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/practitioner-role', code: 'admin' }] },
                ],
              }
            : {}),
        } as Resource,
        practice,
      );
    };
    await practitioner('author', practiceX);
    await practitioner('colleague', practiceX);
    await practitioner('admin', practiceX, true);
    await practitioner('other', practiceY);
    ref.A = await save({ resourceType: 'Patient', name: [{ family: 'Alpha' }], birthDate: '1980-01-01' } as Resource);
    ref.personA = await save({
      resourceType: 'Person',
      active: true,
      link: [{ target: { reference: ref.A } }],
    } as Resource);
    ref.M = await save({
      resourceType: 'RelatedPerson',
      active: true,
      patient: { reference: ref.A },
      relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'SPS' }] }],
    } as Resource);

    const account = async (email: string, kind: 'practitioner' | 'patient' | 'related-person', fhirUser: string) => {
      await server.app.accounts.createAccount({ email, kind, fhirUser, password: PASSWORD });
      return { email, password: PASSWORD };
    };
    const app = await registerTestApp(server, practiceX, 'openid fhirUser launch/patient user/*.cruds patient/*.rs');
    const token = async (
      user: { email: string; password: string },
      scope = 'openid fhirUser user/*.cruds',
      patient?: string,
    ) => (await userTokens(server, user, { ...app, scope, ...(patient ? { patient } : {}) })).access_token;
    const patientA = await account('a@example.org', 'patient', ref.personA);
    tokens.author = await token(await account('author@example.org', 'practitioner', ref.author!));
    tokens.colleague = await token(await account('colleague@example.org', 'practitioner', ref.colleague!));
    tokens.admin = await token(await account('admin@example.org', 'practitioner', ref.admin!));
    tokens.other = await token(await account('other@example.org', 'practitioner', ref.other!));
    tokens.patientA = await token(patientA);
    tokens.familyM = await token(await account('m@example.org', 'related-person', ref.M));
    tokens.appForA = await token(patientA, 'openid fhirUser launch/patient patient/*.rs', ref.A.split('/')[1]);
    tokens.backendX = await server.tokens.token();

    // The author writes through the API: a note with its content, a lab result, a letter, a result
    // labelled restricted; the patient uploads a document; an appointment (administrative).
    const write = async (who: Who, resource: Record<string, unknown>) => {
      const res = await fhirFetch(
        `${F()}/${resource.resourceType as string}`,
        as(who, { method: 'POST', body: resource }),
      );
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return `${res.body.resourceType}/${res.body.id}`;
    };
    const subject = { reference: ref.A };
    ref.noteContent = await write('author', {
      resourceType: 'Binary',
      contentType: 'text/plain',
      securityContext: subject,
      data: Buffer.from('Assessment: improving').toString('base64'),
    });
    ref.note = await write('author', {
      resourceType: 'DocumentReference',
      status: 'current',
      docStatus: 'final',
      category: [{ coding: [{ ...NOTE_CATEGORY }] }],
      subject,
      author: [{ reference: ref.author }],
      content: [{ attachment: { contentType: 'text/plain', url: ref.noteContent } }],
    });
    ref.result = await write('author', {
      resourceType: 'Observation',
      status: 'final',
      category: [{ coding: [LAB] }],
      code: { text: 'HbA1c' },
      subject,
      valueQuantity: { value: 6.1, unit: '%' },
    });
    ref.restricted = await write('author', {
      resourceType: 'Observation',
      meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] },
      status: 'final',
      category: [{ coding: [LAB] }],
      code: { text: 'HIV test' },
      subject,
    });
    ref.letter = await write('author', {
      resourceType: 'DocumentReference',
      status: 'current',
      subject,
      author: [{ reference: ref.author }],
      description: 'Referral letter',
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Dear colleague').toString('base64') } }],
    });
    ref.upload = await write('patientA', {
      resourceType: 'DocumentReference',
      status: 'current',
      subject,
      description: 'My previous GP letter',
      content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('From my old GP').toString('base64') } }],
    });
    ref.appointment = await write('author', {
      resourceType: 'Appointment',
      status: 'booked',
      start: '2027-01-10T09:00:00Z',
      end: '2027-01-10T09:30:00Z',
      participant: [{ actor: subject, status: 'accepted' }],
    });
    // Something the patient always sees (what they submitted) that points at every item: a forward
    // `_include` from it must still leave out what is not shared.
    ref.pointer = `DocumentReference/${
      (
        await server.repo.create({
          resourceType: 'DocumentReference',
          meta: {
            tag: [
              { system: OWNER_SYSTEM, code: practiceX },
              { system: ORIGIN_SYSTEM, code: 'patient' },
            ],
          },
          status: 'current',
          subject,
          description: 'My questions about my results',
          context: {
            related: ['note', 'noteContent', 'result', 'restricted', 'letter'].map((k) => ({ reference: ref[k] })),
          },
          content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('Questions').toString('base64') } }],
        } as Resource)
      ).resource.id
    }`;
  });
  after(() => server?.close());

  /**
   * Every path a patient-side caller could reach `reference` by: read, vread, search, _include (from
   * what they submitted), _revinclude, $everything, history.
   */
  async function reaches(who: Who, reference: string): Promise<Record<string, boolean>> {
    const [type, id] = reference.split('/') as [string, string];
    const searched = await fhirFetch(`${F()}/${type}?_id=${id}`, as(who));
    const included = await fhirFetch(`${F()}/Patient?_id=${ref.A!.split('/')[1]}&_revinclude=${type}:subject`, as(who));
    const pointer = ref.pointer!.split('/')[1];
    const pointed = await fhirFetch(
      `${F()}/DocumentReference?_id=${pointer}&_include=DocumentReference:related`,
      as(who),
    );
    assert.ok(bundleRefs(pointed.body).includes(ref.pointer!), `${who} sees what they submitted`);
    const everything = await fhirFetch(`${F()}/${ref.A}/$everything`, as(who));
    const history = await fhirFetch(`${F()}/${type}/_history?_count=1000`, as(who));
    // The current version: an earlier one written before the share is judged on its own content.
    const version = (await server.repo.read(type, id)).meta?.versionId as string;
    return {
      read: (await status(who, reference)) === 200,
      vread: (await status(who, `${reference}/_history/${version}`)) === 200,
      search: bundleRefs(searched.body).includes(reference),
      include: bundleRefs(pointed.body).includes(reference),
      revinclude: type !== 'Binary' && bundleRefs(included.body).includes(reference),
      everything: bundleRefs(everything.body).includes(reference),
      history: bundleRefs(history.body).includes(reference),
    };
  }
  const nowhere = {
    read: false,
    vread: false,
    search: false,
    include: false,
    revinclude: false,
    everything: false,
    history: false,
  };
  const everywhere = (type: string) => ({
    ...nowhere,
    read: true,
    vread: true,
    search: true,
    include: true,
    revinclude: type !== 'Binary',
    everything: true,
    history: true,
  });

  it('by default a practitioner-written note, result, letter and content reach no patient-side caller by any path', async () => {
    for (const who of PATIENT_SIDE) {
      for (const item of ['note', 'noteContent', 'result', 'restricted', 'letter'])
        assert.deepEqual(await reaches(who, ref[item]!), nowhere, `${who} ${item}`);
    }
  });

  it('what the patient submitted and their administrative records are always theirs', async () => {
    for (const who of PATIENT_SIDE) {
      assert.equal(await status(who, ref.upload!), 200, `${who} upload`);
      assert.equal(await status(who, ref.appointment!), 200, `${who} appointment`);
      assert.equal(await status(who, ref.A!), 200, `${who} patient`);
    }
  });

  it('$share makes an item (and a note its content) visible on every path; $unshare hides it again, earlier versions too', async () => {
    assert.equal((await share('author', ref.note!)).status, 200);
    assert.equal((await share('author', ref.result!)).status, 200);
    for (const who of PATIENT_SIDE) {
      assert.deepEqual(await reaches(who, ref.note!), everywhere('DocumentReference'), `${who} shared note`);
      assert.equal(await status(who, ref.noteContent!), 200, `${who} the shared note's content`);
      assert.equal(await status(who, ref.result!), 200, `${who} shared result`);
    }
    const shared = await fhirFetch(`${F()}/${ref.result}`, as('patientA'));
    assert.ok(
      shared.body.meta.tag.some(
        (t: { system: string; code: string }) => t.system === SHARING_SYSTEM && t.code === 'patient',
      ),
    );
    const sharedVersion = shared.body.meta.versionId as string;

    assert.equal((await share('author', ref.note!, 'patient', false)).status, 200);
    assert.equal((await share('author', ref.result!, 'patient', false)).status, 200);
    for (const who of PATIENT_SIDE) {
      assert.deepEqual(await reaches(who, ref.note!), nowhere, `${who} unshared note`);
      assert.equal(await status(who, ref.noteContent!), 404, `${who} the unshared note's content`);
      assert.deepEqual(await reaches(who, ref.result!), nowhere, `${who} unshared result`);
      assert.equal(
        await status(who, `${ref.result}/_history/${sharedVersion}`),
        404,
        `${who} the version that was shared`,
      );
      assert.equal((await fhirFetch(`${F()}/${ref.result}/_history`, as(who))).status, 404, `${who} instance history`);
    }
  });

  it('sharing a document marks its own content only, not a Binary about another patient it points to', async () => {
    const other = (
      await server.repo.create({
        resourceType: 'Patient',
        meta: { tag: [{ system: OWNER_SYSTEM, code: practiceX }] },
        name: [{ family: 'Other' }],
      } as Resource)
    ).resource;
    const upload = async (patient: string) =>
      (
        await fhirFetch(`${F()}/Binary`, {
          ...as('author', { method: 'POST' }),
          body: {
            resourceType: 'Binary',
            contentType: 'text/plain',
            securityContext: { reference: patient },
            data: Buffer.from('content').toString('base64'),
          },
        })
      ).body.id as string;
    const own = await upload(ref.A!);
    const foreign = await upload(`Patient/${other.id}`);
    const document = await fhirFetch(`${F()}/DocumentReference`, {
      ...as('author', { method: 'POST' }),
      body: {
        resourceType: 'DocumentReference',
        status: 'current',
        subject: { reference: ref.A },
        content: [{ attachment: { url: `Binary/${own}` } }, { attachment: { url: `Binary/${foreign}` } }],
      },
    });
    assert.equal(document.status, 201);
    assert.equal((await share('author', `DocumentReference/${document.body.id}`)).status, 200);
    const marked = async (id: string) =>
      ((await server.repo.read('Binary', id)).meta?.tag ?? []).some(
        (t) => t.system === SHARING_SYSTEM && t.code === 'patient',
      );
    assert.equal(await marked(own), true, "the document's own content is shared with it");
    assert.equal(await marked(foreign), false, "another patient's Binary keeps its marks");
  });

  it('sharing twice records once; patients, family and apps cannot share, unshare or mark by writing', async () => {
    const first = await share('author', ref.letter!);
    const again = await share('author', ref.letter!);
    assert.equal(first.body.meta.versionId, again.body.meta.versionId, 'the second share wrote nothing');
    for (const who of PATIENT_SIDE) assert.equal((await share(who, ref.letter!, 'patient', false)).status, 403, who);
    // A PUT cannot set or remove the mark: it is kept from the current version.
    const current = (await fhirFetch(`${F()}/${ref.result}`, as('author'))).body;
    const marked = {
      ...current,
      meta: { ...current.meta, tag: [...current.meta.tag, { system: SHARING_SYSTEM, code: 'patient' }] },
    };
    assert.equal((await fhirFetch(`${F()}/${ref.result}`, as('author', { method: 'PUT', body: marked }))).status, 200);
    assert.equal(await status('patientA', ref.result!), 404, 'a PUT with the mark shares nothing');
    const letter = (await fhirFetch(`${F()}/${ref.letter}`, as('author'))).body;
    const unmarked = { ...letter, meta: { ...letter.meta, tag: [] } };
    assert.equal(
      (await fhirFetch(`${F()}/${ref.letter}`, as('author', { method: 'PUT', body: unmarked }))).status,
      200,
    );
    assert.equal(await status('patientA', ref.letter!), 200, 'a PUT without the mark unshares nothing');
    assert.equal(
      await share('author', ref.appointment!).then((r) => r.status),
      422,
      'administrative records are not shared item by item',
    );
  });

  it('patients change only what they submitted, even when shared with them', async () => {
    await share('author', ref.result!);
    const result = (await fhirFetch(`${F()}/${ref.result}`, as('patientA'))).body;
    assert.equal(
      (
        await fhirFetch(
          `${F()}/${ref.result}`,
          as('patientA', { method: 'PUT', body: { ...result, status: 'amended' } }),
        )
      ).status,
      403,
    );
    assert.equal((await fhirFetch(`${F()}/${ref.result}`, as('patientA', { method: 'DELETE' }))).status, 403);
    const upload = (await fhirFetch(`${F()}/${ref.upload}`, as('patientA'))).body;
    assert.equal(
      (
        await fhirFetch(
          `${F()}/${ref.upload}`,
          as('patientA', { method: 'PUT', body: { ...upload, description: 'Old GP letter' } }),
        )
      ).status,
      200,
    );
    await share('author', ref.result!, 'patient', false);
  });

  it("a category default shares the practice's items of that category, never those labelled R or V", async () => {
    await setPracticeSharing(server.repo, practiceX, { defaults: ['results'], noteSharing: false });
    try {
      for (const who of PATIENT_SIDE) {
        assert.equal(await status(who, ref.result!), 200, `${who} result by default`);
        assert.equal(await status(who, ref.restricted!), 404, `${who} restricted result`);
        assert.equal(await status(who, ref.note!), 404, `${who} note (notes not shared by default)`);
      }
      await share('author', ref.restricted!);
      assert.equal(await status('patientA', ref.restricted!), 200, 'an explicit share covers R');
      await share('author', ref.restricted!, 'patient', false);
    } finally {
      await setPracticeSharing(server.repo, practiceX, { defaults: [], noteSharing: false });
    }
    assert.equal(await status('patientA', ref.result!), 404, 'the default withdrawn: hidden at the next request');
  });

  it('notes stay with their author unless the practice enables note sharing and the author shares them', async () => {
    for (const who of ['colleague', 'admin', 'other'] as const)
      assert.equal(await status(who, ref.note!), 404, `${who} before`);
    assert.equal(await status('author', ref.note!), 200);
    assert.equal(await status('backendX', ref.note!), 200, "the practice's own integrations see its notes");
    assert.equal((await share('author', ref.note!, 'colleagues')).status, 409, 'note sharing disabled');
    await setPracticeSharing(server.repo, practiceX, { defaults: [], noteSharing: true });
    try {
      assert.equal(await status('colleague', ref.note!), 404, 'enabled, not yet shared');
      assert.equal(
        (await share('colleague', ref.note!, 'colleagues')).status,
        404,
        'a colleague cannot share what they cannot see',
      );
      assert.equal((await share('author', ref.note!, 'colleagues')).status, 200);
      assert.equal(await status('colleague', ref.note!), 200, 'shared with colleagues');
      assert.equal(await status('admin', ref.note!), 200);
      assert.equal(await status('other', ref.note!), 404, 'other practices never');
      assert.equal(await status('patientA', ref.note!), 404, 'shared with colleagues is not shared with the patient');
      const note = (await fhirFetch(`${F()}/${ref.note}`, as('colleague'))).body;
      assert.equal(
        (
          await fhirFetch(
            `${F()}/${ref.note}`,
            as('colleague', { method: 'PUT', body: { ...note, description: 'edited' } }),
          )
        ).status,
        403,
        'read, not write',
      );
      assert.equal(
        (await share('colleague', ref.note!, 'patient')).status,
        403,
        'only the author shares it with the patient',
      );
    } finally {
      await setPracticeSharing(server.repo, practiceX, { defaults: [], noteSharing: false });
    }
    assert.equal(await status('colleague', ref.note!), 404, 'note sharing disabled again: back with its author');
  });

  it("the practice's inbox: what patients submit is new until staff mark it reviewed; a patient's change makes it new again", async () => {
    const inbox = async () =>
      bundleRefs(
        (
          await fhirFetch(
            `${F()}/DocumentReference?_tag=${ORIGIN_SYSTEM}|patient&_tag:not=${INBOX_SYSTEM}|reviewed`,
            as('colleague'),
          )
        ).body,
      );
    assert.ok((await inbox()).includes(ref.upload!), 'new from the patient');
    const upload = (await fhirFetch(`${F()}/${ref.upload}`, as('colleague'))).body;
    const reviewed = {
      ...upload,
      meta: { ...upload.meta, tag: [...upload.meta.tag, { system: INBOX_SYSTEM, code: 'reviewed' }] },
    };
    assert.equal(
      (await fhirFetch(`${F()}/${ref.upload}`, as('colleague', { method: 'PUT', body: reviewed }))).status,
      200,
    );
    assert.ok(!(await inbox()).includes(ref.upload!), 'reviewed');
    const mine = (await fhirFetch(`${F()}/${ref.upload}`, as('patientA'))).body;
    assert.equal(
      (
        await fhirFetch(
          `${F()}/${ref.upload}`,
          as('patientA', { method: 'PUT', body: { ...mine, description: 'Updated letter' } }),
        )
      ).status,
      200,
    );
    assert.ok((await inbox()).includes(ref.upload!), "the patient's change puts it back in the inbox");
    const marked = await fhirFetch(`${F()}/DocumentReference`, {
      ...as('patientA', { method: 'POST' }),
      body: {
        resourceType: 'DocumentReference',
        meta: { tag: [{ system: INBOX_SYSTEM, code: 'reviewed' }] },
        status: 'current',
        subject: { reference: ref.A },
        content: [{ attachment: { contentType: 'text/plain', data: Buffer.from('x').toString('base64') } }],
      },
    });
    assert.equal(marked.status, 201);
    assert.ok(
      (await inbox()).includes(`DocumentReference/${marked.body.id}`),
      'a patient cannot mark their own upload reviewed',
    );
  });

  it('every change is recorded (who, when, what) for the practice, and hidden from the patient', async () => {
    const found = await fhirFetch(`${F()}/Provenance?target=${ref.result}&_count=100`, as('author'));
    const activities = (found.body.entry ?? []).map(
      (e: {
        resource: {
          activity: { coding: Array<{ system: string; code: string }> };
          agent: Array<{ who: { reference: string } }>;
          recorded: string;
        };
      }) => {
        const coding = e.resource.activity.coding[0]!;
        assert.equal(coding.system, SHARING_ACTIVITY_SYSTEM);
        assert.equal(e.resource.agent[0]!.who.reference, ref.author);
        assert.ok(e.resource.recorded);
        return coding.code;
      },
    );
    assert.ok(activities.includes('share-patient') && activities.includes('unshare-patient'), String(activities));
    const patientView = await fhirFetch(`${F()}/Provenance?target=${ref.result}`, as('patientA'));
    assert.deepEqual(bundleRefs(patientView.body), []);
  });
});
