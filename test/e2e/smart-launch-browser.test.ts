import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { sorted, startE2eWorld } from './support/e2e-fixture.ts';
import type { E2eWorld } from './support/e2e-fixture.ts';
import { assertReads, chromiumMissing, corsProblem, launchChromium, runLaunch } from './support/chromium.ts';
import { consoleToken, ehrLaunch } from './support/node-rp.ts';
import { startSmartApp } from './support/smart-app.ts';
import type { SmartAppServer } from './support/smart-app.ts';

/**
 * Issue #4 in a real browser: a third-party SMART app built on the SMART Health IT `fhirclient`
 * library (support/smart-app.ts, its own origin), launched standalone and from the EHR in headless
 * Chromium (playwright-core on the system's Chromium), the user signing in, picking a patient and
 * consenting on our pages, and the app reading the FHIR API with its token. What the app read is
 * compared with the exact `Type/id` sets the identity is entitled to (support/e2e-fixture.ts).
 */
const APP_SCOPE = 'launch launch/patient openid fhirUser patient/*.rs user/*.rs offline_access';
/** `_count=2` makes fhirclient follow `next` links (every record has 3 Observations). */
const PATIENT_READS = [
  'Patient/{patient}',
  'Observation?patient={patient}&_count=2',
  'Observation?_count=2',
  'Condition?_count=2',
  'Patient?_count=2',
  'Encounter?_count=2',
];

