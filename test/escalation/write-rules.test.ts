import assert from 'node:assert/strict';
import type {
  Organization,
  Patient,
  Person,
  PractitionerRole,
  RelatedPerson,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { ADMIN_ROLE } from '../../server/access/grants/practice-roles.ts';
import { BASE_VERSION, FIELD_SYSTEM, PROPOSAL_CODE } from '../../server/access/grants/update-proposal-rule.ts';
import { PATIENT_INVITATIONS_URL, PATIENT_UPDATES_URL } from '../../server/access/practice-settings.ts';
import type { PatientUpdateMode } from '../../server/access/practice-settings.ts';
import { SHARING_DEFAULT_URL } from '../../server/access/record-sharing.ts';
import { buildWorld, fhirFetch, stored } from './world.ts';
import type { Who, World } from './world.ts';

/**
 * The write-rule table of docs/security.md ("Resources that grant access"), cell by cell: for each
 * resource that grants access and each way of creating, changing or ending it, which identities may
 * (2xx, and the store shows the change) and which may not (refused, and the store is unchanged).
 * Every cell starts from records made for it alone.
 */
const IDENTITIES: Who[] = ['pX', 'adminX', 'patientA', 'familyM', 'backendX', 'managerX', 'appAdminX', 'appAdminXRead'];
const STAFF: Who[] = ['pX', 'adminX', 'managerX', 'appAdminX'];
const ADMINS: Who[] = ['adminX', 'managerX', 'appAdminX'];

interface Request {
  method: 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: Resource;
}
interface Cell {
  name: string;
  /** Who may; everyone else in IDENTITIES (or `identities`) is refused. */
  allowed: Who[];
  /** Who is tried, when not IDENTITIES. */
  identities?: Who[];
  /** Makes the records the cell needs; returns the request and, for changes, the record changed. */
  setup(w: World): Promise<{ request: Request; target?: string }>;
}

const role = (w: World, practitioner: string, practiceId = w.practiceX, admin = false): PractitionerRole => ({
  resourceType: 'PractitionerRole',
  active: true,
  practitioner: { reference: practitioner },
  organization: { reference: `Organization/${practiceId}` },
  ...(admin ? { code: [{ coding: [ADMIN_ROLE] }] } : {}),
});
const newPractitioner = async (w: World) =>
  `Practitioner/${(await w.save({ resourceType: 'Practitioner', name: [{ family: 'New' }] }, w.practiceX)).id}`;
const newPatient = async (w: World, practiceId = w.practiceX) =>
  w.save<Patient>({ resourceType: 'Patient', name: [{ family: 'Cell' }], birthDate: '1990-01-01' }, practiceId);
const put = (r: Resource): Request => ({ method: 'PUT', path: `${r.resourceType}/${r.id}`, body: r });
const del = (r: Resource): Request => ({ method: 'DELETE', path: `${r.resourceType}/${r.id}` });
const refOf = (r: Resource) => `${r.resourceType}/${r.id}`;
/** The practice's Organization as stored now (each identity starts from the version the last one left). */
const practiceRecord = async (w: World, practiceId = w.practiceX) =>
  w.server.repo.read<Organization>('Organization', practiceId);
/** The practice's record with the invitations setting turned the other way. */
const toggledInvitations = (org: Organization): Organization => {
  const on = org.extension?.some((e) => e.url === PATIENT_INVITATIONS_URL && e.valueBoolean === true) ?? false;
  const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_INVITATIONS_URL);
  return { ...org, extension: [...others, { url: PATIENT_INVITATIONS_URL, valueBoolean: !on }] };
};

/** A `$update-profile` request changing the Person's phone number, on the version stored now. */
const profileUpdate = async (w: World, person: string): Promise<Request> => {
  const current = (await stored(w, person)) as Person;
  const telecom = [{ system: 'phone' as const, value: `+61 400 ${Math.floor(Math.random() * 900000 + 100000)}` }];
  return {
    method: 'POST',
    path: `${person}/$update-profile`,
    body: { resourceType: 'Parameters', parameter: [{ name: 'profile', resource: { ...current, telecom } }] },
  };
};

