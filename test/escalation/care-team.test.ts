import assert from 'node:assert/strict';
import type { CareTeam, Resource } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { PATIENT_CHOSEN } from '../../server/access/grants/care-team-rule.ts';
import { buildWorld, fhirFetch, stored } from './world.ts';
import type { Who, World } from './world.ts';

/**
 * "My practitioners" (decision 0030), cell by cell: a patient-chosen CareTeam is created, changed
 * and deleted only by the patient it is about (or the family member acting for them), never with
 * another patient's record as subject or member; the practice's staff read it but never write it;
 * a patient never writes the practice's own care teams. Every cell starts from records made for it.
 */
const IDENTITIES: Who[] = ['pX', 'adminX', 'adminY', 'patientA', 'familyM', 'backendX', 'managerX', 'appAdminX'];
const STAFF_X: Who[] = ['pX', 'adminX', 'backendX', 'managerX', 'appAdminX'];

interface Request {
  method: 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: Resource;
}
interface Cell {
  name: string;
  allowed: Who[];
  setup(w: World): Promise<{ request: Request; target?: string }>;
}

const chosenList = (subject: string, members: string[]): CareTeam => ({
  resourceType: 'CareTeam',
  status: 'active',
  category: [{ coding: [PATIENT_CHOSEN] }],
  subject: { reference: subject },
  participant: members.map((m) => ({ member: { reference: m } })),
});
const practiceTeam = (subject: string): CareTeam => ({
  resourceType: 'CareTeam',
  status: 'active',
  name: 'Diabetes team',
  subject: { reference: subject },
});
const refOf = (r: Resource) => `${r.resourceType}/${r.id}`;

const CELLS: Cell[] = [
  {
    name: 'create my own list',
    allowed: ['patientA'],
    setup: async (w) => ({ request: { method: 'POST', path: 'CareTeam', body: chosenList(w.ref.A!, [w.ref.pX!]) } }),
  },
  {
    name: "create my child's list (family access)",
    allowed: ['familyM'],
    setup: async (w) => ({ request: { method: 'POST', path: 'CareTeam', body: chosenList(w.ref.C!, [w.ref.pX!]) } }),
  },
  {
    name: "create a list about another patient's record",
    allowed: [],
    setup: async (w) => ({ request: { method: 'POST', path: 'CareTeam', body: chosenList(w.ref.BX!, [w.ref.pX!]) } }),
  },
  {
    name: "put another patient's record in my list as a member",
    allowed: [],
    setup: async (w) => ({
      request: { method: 'POST', path: 'CareTeam', body: chosenList(w.ref.A!, [w.ref.pX!, w.ref.BX!]) },
    }),
  },
  {
    name: 'add a practitioner to my list',
    allowed: ['patientA'],
    setup: async (w) => {
      const team = await w.save(chosenList(w.ref.A!, [w.ref.pX!]), w.practiceX);
      return {
        request: {
          method: 'PUT',
          path: refOf(team),
          body: { ...team, ...chosenList(w.ref.A!, [w.ref.pX!, w.ref.adminY!]) },
        },
        target: refOf(team),
      };
    },
  },
  {
    name: 'move my list to another patient',
    allowed: [],
    setup: async (w) => {
      const team = await w.save(chosenList(w.ref.A!, [w.ref.pX!]), w.practiceX);
      return {
        request: { method: 'PUT', path: refOf(team), body: { ...team, subject: { reference: w.ref.BX! } } },
        target: refOf(team),
      };
    },
  },
  {
    name: 'delete my list',
    allowed: ['patientA'],
    setup: async (w) => {
      const team = await w.save(chosenList(w.ref.A!, [w.ref.pX!]), w.practiceX);
      return { request: { method: 'DELETE', path: refOf(team) }, target: refOf(team) };
    },
  },
  {
    name: "the practice's own care team: created by its staff only",
    allowed: STAFF_X,
    setup: async (w) => ({ request: { method: 'POST', path: 'CareTeam', body: practiceTeam(w.ref.A!) } }),
  },
  {
    name: "the practice's own care team: never turned into the patient's list",
    allowed: [],
    setup: async (w) => {
      const team = await w.save(practiceTeam(w.ref.A!), w.practiceX);
      return {
        request: { method: 'PUT', path: refOf(team), body: { ...team, category: [{ coding: [PATIENT_CHOSEN] }] } },
        target: refOf(team),
      };
    },
  },
];

describe("a patient's own list of practitioners (CareTeam, decision 0030), cell by cell", () => {
  let w: World;
  before(async () => {
    w = await buildWorld();
  });
  after(() => w?.close());

  for (const cell of CELLS) {
    it(cell.name, async () => {
      for (const who of IDENTITIES) {
        const { request, target } = await cell.setup(w);
        const countBefore = await count(w);
        const versionBefore = target ? (await stored(w, target))?.meta?.versionId : undefined;
        const res = await fhirFetch(`${w.server.fhirUrl}/${request.path}`, {
          ...w.as(who),
          method: request.method,
          ...(request.body ? { body: request.body } : {}),
        });
        const label = `${who}: ${request.method} CareTeam → ${res.status} ${JSON.stringify(res.body?.issue?.[0]?.details?.text ?? '')}`;
        const afterWrite = target ? await stored(w, target) : undefined;
        if (cell.allowed.includes(who)) {
          assert.ok(res.status >= 200 && res.status < 300, label);
          if (request.method === 'POST') assert.equal(await count(w), countBefore + 1, `${label}: stored`);
          else if (request.method === 'DELETE') assert.equal(afterWrite, undefined, `${label}: deleted`);
          else assert.notEqual(afterWrite?.meta?.versionId, versionBefore, `${label}: changed`);
        } else if (request.method === 'DELETE' && res.status < 300) {
          // A delete of what the caller cannot see answers like one of a missing id.
          assert.equal((await fhirFetch(`${w.server.fhirUrl}/${request.path}`, w.as(who))).status, 404, label);
          assert.equal(afterWrite?.meta?.versionId, versionBefore, `${label}: not deleted`);
        } else {
          assert.ok([403, 404, 422].includes(res.status), label);
          assert.equal(await count(w), countBefore, `${label}: nothing created`);
          if (target) assert.equal(afterWrite?.meta?.versionId, versionBefore, `${label}: unchanged`);
        }
      }
    });
  }

  it("the list is read by the patient and their practice's staff, by nobody else", async () => {
    const created = await fhirFetch(`${w.server.fhirUrl}/CareTeam`, {
      ...w.as('patientA'),
      method: 'POST',
      body: chosenList(w.ref.A!, [w.ref.pX!]),
    });
    assert.equal(created.status, 201);
    const path = `CareTeam/${created.body.id}`;
    const readers: Who[] = ['patientA', ...STAFF_X];
    for (const who of IDENTITIES) {
      const read = await fhirFetch(`${w.server.fhirUrl}/${path}`, w.as(who));
      assert.equal(read.status, readers.includes(who) ? 200 : 404, `${who} reads ${path}`);
      const found = await fhirFetch(
        `${w.server.fhirUrl}/CareTeam?category=${encodeURIComponent(`${PATIENT_CHOSEN.system}|${PATIENT_CHOSEN.code}`)}&_count=200`,
        w.as(who),
      );
      const ids = (found.body.entry ?? []).map((e: any) => e.resource.id);
      assert.equal(ids.includes(created.body.id), readers.includes(who), `${who} searches`);
    }
  });
});

async function count(w: World): Promise<number> {
  return (
    (await w.server.repo.search({ resourceType: 'CareTeam', filters: [], sort: [], count: 1, total: 'accurate' }))
      .total ?? 0
  );
}