describe(
  'SMART launches of a fhirclient app in headless Chromium read exactly the entitled data',
  { skip: chromiumMissing() },
  () => {
    let w: E2eWorld;
    let app: SmartAppServer;
    let browser: Browser;
    let fhir: string;
    const ctx = () => ({ fhirUrl: fhir, appOrigin: app.origin });

    /** Registers one app (a public client of practice X with its exact redirect URI) on the app server. */
    async function addApp(name: string, scope: string, reads: string[], standalone = true): Promise<void> {
      const { clientId } = await w.server.app.smart.registerClient({
        practiceId: w.x.practice.practiceId,
        name: `Browser app ${name}`,
        kind: 'public',
        redirectUris: [app.redirectUri(name)],
        scope: APP_SCOPE,
      });
      app.add(name, { clientId, scope, reads, ...(standalone ? { iss: fhir } : {}) });
    }

    before(async () => {
      [w, app, browser] = await Promise.all([startE2eWorld(), startSmartApp(), launchChromium()]);
      fhir = w.server.fhirUrl;
      await addApp('patient-app', 'launch/patient patient/*.rs openid fhirUser', [
        ...PATIENT_READS,
        `Patient/${w.by.patient}`,
      ]);
      await addApp('user-app', 'openid fhirUser user/*.rs', [
        'Patient?_count=2',
        'Observation?_count=2',
        'Condition?_count=2',
        `Observation?patient=${w.by.patient}`,
        `Patient/${w.by.patient}`,
      ]);
      await addApp(
        'ehr-app',
        'launch openid fhirUser patient/*.rs',
        [...PATIENT_READS, `Patient/${w.bx.patient}`],
        false,
      );
      await addApp(
        'granular-app',
        'launch/patient openid fhirUser patient/Patient.rs patient/Observation.rs patient/Condition.rs',
        ['Patient?_count=2', 'Observation?_count=2', 'Condition?_count=2'],
      );
    });
    after(async () => {
      await browser?.close();
      await app?.close();
      await w?.close();
    });

    it('the FHIR API answers CORS for a browser app on another origin (bearer tokens, no credentials)', async () => {
      const problem = await corsProblem(fhir, app.origin);
      if (problem) assert.fail(problem);
    });

    it("standalone launch as patient B: sign in, pick B's record at X among B's two, consent; the app reads exactly that record", async () => {
      const out = await runLaunch(browser, {
        url: app.launchUrl('patient-app'),
        fhirUrl: fhir,
        user: w.patientB.account,
        patient: w.bx.patient,
      });
      assert.deepEqual(out.visited, [app.origin, new URL(fhir).origin, app.origin], 'app → our pages → app');
      assert.deepEqual(
        sorted(out.pickerChoices ?? []),
        sorted([w.bx.patient, w.by.patient]),
        "the picker offers B's two records and nothing else",
      );
      assert.deepEqual(
        sorted(out.consentScopes ?? []),
        sorted(['launch/patient', 'patient/*.rs', 'openid', 'fhirUser']),
      );
      assert.equal(out.result.patient, w.bx.patient);
      assert.equal(out.result.fhirUser, `Person/${w.patientB.personId}`);
      assert.equal(out.result.needPatientBanner, true, 'a standalone app shows the patient banner itself');
      await assertReads(
        out.result,
        {
          'Patient/{patient}': [w.bx.patientKey],
          'Observation?patient={patient}&_count=2': w.bx.observations,
          // Unfiltered searches: patient/ scopes confine them to the launch patient (nothing of A, nothing of B at Y).
          'Observation?_count=2': w.bx.observations,
          'Condition?_count=2': w.bx.conditions,
          'Patient?_count=2': [w.bx.patientKey],
          'Encounter?_count=2': [],
          [`Patient/${w.by.patient}`]: { status: 404 },
        },
        ctx(),
      );
    });

    it('standalone launch as the practitioner of X with user/*.rs: the app reads the data of X, nothing of Y', async () => {
      const out = await runLaunch(browser, {
        url: app.launchUrl('user-app'),
        fhirUrl: fhir,
        user: w.practitioner.account,
      });
      assert.equal(out.pickerChoices, undefined);
      assert.equal(out.result.patient, null, 'no patient context without launch/patient');
      assert.equal(out.result.fhirUser, `Practitioner/${w.practitioner.id}`);
      await assertReads(
        out.result,
        {
          'Patient?_count=2': [w.a.patientKey, w.bx.patientKey],
          'Observation?_count=2': [...w.a.observations, ...w.bx.observations],
          'Condition?_count=2': [...w.a.conditions, ...w.bx.conditions],
          [`Observation?patient=${w.by.patient}`]: [],
          [`Patient/${w.by.patient}`]: { status: 404 },
        },
        ctx(),
      );
    });

    it("EHR launch: the console creates a launch for patient A; the app opened with iss and launch gets A's context and reads exactly A's data", async () => {
      // The console's own token (openid-client in Node), then POST /api/ehr-launch as the console does.
      const token = await consoleToken(w.server.baseUrl, fhir, w.practitioner.account);
      const encounter = w.a.encounters[0]!.split('/')[1]!;
      const created = await ehrLaunch(w.server.baseUrl, token, { patient: w.a.patient, encounter });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      // The browser has no session with us: the practitioner signs in again there.
      const out = await runLaunch(browser, {
        url: app.launchUrl('ehr-app', { iss: created.body.iss, launch: created.body.launch }),
        fhirUrl: fhir,
        user: w.practitioner.account,
      });
      assert.equal(out.pickerChoices, undefined, 'the EHR chose the patient');
      assert.ok(out.consentScopes?.includes('launch'));
      assert.equal(out.result.patient, w.a.patient);
      assert.equal(out.result.encounter, encounter);
      assert.equal(out.result.needPatientBanner, false, 'the EHR shows the banner');
      assert.equal(out.result.fhirUser, `Practitioner/${w.practitioner.id}`);
      await assertReads(
        out.result,
        {
          'Patient/{patient}': [w.a.patientKey],
          'Observation?patient={patient}&_count=2': w.a.observations,
          'Observation?_count=2': w.a.observations,
          'Condition?_count=2': w.a.conditions,
          'Patient?_count=2': [w.a.patientKey],
          'Encounter?_count=2': w.a.encounters,
          // The practitioner may read B's record at X, but not through this app's patient/ scopes for A.
          [`Patient/${w.bx.patient}`]: { status: 404 },
        },
        ctx(),
      );
    });

    it('consent with patient/Condition.rs unticked: the granted scope lacks it and the app finds no Condition (our semantics: absent, not 403)', async () => {
      const out = await runLaunch(browser, {
        url: app.launchUrl('granular-app'),
        fhirUrl: fhir,
        user: w.patientB.account,
        patient: w.by.patient,
        untick: ['patient/Condition.rs'],
      });
      assert.equal(out.result.patient, w.by.patient);
      assert.deepEqual(
        sorted(out.result.scope!.split(' ')),
        sorted(['launch/patient', 'openid', 'fhirUser', 'patient/Patient.rs', 'patient/Observation.rs']),
      );
      await assertReads(
        out.result,
        {
          'Patient?_count=2': [w.by.patientKey],
          'Observation?_count=2': w.by.observations,
          'Condition?_count=2': [],
        },
        ctx(),
      );
    });
  },
);