const CELLS: Cell[] = [
  // PractitionerRole: membership and administration come only from the practice's administrators.
  {
    name: 'PractitionerRole: add a practitioner to the practice',
    allowed: ADMINS,
    setup: async (w) => ({
      request: { method: 'POST', path: 'PractitionerRole', body: role(w, await newPractitioner(w)) },
    }),
  },
  {
    name: 'PractitionerRole: add an administrator',
    allowed: ADMINS,
    setup: async (w) => ({
      request: { method: 'POST', path: 'PractitionerRole', body: role(w, await newPractitioner(w), w.practiceX, true) },
    }),
  },
  {
    name: 'PractitionerRole: add anyone to another practice',
    allowed: [],
    setup: async (w) => ({
      request: { method: 'POST', path: 'PractitionerRole', body: role(w, w.ref.pX!, w.practiceY, true) },
    }),
  },
  {
    name: 'PractitionerRole: make a colleague an administrator',
    allowed: ADMINS,
    setup: async (w) => {
      const r = await w.save(role(w, await newPractitioner(w)), w.practiceX);
      return { request: put({ ...r, code: [{ coding: [ADMIN_ROLE] }] }), target: refOf(r) };
    },
  },
  {
    name: "PractitionerRole: end a colleague's membership (active false)",
    allowed: ADMINS,
    setup: async (w) => {
      const r = await w.save(role(w, await newPractitioner(w)), w.practiceX);
      return { request: put({ ...r, active: false }), target: refOf(r) };
    },
  },
  {
    name: "PractitionerRole: delete a colleague's membership",
    allowed: ADMINS,
    setup: async (w) => {
      const r = await w.save(role(w, await newPractitioner(w)), w.practiceX);
      return { request: del(r), target: refOf(r) };
    },
  },
  {
    name: 'PractitionerRole: end one of two administrators',
    allowed: ADMINS,
    setup: async (w) => {
      const r = await w.save(role(w, await newPractitioner(w), w.practiceX, true), w.practiceX);
      return { request: put({ ...r, active: false }), target: refOf(r) };
    },
  },
  // Person: portal links; a practice manages links to its own records only.
  {
    name: 'Person: invite a patient (link an own record)',
    allowed: STAFF,
    setup: async (w) => {
      const p = await newPatient(w);
      return {
        request: {
          method: 'POST',
          path: 'Person',
          body: { resourceType: 'Person', active: true, link: [{ target: { reference: refOf(p) } }] },
        },
      };
    },
  },
  // Person as the patient's own profile (decision 0028): the patient edits its details, never its links.
  {
    name: 'Person: patient A edits her own profile (telecom)',
    allowed: [...STAFF, 'backendX', 'patientA'],
    setup: async (w) => {
      const person = (await stored(w, w.ref.personA!)) as Person;
      return {
        request: put({
          ...person,
          telecom: [{ system: 'phone', value: `+61 400 ${Math.floor(Math.random() * 900000)}` }],
        }),
        target: w.ref.personA!,
      };
    },
  },
  {
    name: "Person: link an own practice's record to patient A's profile (staff; never patient A)",
    allowed: STAFF,
    setup: async (w) => {
      const person = (await stored(w, w.ref.personA!)) as Person;
      const p = await newPatient(w);
      return {
        request: put({ ...person, link: [...(person.link ?? []), { target: { reference: refOf(p) } }] }),
        target: w.ref.personA!,
      };
    },
  },
  {
    name: "Person: edit patient B's profile (practice X's staff; never patient A)",
    allowed: [...STAFF, 'backendX'],
    setup: async (w) => {
      const person = (await stored(w, w.ref.personB!)) as Person;
      return {
        request: put({ ...person, gender: person.gender === 'female' ? 'male' : 'female' }),
        target: w.ref.personB!,
      };
    },
  },
  {
    name: "Person: link another practice's record",
    allowed: [],
    setup: async (w) => {
      const p = await newPatient(w, w.practiceY);
      return {
        request: {
          method: 'POST',
          path: 'Person',
          body: { resourceType: 'Person', active: true, link: [{ target: { reference: refOf(p) } }] },
        },
      };
    },
  },
  {
    name: "Person: remove the own practice's link, keeping another practice's",
    allowed: STAFF,
    setup: async (w) => {
      const [x, y] = [await newPatient(w), await newPatient(w, w.practiceY)];
      const person = await w.save<Person>(
        {
          resourceType: 'Person',
          active: true,
          link: [{ target: { reference: refOf(x) } }, { target: { reference: refOf(y) } }],
        },
        w.practiceX,
      );
      return { request: put({ ...person, link: [{ target: { reference: refOf(y) } }] }), target: refOf(person) };
    },
  },
  {
    name: "Person: remove another practice's link",
    allowed: [],
    setup: async (w) => {
      const [x, y] = [await newPatient(w), await newPatient(w, w.practiceY)];
      const person = await w.save<Person>(
        {
          resourceType: 'Person',
          active: true,
          link: [{ target: { reference: refOf(x) } }, { target: { reference: refOf(y) } }],
        },
        w.practiceX,
      );
      return { request: put({ ...person, link: [{ target: { reference: refOf(x) } }] }), target: refOf(person) };
    },
  },
  {
    name: 'Person: deactivate a person linked at another practice',
    allowed: [],
    setup: async (w) => {
      const person = await w.save<Person>(
        {
          resourceType: 'Person',
          active: true,
          link: [
            { target: { reference: refOf(await newPatient(w)) } },
            { target: { reference: refOf(await newPatient(w, w.practiceY)) } },
          ],
        },
        w.practiceX,
      );
      return { request: put({ ...person, active: false }), target: refOf(person) };
    },
  },
  {
    name: 'Person: delete a person linked only to the own practice',
    allowed: STAFF,
    setup: async (w) => {
      const person = await w.save<Person>(
        { resourceType: 'Person', active: true, link: [{ target: { reference: refOf(await newPatient(w)) } }] },
        w.practiceX,
      );
      return { request: del(person), target: refOf(person) };
    },
  },
  // RelatedPerson of patient A: the practice sets family access up; the patient may end it.
  {
    name: 'RelatedPerson: give a family member access',
    allowed: STAFF,
    setup: async (w) => ({
      request: {
        method: 'POST',
        path: 'RelatedPerson',
        body: {
          resourceType: 'RelatedPerson',
          active: true,
          patient: { reference: w.ref.A! },
          name: [{ family: 'Kin' }],
        },
      },
    }),
  },
  {
    name: "RelatedPerson: extend a family member's access",
    allowed: STAFF,
    setup: async (w) => {
      const r = await w.save<RelatedPerson>(
        {
          resourceType: 'RelatedPerson',
          active: true,
          patient: { reference: w.ref.A! },
          period: { end: '2026-01-01' },
        },
        w.practiceX,
      );
      return { request: put({ ...r, period: { end: '2099-01-01' } }), target: refOf(r) };
    },
  },
  {
    name: "RelatedPerson: end a family member's access (active false)",
    allowed: [...STAFF, 'patientA'],
    setup: async (w) => {
      const r = await w.save<RelatedPerson>(
        { resourceType: 'RelatedPerson', active: true, patient: { reference: w.ref.A! } },
        w.practiceX,
      );
      return { request: put({ ...r, active: false }), target: refOf(r) };
    },
  },
  {
    name: "RelatedPerson: delete a family member's access",
    allowed: [...STAFF, 'patientA'],
    setup: async (w) => {
      const r = await w.save<RelatedPerson>(
        { resourceType: 'RelatedPerson', active: true, patient: { reference: w.ref.A! } },
        w.practiceX,
      );
      return { request: del(r), target: refOf(r) };
    },
  },
  {
    name: 'RelatedPerson: change the terms of the family member M (only staff; never M herself)',
    allowed: STAFF,
    setup: async (w) => {
      const m = (await stored(w, w.ref.M!)) as RelatedPerson;
      return { request: put({ ...m, period: { end: '2099-01-01' } }), target: w.ref.M! };
    },
  },
  // Patient: active, link and managingOrganization are the practice's.
  {
    name: "Patient: close patient A's record (active false): staff, never the patient",
    allowed: [...STAFF, 'backendX'],
    setup: async (w) => {
      const a = (await stored(w, w.ref.A!)) as Patient;
      return { request: put({ ...a, active: false }), target: w.ref.A! };
    },
  },
  {
    name: 'Patient: the patient updates her own phone number (practice X updates automatically)',
    allowed: ['pX', 'adminX', 'managerX', 'appAdminX', 'backendX', 'patientA'],
    setup: async (w) => {
      await setUpdateMode(w, 'automatic');
      const a = (await stored(w, w.ref.A!)) as Patient;
      return {
        request: put({
          ...a,
          telecom: [{ system: 'phone', value: `+61 400 ${Math.floor(Math.random() * 900000 + 100000)}` }],
        }),
        target: w.ref.A!,
      };
    },
  },
  {
    name: 'Patient: the patient updates her own phone number where practice X does not take updates',
    allowed: ['pX', 'adminX', 'managerX', 'appAdminX', 'backendX'],
    setup: async (w) => {
      await setUpdateMode(w, 'disabled');
      const a = (await stored(w, w.ref.A!)) as Patient;
      return { request: put({ ...a, gender: a.gender === 'female' ? 'male' : 'female' }), target: w.ref.A! };
    },
  },
  {
    name: 'Patient: the patient updates her own record where practice X reviews each change',
    allowed: ['pX', 'adminX', 'managerX', 'appAdminX', 'backendX'],
    setup: async (w) => {
      await setUpdateMode(w, 'review');
      const a = (await stored(w, w.ref.A!)) as Patient;
      return { request: put({ ...a, gender: a.gender === 'female' ? 'male' : 'female' }), target: w.ref.A! };
    },
  },
  {
    name: 'Patient: set generalPractitioner on patient A (staff; never the patient, whatever the setting)',
    allowed: [...STAFF, 'backendX'],
    setup: async (w) => {
      await setUpdateMode(w, 'automatic');
      const a = (await stored(w, w.ref.A!)) as Patient;
      return {
        request: put({ ...a, generalPractitioner: [{ reference: `Organization/${w.practiceX}` }] }),
        target: w.ref.A!,
      };
    },
  },
  {
    name: 'Patient: set an identifier on patient A (staff; never the patient, whatever the setting)',
    allowed: [...STAFF, 'backendX'],
    setup: async (w) => {
      await setUpdateMode(w, 'automatic');
      const a = (await stored(w, w.ref.A!)) as Patient;
      return {
        request: put({ ...a, identifier: [{ system: 'urn:x', value: String(Math.random()) }] }),
        target: w.ref.A!,
      };
    },
  },
  // Task patient-update (decision 0028): proposals come from the patient side, decisions from the practice's staff.
  {
    name: "Task patient-update: propose a change to patient A's record (only patient A)",
    allowed: ['patientA'],
    setup: async (w) => {
      await setUpdateMode(w, 'review');
      return { request: { method: 'POST', path: 'Task', body: await proposal(w) } };
    },
  },
  {
    name: "Task patient-update: decide a proposal for patient A's record (only practice X's staff)",
    allowed: [...STAFF, 'backendX'],
    setup: async (w) => {
      await setUpdateMode(w, 'review');
      const task = await w.save(await proposal(w), w.practiceX);
      const decided: Task = {
        ...task,
        status: 'completed',
        output: [{ type: { coding: [{ system: FIELD_SYSTEM, code: 'gender' }] }, valueCode: 'rejected' }],
      };
      return { request: put(decided), target: refOf(task) };
    },
  },
  {
    name: "Task patient-update: change what was proposed for patient A's record (nobody)",
    allowed: [],
    setup: async (w) => {
      await setUpdateMode(w, 'review');
      const task = await w.save(await proposal(w), w.practiceX);
      const input = (task.input ?? []).map((i) => (i.valueString === '"female"' ? { ...i, valueString: '"male"' } : i));
      return { request: put({ ...task, input }), target: refOf(task) };
    },
  },
  {
    name: 'Task patient-update: a proposal for patient BY at practice Y (nobody of practice X, not patient A)',
    allowed: [],
    setup: async (w) => {
      await setUpdateMode(w, 'review', w.practiceY);
      return { request: { method: 'POST', path: 'Task', body: await proposal(w, w.ref.BY!) } };
    },
  },
  // Person/$update-profile (issue #13): the profile is its own account's; the records change only by their settings.
  {
    name: 'Person/$update-profile: patient A saves her profile, her record at X (automatic) gets the change (only patient A)',
    allowed: ['patientA'],
    identities: [...IDENTITIES, 'adminY'],
    setup: async (w) => {
      await setUpdateMode(w, 'automatic');
      return { request: await profileUpdate(w, w.ref.personA!), target: w.ref.personA! };
    },
  },
  {
    name: "Person/$update-profile: patient B's profile (nobody here; patient A is told it does not exist)",
    allowed: [],
    identities: [...IDENTITIES, 'adminY'],
    setup: async (w) => {
      await setUpdateMode(w, 'automatic');
      await setUpdateMode(w, 'automatic', w.practiceY);
      return { request: await profileUpdate(w, w.ref.personB!), target: w.ref.personB! };
    },
  },
  {
    name: "Patient: link an own practice's record",
    allowed: STAFF,
    setup: async (w) => {
      const [p, other] = [await newPatient(w), await newPatient(w)];
      return {
        request: put({ ...p, link: [{ other: { reference: refOf(other) }, type: 'seealso' }] }),
        target: refOf(p),
      };
    },
  },
  {
    name: "Patient: link another practice's record",
    allowed: [],
    setup: async (w) => {
      const [p, other] = [await newPatient(w), await newPatient(w, w.practiceY)];
      return {
        request: put({ ...p, link: [{ other: { reference: refOf(other) }, type: 'seealso' }] }),
        target: refOf(p),
      };
    },
  },
  {
    name: "Patient: delete patient A's record: staff, never the patient",
    allowed: [...STAFF, 'backendX'],
    setup: async (w) => ({ request: { method: 'DELETE', path: w.ref.A! }, target: w.ref.A! }),
  },
  // Organization: the practice's settings (decision 0026) are its administrators'; other fields are staff's.
  {
    name: "Organization: turn the practice's patient invitations on or off",
    allowed: ADMINS,
    identities: [...IDENTITIES, 'adminY'],
    setup: async (w) => {
      const org = await practiceRecord(w);
      return { request: put(toggledInvitations(org)), target: refOf(org) };
    },
  },
  {
    name: "Organization: stop sharing a category by default (the practice's record-sharing defaults)",
    allowed: ADMINS,
    identities: [...IDENTITIES, 'adminY'],
    setup: async (w) => {
      const org = await practiceRecord(w);
      const defaults = (org.extension ?? []).filter((e) => e.url === SHARING_DEFAULT_URL);
      const dropped = defaults.length ? defaults.slice(1) : [{ url: SHARING_DEFAULT_URL, valueCode: 'results' }];
      const others = (org.extension ?? []).filter((e) => e.url !== SHARING_DEFAULT_URL);
      return { request: put({ ...org, extension: [...others, ...dropped] }), target: refOf(org) };
    },
  },
  {
    name: "Organization: change the practice's name, settings unchanged (the ordinary rule)",
    allowed: [...STAFF, 'backendX'],
    identities: [...IDENTITIES, 'adminY'],
    setup: async (w) => {
      const org = await practiceRecord(w);
      return { request: put({ ...org, name: `${org.name ?? 'X'}.` }), target: refOf(org) };
    },
  },
  {
    name: "Organization: change another practice's settings",
    allowed: [],
    setup: async (w) => {
      const org = await practiceRecord(w, w.practiceY);
      return { request: put(toggledInvitations(org)), target: refOf(org) };
    },
  },
  // Consent: future grants; never by a family member, nor an unregistered backend client.
  {
    name: 'Consent: record a consent of the child C',
    allowed: STAFF,
    setup: async (w) => ({
      request: { method: 'POST', path: 'Consent', body: consent(w.ref.C!) },
    }),
  },
  {
    name: 'Consent: record a consent of patient A',
    allowed: [...STAFF, 'patientA'],
    setup: async (w) => ({ request: { method: 'POST', path: 'Consent', body: consent(w.ref.A!) } }),
  },
];

