import assert from 'node:assert/strict';
import type { Patient, Person, PractitionerRole, RelatedPerson } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { ADMIN_ROLE } from '../../server/access/grants/practice-roles.ts';
import { MINOR_PROXY_AGE_URL } from '../../server/access/grants/family-terms.ts';
import { buildWorld, fhirFetch, stored } from './world.ts';
import type { World } from './world.ts';

/**
 * Issue 9's findings, each reproduced as the attacker did it (over HTTP, real tokens) and shown
 * refused, with nothing stored. Findings 5 (password reset), 8 (fuzzing), 9 and 10 (error pages,
 * anonymous requests) have their own files in this folder and test/fuzz.
 */
describe('escalation findings of issue 9', () => {
  let w: World;
  const F = () => w.server.fhirUrl;
  before(async () => {
    w = await buildWorld();
  });
  after(() => w?.close());

  const versionOf = async (reference: string) => (await stored(w, reference))?.meta?.versionId;

  it('1. a practitioner cannot make himself a member or administrator of another practice', async () => {
    const role = {
      resourceType: 'PractitionerRole',
      practitioner: { reference: w.ref.pX },
      organization: { reference: `Organization/${w.practiceY}` },
      code: [{ coding: [ADMIN_ROLE] }],
    };
    for (const who of ['pX', 'adminX', 'backendX', 'managerX'] as const) {
      const res = await fhirFetch(`${F()}/PractitionerRole`, { ...w.as(who), method: 'POST', body: role });
      assert.equal(res.status, 403, `${who}: ${JSON.stringify(res.body)}`);
      const viaTransaction = await fhirFetch(F(), {
        ...w.as(who),
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: role, request: { method: 'POST', url: 'PractitionerRole' } }],
        },
      });
      assert.equal(viaTransaction.status, 403, `${who} in a transaction`);
    }
    const roles = await w.server.repo.search({
      resourceType: 'PractitionerRole',
      filters: [{ kind: 'reference', param: 'organization', any: [{ target: `Organization/${w.practiceY}` }] }],
      sort: [],
      count: 100,
      total: 'none',
    });
    assert.deepEqual(
      roles.versions.map((v) => `PractitionerRole/${v.id}`),
      [w.ref.adminYRole],
      'Y still has only its own administrator',
    );
    assert.equal((await fhirFetch(`${F()}/${w.ref.BY}`, w.as('pX'))).status, 404, "Y's patients stay out of reach");
    const clients = await fetch(`${w.server.baseUrl}/api/practices/${w.practiceY}/clients`, w.as('pX'));
    assert.equal(clients.status, 404, "Y's apps stay out of reach");
  });

  it("2. a non-administrator cannot promote himself, nor end a colleague's or the administrator's role", async () => {
    const own = (await stored(w, w.ref.pXRole)) as PractitionerRole;
    const promoted = { ...own, code: [{ coding: [ADMIN_ROLE] }] };
    assert.equal(
      (await fhirFetch(`${F()}/${w.ref.pXRole}`, { ...w.as('pX'), method: 'PUT', body: promoted })).status,
      403,
    );
    const patch = await fhirFetch(`${F()}/${w.ref.pXRole}`, {
      ...w.as('pX'),
      method: 'PATCH',
      body: [{ op: 'add', path: '/code', value: [{ coding: [ADMIN_ROLE] }] }],
      headers: { ...w.as('pX').headers, 'content-type': 'application/json-patch+json' },
    });
    assert.equal(patch.status, 403, `PATCH: ${JSON.stringify(patch.body)}`);
    const conditional = await fhirFetch(`${F()}/PractitionerRole?practitioner=${w.ref.pX}`, {
      ...w.as('pX'),
      method: 'PUT',
      body: { ...promoted, id: undefined },
    });
    assert.equal(conditional.status, 403, 'conditional update');
    for (const target of ['adminXRole', 'colleagueXRole']) {
      const role = (await stored(w, w.ref[target]!)) as PractitionerRole;
      const res = await fhirFetch(`${F()}/${w.ref[target]}`, {
        ...w.as('pX'),
        method: 'PUT',
        body: { ...role, active: false },
      });
      assert.equal(res.status, 403, target);
      assert.equal(
        (await fhirFetch(`${F()}/${w.ref[target]}`, { ...w.as('pX'), method: 'DELETE' })).status,
        403,
        `delete ${target}`,
      );
    }
    for (const target of ['pXRole', 'adminXRole', 'colleagueXRole'])
      assert.equal(await versionOf(w.ref[target]!), '1', `${target} unchanged`);
    assert.equal(
      (await fetch(`${w.server.baseUrl}/api/practices/${w.practiceX}/clients`, w.as('pX'))).status,
      403,
      'still no administration',
    );
  });

  it('2b. the last administrator of a practice cannot be removed, by herself or anyone', async () => {
    const role = (await stored(w, w.ref.adminXRole)) as PractitionerRole;
    const demoted = await fhirFetch(`${F()}/${w.ref.adminXRole}`, {
      ...w.as('adminX'),
      method: 'PUT',
      body: { ...role, code: [] },
    });
    assert.equal(demoted.status, 409, JSON.stringify(demoted.body));
    assert.equal((await fhirFetch(`${F()}/${w.ref.adminXRole}`, { ...w.as('adminX'), method: 'DELETE' })).status, 409);
    assert.equal(
      (
        await fhirFetch(`${F()}/${w.ref.adminXRole}`, {
          ...w.as('managerX'),
          method: 'PUT',
          body: { ...role, active: false },
        })
      ).status,
      409,
    );
    assert.equal(await versionOf(w.ref.adminXRole), '1');
  });

  it('3. a patient can neither change nor delete what also concerns another patient', async () => {
    const appointment = await w.save(
      {
        resourceType: 'Appointment',
        status: 'booked',
        start: '2026-12-20T09:00:00Z',
        end: '2026-12-20T09:30:00Z',
        participant: [
          { actor: { reference: w.ref.A }, status: 'accepted' },
          { actor: { reference: w.ref.BX }, status: 'accepted' },
        ],
      },
      w.practiceX,
    );
    const ref = `Appointment/${appointment.id}`;
    assert.equal((await fhirFetch(`${F()}/${ref}`, w.as('patientA'))).status, 200, 'A sees the group appointment');
    assert.equal(
      (
        await fhirFetch(`${F()}/${ref}`, {
          ...w.as('patientA'),
          method: 'PUT',
          body: { ...appointment, status: 'cancelled' },
        })
      ).status,
      403,
    );
    assert.equal((await fhirFetch(`${F()}/${ref}`, { ...w.as('patientA'), method: 'DELETE' })).status, 403);
    assert.equal(
      (await fhirFetch(`${F()}/Appointment?_id=${appointment.id}`, { ...w.as('patientA'), method: 'DELETE' })).status,
      403,
    );
    assert.equal(await versionOf(ref), '1', 'the appointment is untouched');

    const observation = await w.save(
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: "B's reading" },
        subject: { reference: w.ref.BX },
        performer: [{ reference: w.ref.A }],
      },
      w.practiceX,
    );
    const obsRef = `Observation/${observation.id}`;
    const conditional = await fhirFetch(`${F()}/Observation?patient=${w.ref.BX}`, {
      ...w.as('patientA'),
      method: 'DELETE',
    });
    assert.equal(conditional.status, 403, `conditional delete: ${JSON.stringify(conditional.body)}`);
    assert.equal((await fhirFetch(`${F()}/${obsRef}`, { ...w.as('patientA'), method: 'DELETE' })).status, 403);
    const batch = await fhirFetch(F(), {
      ...w.as('patientA'),
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'DELETE', url: obsRef } }] },
    });
    assert.equal(batch.body.entry[0].response.status.split(' ')[0], '403', 'batch delete');
    assert.equal(await versionOf(obsRef), '1', "B's observation is untouched");
  });

  it("4. versions are authorized on their own content: a re-filed record's past stays with its first patient", async () => {
    const obs = await w.save(
      {
        resourceType: 'Observation',
        status: 'final',
        code: { text: "A's secret result" },
        subject: { reference: w.ref.A },
      },
      w.practiceX,
    );
    const ref = `Observation/${obs.id}`;
    const refiled = await fhirFetch(`${F()}/${ref}`, {
      ...w.as('pX'),
      method: 'PUT',
      body: { ...obs, code: { text: "B's result" }, subject: { reference: w.ref.BX } },
    });
    assert.equal(refiled.status, 200);
    const B = { headers: { authorization: `Bearer ${await patientBToken(w)}` } };
    assert.equal((await fhirFetch(`${F()}/${ref}`, B)).status, 200, 'B reads the current version');
    assert.equal((await fhirFetch(`${F()}/${ref}/_history/2`, B)).status, 200);
    assert.equal((await fhirFetch(`${F()}/${ref}/_history/1`, B)).status, 404, "vread of A's version");
    const instance = await fhirFetch(`${F()}/${ref}/_history`, B);
    assert.deepEqual(
      instance.body.entry.map((e: any) => e.resource.meta.versionId),
      ['2'],
      'instance history',
    );
    const type = await fhirFetch(`${F()}/Observation/_history?_count=100`, B);
    const mine = type.body.entry.filter((e: any) => e.resource?.id === obs.id);
    assert.deepEqual(
      mine.map((e: any) => e.resource.meta.versionId),
      ['2'],
      'type history',
    );
    const system = await fhirFetch(`${F()}/_history?_count=100`, B);
    assert.equal(system.status, 200);
    assert.ok(
      system.body.entry.some((e: any) => e.resource?.id === obs.id),
      "system history shows B's version",
    );
    assert.ok(!JSON.stringify(system.body).includes("A's secret result"), 'system history');
    // The page is filled past hidden versions: _count=1 still finds B's version.
    const first = await fhirFetch(`${F()}/Observation/_history?_count=1`, B);
    assert.equal(first.body.entry.length, 1);
    assert.equal(
      (await fhirFetch(`${F()}/${ref}/_history/1`, w.as('patientA'))).status,
      404,
      'and A no longer reads the record at all',
    );
    assert.equal(
      (await fhirFetch(`${F()}/${ref}/_history/1`, w.as('pX'))).status,
      200,
      'the practice keeps its whole history',
    );
  });

  it('6. family access ends with its terms, and the family member cannot rewrite them', async () => {
    const canRead = async () => (await fhirFetch(`${F()}/${w.ref.C}`, w.as('familyM'))).status === 200;
    const M = (await stored(w, w.ref.M)) as RelatedPerson;
    const C = (await stored(w, w.ref.C)) as Patient;
    assert.equal(await canRead(), true, "the mother reads her 10-year-old's record");

    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await w.server.repo.update({ ...M, period: { end: yesterday } });
    assert.equal(await canRead(), false, 'after RelatedPerson.period.end');
    const search = await fhirFetch(`${F()}/Observation?patient=${w.ref.C}`, w.as('familyM'));
    assert.equal(search.body.entry?.length ?? 0, 0);
    await w.server.repo.update({ ...M, period: { start: '2001-01-01' } });
    assert.equal(await canRead(), true, 'an open period');

    const eighteen = new Date(
      Date.UTC(new Date().getUTCFullYear() - 18, new Date().getUTCMonth(), new Date().getUTCDate() - 1),
    )
      .toISOString()
      .slice(0, 10);
    await w.server.repo.update({ ...C, birthDate: eighteen });
    assert.equal(await canRead(), false, 'the child turned 18');
    await w.server.repo.update({ ...C, birthDate: C.birthDate });

    const practice = await w.server.repo.read('Organization', w.practiceX);
    await w.server.repo.update({ ...practice, extension: [{ url: MINOR_PROXY_AGE_URL, valueUnsignedInt: 9 }] });
    assert.equal(await canRead(), false, "the practice ends parents' access at 9");
    await w.server.repo.update({ ...practice, extension: [] });
    assert.equal(await canRead(), true);

    const current = (await stored(w, w.ref.M)) as RelatedPerson;
    const extend = await fhirFetch(`${F()}/${w.ref.M}`, {
      ...w.as('familyM'),
      method: 'PUT',
      body: { ...current, period: { start: '2001-01-01', end: '2099-12-31' }, relationship: [] },
    });
    assert.equal(extend.status, 403, JSON.stringify(extend.body));
    const patch = await fhirFetch(`${F()}/${w.ref.M}`, {
      ...w.as('familyM'),
      method: 'PATCH',
      body: [{ op: 'remove', path: '/relationship' }],
      headers: { ...w.as('familyM').headers, 'content-type': 'application/json-patch+json' },
    });
    assert.equal(patch.status, 403);
    assert.equal((await fhirFetch(`${F()}/${w.ref.M}`, { ...w.as('familyM'), method: 'DELETE' })).status, 403);
    assert.equal(await versionOf(w.ref.M), current.meta?.versionId, 'her terms are unchanged');
  });

  it("7. a practice cannot cut another practice's portal link of a shared patient", async () => {
    const person = (await stored(w, w.ref.personB)) as Person;
    const onlyX = { ...person, link: [{ target: { reference: w.ref.BX } }] };
    assert.equal(
      (await fhirFetch(`${F()}/${w.ref.personB}`, { ...w.as('pX'), method: 'PUT', body: onlyX })).status,
      403,
    );
    assert.equal(
      (await fhirFetch(`${F()}/${w.ref.personB}`, { ...w.as('managerX'), method: 'PUT', body: onlyX })).status,
      403,
    );
    assert.equal(
      (
        await fhirFetch(`${F()}/${w.ref.personB}`, {
          ...w.as('adminX'),
          method: 'PUT',
          body: { ...person, active: false },
        })
      ).status,
      403,
    );
    assert.equal((await fhirFetch(`${F()}/${w.ref.personB}`, { ...w.as('adminX'), method: 'DELETE' })).status, 403);
    const patch = await fhirFetch(`${F()}/${w.ref.personB}`, {
      ...w.as('pX'),
      method: 'PATCH',
      body: [{ op: 'remove', path: '/link/1' }],
      headers: { ...w.as('pX').headers, 'content-type': 'application/json-patch+json' },
    });
    assert.equal(patch.status, 403);
    assert.equal(await versionOf(w.ref.personB), '1', 'both links kept');
    const B = { headers: { authorization: `Bearer ${await patientBToken(w)}` } };
    assert.equal((await fhirFetch(`${F()}/${w.ref.BY}`, B)).status, 200, 'B still reaches her record at Y');
    // X may still manage its own link (keeping Y's exactly).
    const onlyY = await fhirFetch(`${F()}/${w.ref.personB}`, {
      ...w.as('pX'),
      method: 'PUT',
      body: { ...person, link: [{ target: { reference: w.ref.BY } }] },
    });
    assert.equal(onlyY.status, 200, JSON.stringify(onlyY.body));
    await w.server.repo.update(person);
  });
});

let patientB: Promise<string> | undefined;
/** A token of patient B (Person personB), signed up lazily: only findings 4 and 7 need her. */
function patientBToken(w: World): Promise<string> {
  patientB ??= (async () => {
    const { registerTestApp, userTokens } = await import('../support/user-tokens.ts');
    await w.server.app.accounts.createAccount({
      email: 'b@example.org',
      kind: 'patient',
      fhirUser: w.ref.personB!,
      password: 'escalation suite passphrase 2026',
    });
    const app = await registerTestApp(w.server, w.practiceX, 'openid fhirUser user/*.cruds');
    return (
      await userTokens(
        w.server,
        { email: 'b@example.org', password: 'escalation suite passphrase 2026' },
        { ...app, scope: 'openid fhirUser user/*.cruds' },
      )
    ).access_token;
  })();
  return patientB;
}
