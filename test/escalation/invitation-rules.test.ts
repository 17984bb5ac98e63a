import assert from 'node:assert/strict';
import type { Organization, Patient, Resource, Task } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { INVITATION_CODE, PORTAL_TASKS_SYSTEM } from '../../server/access/grants/invitation-rule.ts';
import { PATIENT_INVITATIONS_URL } from '../../server/access/practice-settings.ts';
import { buildWorld, fhirFetch, stored } from './world.ts';
import type { Who, World } from './world.ts';

/**
 * The portal invitation's rules (docs/security.md, decision 0029), cell by cell: a portal-invitation
 * Task grants access once accepted, so nobody writes one through the API (create, forge a completed
 * one, cancel or prolong by PUT, delete, turn an ordinary Task into one), and only staff of the
 * patient's practice (its practitioners, an app acting for one with write scopes, its backend client
 * registered to manage access) invite or revoke through `$invite` / `$uninvite`. Refused: the store
 * is unchanged.
 */
const IDENTITIES: Who[] = [
  'pX',
  'adminX',
  'adminY',
  'patientA',
  'familyM',
  'backendX',
  'managerX',
  'appAdminX',
  'appAdminXRead',
];
const STAFF: Who[] = ['pX', 'adminX', 'managerX', 'appAdminX'];

interface Cell {
  name: string;
  allowed: Who[];
  setup(w: World): Promise<{ method: 'POST' | 'PUT' | 'DELETE'; path: string; body?: Resource; target?: string }>;
}

const invitationTask = (w: World, patient: string, status: Task['status'] = 'requested'): Task => ({
  resourceType: 'Task',
  status,
  intent: 'proposal',
  code: { coding: [{ system: PORTAL_TASKS_SYSTEM, code: INVITATION_CODE }] },
  for: { reference: patient },
  owner: { reference: `Organization/${w.practiceX}` },
  restriction: { period: { end: '2099-01-01T00:00:00Z' } },
});
const newPatient = async (w: World) =>
  w.save<Patient>(
    { resourceType: 'Patient', name: [{ family: 'Cell' }], telecom: [{ system: 'email', value: 'cell@example.org' }] },
    w.practiceX,
  );
/** A pending invitation made by the server, as $invite would. */
const pending = (w: World, patient: string) => w.save(invitationTask(w, patient), w.practiceX);

const CELLS: Cell[] = [
  {
    name: 'Task: create a portal invitation directly',
    allowed: [],
    setup: async (w) => ({ method: 'POST', path: 'Task', body: invitationTask(w, w.ref.A!) }),
  },
  {
    name: 'Task: forge a completed (accepted) invitation',
    allowed: [],
    setup: async (w) => ({ method: 'POST', path: 'Task', body: invitationTask(w, w.ref.A!, 'completed') }),
  },
  {
    name: 'Task: complete a pending invitation by PUT',
    allowed: [],
    setup: async (w) => {
      const t = await pending(w, w.ref.A!);
      return { method: 'PUT', path: `Task/${t.id}`, body: { ...t, status: 'completed' }, target: `Task/${t.id}` };
    },
  },
  {
    name: 'Task: cancel a pending invitation by PUT (revoke is $uninvite)',
    allowed: [],
    setup: async (w) => {
      const t = await pending(w, w.ref.A!);
      return { method: 'PUT', path: `Task/${t.id}`, body: { ...t, status: 'cancelled' }, target: `Task/${t.id}` };
    },
  },
  {
    name: "Task: prolong an invitation's expiry",
    allowed: [],
    setup: async (w) => {
      const t = await pending(w, w.ref.A!);
      const body = { ...t, restriction: { period: { end: '2199-01-01T00:00:00Z' } } };
      return { method: 'PUT', path: `Task/${t.id}`, body, target: `Task/${t.id}` };
    },
  },
  {
    name: 'Task: turn an ordinary Task into an invitation',
    allowed: [],
    setup: async (w) => {
      const t = await w.save<Task>(
        { resourceType: 'Task', status: 'requested', intent: 'order', for: { reference: w.ref.A! } },
        w.practiceX,
      );
      const body = { ...invitationTask(w, w.ref.A!), id: t.id };
      return { method: 'PUT', path: `Task/${t.id}`, body, target: `Task/${t.id}` };
    },
  },
  {
    name: 'Task: delete a pending invitation',
    allowed: [],
    setup: async (w) => {
      const t = await pending(w, w.ref.A!);
      return { method: 'DELETE', path: `Task/${t.id}`, target: `Task/${t.id}` };
    },
  },
  {
    name: 'Patient/$invite: invite a patient of practice X',
    allowed: STAFF,
    setup: async (w) => ({ method: 'POST', path: `Patient/${(await newPatient(w)).id}/$invite` }),
  },
  {
    name: 'Patient/$uninvite: revoke the pending invitation of a patient of practice X',
    allowed: STAFF,
    setup: async (w) => {
      const p = await newPatient(w);
      const t = await pending(w, `Patient/${p.id}`);
      return { method: 'POST', path: `Patient/${p.id}/$uninvite`, target: `Task/${t.id}` };
    },
  },
  {
    name: 'Patient/$invite: patient A (their own record: staff may, A may not)',
    allowed: STAFF,
    setup: async (w) => ({ method: 'POST', path: `${w.ref.A!}/$invite` }),
  },
];

describe('who may invite to the portal and write invitations (decision 0029), cell by cell', () => {
  let w: World;
  before(async () => {
    w = await buildWorld();
    const org = await w.server.repo.read<Organization>('Organization', w.practiceX);
    await w.server.repo.update({ ...org, extension: [{ url: PATIENT_INVITATIONS_URL, valueBoolean: true }] });
    const a = await w.server.repo.read<Patient>('Patient', w.ref.A!.split('/')[1]!);
    await w.server.repo.update({ ...a, telecom: [{ system: 'email', value: 'a@example.org' }] });
  });
  after(() => w?.close());

  for (const cell of CELLS) {
    it(cell.name, async () => {
      for (const who of IDENTITIES) {
        const { method, path, body, target } = await cell.setup(w);
        const tasksBefore = await count(w);
        const versionBefore = target ? (await stored(w, target))?.meta?.versionId : undefined;
        const res = await fhirFetch(`${w.server.fhirUrl}/${path}`, { ...w.as(who), method, ...(body ? { body } : {}) });
        const label = `${who}: ${method} ${path} → ${res.status} ${JSON.stringify(res.body?.issue?.[0]?.details?.text ?? '')}`;
        const afterVersion = target ? (await stored(w, target))?.meta?.versionId : undefined;
        if (cell.allowed.includes(who)) {
          assert.equal(res.status, 200, label);
          if (target) assert.notEqual(afterVersion, versionBefore, `${label}: changed`);
          else assert.equal(await count(w), tasksBefore + 1, `${label}: an invitation stored`);
        } else {
          assert.ok([403, 404].includes(res.status) || (method === 'DELETE' && res.status < 300), label);
          assert.equal(await count(w), tasksBefore, `${label}: nothing created`);
          if (target) assert.equal(afterVersion, versionBefore, `${label}: unchanged`);
        }
      }
    });
  }
});

async function count(w: World): Promise<number> {
  return (
    (await w.server.repo.search({ resourceType: 'Task', filters: [], sort: [], count: 1, total: 'accurate' })).total ??
    0
  );
}