/** Practice X's (or Y's) `patient-updates` setting, set as the server would (decision 0026). */
async function setUpdateMode(w: World, mode: PatientUpdateMode, practiceId = w.practiceX): Promise<void> {
  const org = await practiceRecord(w, practiceId);
  const others = (org.extension ?? []).filter((e) => e.url !== PATIENT_UPDATES_URL);
  await w.server.repo.update({ ...org, extension: [...others, { url: PATIENT_UPDATES_URL, valueCode: mode }] });
}

/** A proposed change of the patient's gender, for the version of their record stored now. */
async function proposal(w: World, patient = w.ref.A!): Promise<Task> {
  const current = (await stored(w, patient)) as Patient;
  const field = (code: string, valueString: string) => ({
    type: { coding: [{ system: FIELD_SYSTEM, code }] },
    valueString,
  });
  return {
    resourceType: 'Task',
    status: 'requested',
    intent: 'proposal',
    code: { coding: [PROPOSAL_CODE] },
    for: { reference: patient },
    input: [field(BASE_VERSION, current.meta?.versionId ?? ''), field('gender', '"female"')],
  };
}

function consent(patient: string): Resource {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: patient },
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
  } as Resource;
}

describe('who may create, change and end what grants access (docs/security.md), cell by cell', () => {
  let w: World;
  before(async () => {
    w = await buildWorld();
  });
  after(() => w?.close());

  for (const cell of CELLS) {
    it(cell.name, async () => {
      for (const who of cell.identities ?? IDENTITIES) {
        const patientA = await stored(w, w.ref.A!);
        const { request, target } = await cell.setup(w);
        const type = request.path.split('/')[0]!;
        const countBefore = await count(w, type);
        const versionBefore = target ? (await stored(w, target))?.meta?.versionId : undefined;
        const res = await fhirFetch(`${w.server.fhirUrl}/${request.path}`, {
          ...w.as(who),
          method: request.method,
          ...(request.body ? { body: request.body } : {}),
        });
        const label = `${who}: ${request.method} ${type} → ${res.status} ${JSON.stringify(res.body?.issue?.[0]?.details?.text ?? '')}`;
        const after = target ? await stored(w, target) : undefined;
        if (cell.allowed.includes(who)) {
          assert.ok(res.status >= 200 && res.status < 300, label);
          // An operation (`Person/[id]/$update-profile`) changes its target; a plain POST creates one.
          if (request.method === 'POST' && !request.path.includes('/$'))
            assert.equal(await count(w, type), countBefore + 1, `${label}: stored`);
          else if (request.method === 'DELETE') assert.equal(after, undefined, `${label}: deleted`);
          else assert.notEqual(after?.meta?.versionId, versionBefore, `${label}: changed`);
        } else if (request.method === 'DELETE' && res.status < 300) {
          // A delete of a resource the caller cannot see answers like one of a missing id (FHIR: 200).
          assert.equal(
            (await fhirFetch(`${w.server.fhirUrl}/${request.path}`, w.as(who))).status,
            404,
            `${label}: only for what the caller cannot see`,
          );
          assert.equal(after?.meta?.versionId, versionBefore, `${label}: not deleted`);
        } else {
          assert.ok([403, 404, 409, 422].includes(res.status), label);
          assert.equal(await count(w, type), countBefore, `${label}: nothing created`);
          if (target) assert.equal(after?.meta?.versionId, versionBefore, `${label}: unchanged`);
        }
        // Patient A is shared by the cells: an allowed change to it is undone for the next identity.
        if (target === w.ref.A && cell.allowed.includes(who)) await w.server.repo.update(patientA!);
      }
    });
  }
});

async function count(w: World, resourceType: string): Promise<number> {
  return (await w.server.repo.search({ resourceType, filters: [], sort: [], count: 1, total: 'accurate' })).total ?? 0;
}
