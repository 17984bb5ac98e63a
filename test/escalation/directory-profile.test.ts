import assert from 'node:assert/strict';
import type { Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_LISTED } from '../../server/access/access-index.ts';
import { ADMIN_ROLE } from '../../server/access/grants/practice-roles.ts';
import { buildWorld, fhirFetch, stored } from './world.ts';
import type { Who, World } from './world.ts';

/**
 * Who edits a practitioner's directory profile (issue #13, directory-profile-rule.ts), cell by cell:
 * the practitioner their own Practitioner and their own roles' directory fields; the practice's
 * administrators (and its access-managing client) anyone's; nobody else — not a colleague, not a
 * plain backend client for roles, not a patient. The listed mark is stored exactly when the write
 * is allowed.
 */
const IDENTITIES: Who[] = ['pX', 'adminX', 'adminY', 'patientA', 'familyM', 'backendX', 'managerX', 'appAdminX'];
const EXT = 'https://patient-portal.example.org/fhir/StructureDefinition/';

interface Cell {
  name: string;
  allowed: Who[];
  target: (w: World) => string;
  change: (r: Resource) => Resource;
}

const listed = (r: Resource): Resource => ({
  ...r,
  meta: {
    ...r.meta,
    tag: [...(r.meta?.tag ?? []).filter((t) => t.system !== DIRECTORY_LISTED.system), DIRECTORY_LISTED],
  },
});
const profile = (r: Resource): Resource =>
  listed({
    ...(r as Practitioner),
    communication: [{ coding: [{ system: 'urn:ietf:bcp:47', code: `fr-${Math.random().toString(36).slice(2, 4)}` }] }],
  } as Resource);
const services = (r: Resource): Resource =>
  listed({
    ...(r as PractitionerRole),
    specialty: [{ coding: [{ system: 'http://snomed.info/sct', code: '394814009' }] }],
    extension: [{ url: `${EXT}home-visits`, valueBoolean: !(r as PractitionerRole).extension?.[0]?.valueBoolean }],
  } as Resource);

const CELLS: Cell[] = [
  {
    name: 'a practitioner edits their own profile and lists it',
    allowed: ['pX', 'adminX', 'backendX', 'managerX', 'appAdminX'],
    target: (w) => w.ref.pX!,
    change: profile,
  },
  {
    name: "a colleague's profile: only the practice's administrators",
    allowed: ['adminX', 'backendX', 'managerX', 'appAdminX'],
    target: (w) => w.ref.colleagueX!,
    change: profile,
  },
  {
    name: "a practitioner edits their own role's services and home visits",
    allowed: ['pX', 'adminX', 'managerX', 'appAdminX'],
    target: (w) => w.ref.pXRole!,
    change: services,
  },
  {
    name: "a colleague's role's services: only the practice's administrators",
    allowed: ['adminX', 'managerX', 'appAdminX'],
    target: (w) => w.ref.colleagueXRole!,
    change: services,
  },
  {
    name: 'a practitioner never makes their own role an administrator through the profile',
    allowed: ['adminX', 'managerX', 'appAdminX'],
    target: (w) => w.ref.pXRole!,
    change: (r) => ({ ...services(r), code: [{ coding: [ADMIN_ROLE] }] }) as Resource,
  },
];

describe("who edits a practitioner's directory profile, cell by cell", () => {
  let w: World;
  before(async () => {
    w = await buildWorld();
  });
  after(() => w?.close());

  for (const cell of CELLS) {
    it(cell.name, async () => {
      const target = cell.target(w);
      const original = (await stored(w, target))!;
      for (const who of IDENTITIES) {
        // Each identity starts from the record as it was (unlisted, not an administrator).
        const tag = (original.meta?.tag ?? []).filter((t) => t.system !== DIRECTORY_LISTED.system);
        await w.server.repo.update({ ...original, meta: { ...original.meta, tag, versionId: undefined } } as Resource);
        const current = (await stored(w, target))!;
        const res = await fhirFetch(`${w.server.fhirUrl}/${target}`, {
          ...w.as(who),
          method: 'PUT',
          body: cell.change(current),
        });
        const afterWrite = (await stored(w, target))!;
        const label = `${who}: PUT ${target} → ${res.status} ${JSON.stringify(res.body?.issue?.[0]?.details?.text ?? '')}`;
        const isListed = (afterWrite.meta?.tag ?? []).some(
          (t) => t.system === DIRECTORY_LISTED.system && t.code === DIRECTORY_LISTED.code,
        );
        if (cell.allowed.includes(who)) {
          assert.equal(res.status, 200, label);
          assert.notEqual(afterWrite.meta?.versionId, current.meta?.versionId, `${label}: changed`);
          assert.ok(isListed, `${label}: listed`);
        } else {
          assert.ok([401, 403, 404].includes(res.status), label);
          assert.equal(afterWrite.meta?.versionId, current.meta?.versionId, `${label}: unchanged`);
          assert.ok(!isListed, `${label}: not listed`);
        }
      }
    });
  }
});
