import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { fhirJson, searchAll, sorted, startE2eWorld } from './support/e2e-fixture.ts';
import type { E2eWorld } from './support/e2e-fixture.ts';
import { codeFlow, consoleToken, ehrLaunch, smartRelyingParty } from './support/node-rp.ts';

/**
 * Issue #4 with `openid-client` v6 as the relying party, in Node: standalone and EHR launches
 * (authorization code + PKCE, server metadata from the FHIR server's smart-configuration), the user's
 * part played on our HTML pages, then the FHIR API read with the tokens. Every read is compared with
 * the exact set of `Type/id` the identity is entitled to (see support/e2e-fixture.ts for the world:
 * practices X and Y, patient A at X, patient B at X and at Y, a practitioner of X).
 */
const APP_SCOPE = 'launch launch/patient openid fhirUser patient/*.rs user/*.rs offline_access';
const REDIRECT_URI = 'http://127.0.0.1:9/node-app/callback';
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';

describe('SMART launches with openid-client (Node) read exactly the entitled data', () => {
  let w: E2eWorld;
  let config: oidc.Configuration;
  let base: string;
  let fhir: string;

  /** Every search of `queries` through all pages: `{ query: sorted keys }` (or the refusal status). */
  async function readAll(token: string, queries: string[]): Promise<Record<string, string[] | number>> {
    const out: Record<string, string[] | number> = {};
    for (const query of queries) {
      const found = await searchAll(fhir, token, query);
      out[query] = found.status === 200 ? found.keys : found.status;
    }
    return out;
  }

  const flow = (
    scope: string,
    user: { email: string; password: string },
    extra: { patient?: string; untick?: string[]; launch?: string } = {},
  ) => codeFlow(base, { config, fhirUrl: fhir, redirectUri: REDIRECT_URI, scope, user, ...extra });

  before(async () => {
    w = await startE2eWorld();
    base = w.server.baseUrl;
    fhir = w.server.fhirUrl;
    const { clientId } = await w.server.app.smart.registerClient({
      practiceId: w.x.practice.practiceId,
      name: 'Node SMART app',
      kind: 'public',
      redirectUris: [REDIRECT_URI],
      scope: APP_SCOPE,
    });
    config = await smartRelyingParty(fhir, clientId);
  });
  after(() => w?.close());

  it("standalone launch as patient B: the picker offers both of B's records; the token reads exactly the picked one (at Y), refresh keeps it", async () => {
    const { tokens, pickerChoices, consentScopes } = await flow(
      'launch/patient openid fhirUser patient/*.rs offline_access',
      w.patientB.account,
      { patient: w.by.patient },
    );
    assert.deepEqual(
      sorted(pickerChoices ?? []),
      sorted([w.bx.patient, w.by.patient]),
      "the picker lists B's two records, nothing else",
    );
    assert.deepEqual(
      sorted(consentScopes ?? []),
      sorted(['launch/patient', 'openid', 'fhirUser', 'patient/*.rs', 'offline_access']),
    );
    assert.equal(tokens.patient, w.by.patient);
    assert.equal(tokens.claims()?.fhirUser, `${fhir}/Person/${w.patientB.personId}`);
    assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');

    const expected = {
      'Patient?_count=2': [w.by.patientKey],
      'Observation?_count=2': w.by.observations,
      [`Observation?patient=${w.by.patient}&_count=2`]: w.by.observations,
      [`Observation?category=${CATEGORY}|vital-signs`]: w.by.vitals,
      [`Observation?category=${CATEGORY}|laboratory`]: w.by.labs,
      'Condition?_count=2': w.by.conditions,
      // B's other record is outside the patient/ scopes' launch patient.
      [`Observation?patient=${w.bx.patient}`]: [],
    };
    const reads = await readAll(tokens.access_token, Object.keys(expected));
    assert.deepEqual(reads, sortValues(expected));
    assert.equal((await fhirJson(`${fhir}/Patient/${w.by.patient}`, tokens.access_token)).status, 200);
    assert.equal(
      (await fhirJson(`${fhir}/Patient/${w.bx.patient}`, tokens.access_token)).status,
      404,
      "B's record at X is not in this launch",
    );
    assert.equal(
      (await fhirJson(`${fhir}/Patient/${w.a.patient}`, tokens.access_token)).status,
      404,
      'A is nobody to B',
    );

    // Refresh: a new access token with the same context and the same data; the old refresh token is rotated.
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    assert.notEqual(refreshed.access_token, tokens.access_token);
    assert.equal(refreshed.patient, w.by.patient, 'the launch context survives a refresh');
    assert.deepEqual(await readAll(refreshed.access_token, Object.keys(expected)), sortValues(expected));
    // Reusing the rotated refresh token is refused and revokes the whole grant.
    await assert.rejects(
      oidc.refreshTokenGrant(config, tokens.refresh_token!),
      (err: oidc.ResponseBodyError) => err.error === 'invalid_grant',
    );
    assert.equal(
      (await fhirJson(`${fhir}/Patient/${w.by.patient}`, refreshed.access_token)).status,
      401,
      'the grant is revoked',
    );
  });

  it('patient B with user/*.rs reads both records (X and Y) and their own Person, nothing of A', async () => {
    const { tokens, pickerChoices } = await flow('openid fhirUser user/*.rs', w.patientB.account);
    assert.equal(pickerChoices, undefined, 'no launch/patient, no picker');
    assert.equal(tokens.patient, undefined);
    const expected = {
      Patient: [w.bx.patientKey, w.by.patientKey],
      'Observation?_count=2': [...w.bx.observations, ...w.by.observations],
      Condition: [...w.bx.conditions, ...w.by.conditions],
      Encounter: [],
      Person: [`Person/${w.patientB.personId}`],
    };
    assert.deepEqual(await readAll(tokens.access_token, Object.keys(expected)), sortValues(expected));
  });

  it('standalone launch as the practitioner of X with user/*.rs: the data of X, nothing of Y', async () => {
    const { tokens } = await flow('openid fhirUser user/*.rs', w.practitioner.account);
    assert.equal(tokens.claims()?.fhirUser, `${fhir}/Practitioner/${w.practitioner.id}`);
    const expected = {
      'Patient?_count=2': [w.a.patientKey, w.bx.patientKey],
      'Observation?_count=2': [...w.a.observations, ...w.bx.observations],
      Condition: [...w.a.conditions, ...w.bx.conditions],
      Encounter: w.a.encounters,
      [`Observation?patient=${w.by.patient}`]: [],
    };
    assert.deepEqual(await readAll(tokens.access_token, Object.keys(expected)), sortValues(expected));
    assert.equal(
      (await fhirJson(`${fhir}/Patient/${w.by.patient}`, tokens.access_token)).status,
      404,
      "Y's record of B is not X's",
    );
  });

  it("EHR launch: the console's POST /api/ehr-launch for patient A, then the app gets A's context and reads exactly A's data", async () => {
    const consoleAccess = await consoleToken(base, fhir, w.practitioner.account);
    const encounter = w.a.encounters[0]!.split('/')[1]!;
    const created = await ehrLaunch(base, consoleAccess, { patient: w.a.patient, encounter });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.iss, fhir);

    const { tokens, pickerChoices, consentScopes } = await flow(
      'launch openid fhirUser patient/*.rs',
      w.practitioner.account,
      { launch: created.body.launch },
    );
    assert.equal(pickerChoices, undefined, 'the EHR chose the patient');
    assert.ok(consentScopes?.includes('launch'));
    assert.equal(tokens.patient, w.a.patient);
    assert.equal(tokens.encounter, encounter);
    const expected = {
      Patient: [w.a.patientKey],
      'Observation?_count=2': w.a.observations,
      [`Observation?patient=${w.a.patient}`]: w.a.observations,
      Condition: w.a.conditions,
      Encounter: w.a.encounters,
      // Under patient/ scopes the practitioner's other patients are out of reach.
      [`Observation?patient=${w.bx.patient}`]: [],
    };
    assert.deepEqual(await readAll(tokens.access_token, Object.keys(expected)), sortValues(expected));
    assert.equal((await fhirJson(`${fhir}/Patient/${w.bx.patient}`, tokens.access_token)).status, 404);

    // The console may only launch for patients the practitioner can read, and only practitioners launch.
    assert.equal(
      (await ehrLaunch(base, consoleAccess, { patient: w.by.patient })).status,
      404,
      "Y's record is not the practitioner's",
    );
    const patientToken = (await flow('openid fhirUser user/*.rs', w.patientB.account)).tokens.access_token;
    assert.equal(
      (await ehrLaunch(base, patientToken, { patient: w.bx.patient })).status,
      403,
      'a patient cannot create an EHR launch',
    );
  });

  it('consent with patient/Condition.rs unticked: the token lacks it; Condition searches are empty and reads 404, the rest still reads', async () => {
    // Our semantics (docs/decisions/0007-access-control-in-queries.md): access is a filter inside
    // every query, so what a token may not reach is absent: an empty search, a read answering 404
    // exactly as for a missing resource (no 403 that would confirm the record exists).
    const scope = 'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs patient/Condition.rs';
    const { tokens } = await flow(scope, w.patientB.account, {
      patient: w.bx.patient,
      untick: ['patient/Condition.rs'],
    });
    assert.deepEqual(
      sorted(tokens.scope!.split(' ')),
      sorted(['launch/patient', 'openid', 'fhirUser', 'patient/Patient.rs', 'patient/Observation.rs']),
    );
    const expected = {
      Observation: w.bx.observations,
      Patient: [w.bx.patientKey],
      Condition: [],
      [`Condition?patient=${w.bx.patient}`]: [],
    };
    assert.deepEqual(await readAll(tokens.access_token, Object.keys(expected)), sortValues(expected));
    assert.equal((await fhirJson(`${fhir}/${w.bx.conditions[0]}`, tokens.access_token)).status, 404);
    // The same record's Condition is there for a token that was granted the scope.
    const full = await flow(scope, w.patientB.account, { patient: w.bx.patient });
    assert.deepEqual(await readAll(full.tokens.access_token, ['Condition']), { Condition: sorted(w.bx.conditions) });
  });

  it("backend services: practice Y's client reads Y's data only; X's client X's data only", async () => {
    const yToken = await w.y.tokens.token('system/*.rs');
    const y = {
      Patient: [w.by.patientKey],
      'Observation?_count=2': w.by.observations,
      Condition: w.by.conditions,
      Person: [],
      [`Observation?patient=${w.bx.patient}`]: [],
    };
    assert.deepEqual(await readAll(yToken, Object.keys(y)), sortValues(y));
    const xToken = await w.x.tokens.token('system/*.rs');
    const x = {
      Patient: [w.a.patientKey, w.bx.patientKey],
      'Observation?_count=2': [...w.a.observations, ...w.bx.observations],
      Condition: [...w.a.conditions, ...w.bx.conditions],
      Person: [`Person/${w.patientB.personId}`],
    };
    assert.deepEqual(await readAll(xToken, Object.keys(x)), sortValues(x));
  });
});

function sortValues(expected: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, sorted(v)]));
}
