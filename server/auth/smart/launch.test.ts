import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, signIn, signInAndConsent } from '../../../test/support/smart-sign-in.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';

/** Launch context: the standalone patient picker and the EHR launch (createLaunch → `launch`). */
describe('launch context', () => {
  let s: SmartServer;
  before(async () => {
    s = await startSmartServer();
  });
  after(() => s.close());

  describe('standalone launch with launch/patient', () => {
    const SCOPE = 'openid fhirUser launch/patient patient/*.rs';

    it('an account with several patients picks one; the token carries it', async () => {
      const user = await s.createAccount('related-person', 'RelatedPerson/rp-1', [
        { id: 'child-1', display: 'First Child' },
        { id: 'child-2', display: 'Second Child' },
      ]);
      const { config, request } = await s.appAuthorization(SCOPE);
      const browser = new TestBrowser(s.base);
      let page = await signIn(browser, request.url, user);
      assert.equal(page.title, 'Choose a patient');
      assert.deepEqual(page.choices('patient'), ['child-1', 'child-2']);
      assert.match(page.body, /Second Child/);
      const refused = await browser.submit(page, 'patient', { patient: 'someone-else' });
      assert.equal(refused.status, 400, 'a patient not offered is refused');
      assert.equal(refused.title, 'Choose a patient');
      page = await browser.submit(refused, 'patient', { patient: 'child-2' });
      assert.equal(page.title, 'Allow access?');
      assert.match(page.body, /Second Child/, 'the consent page names the chosen patient');
      page = await browser.submit(page, 'consent', { scope: page.choices('scope') });
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.location!), {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
      });
      assert.equal(tokens.patient, 'child-2');
      assert.equal(tokens.need_patient_banner, true);
      const echoed = await s.echo(tokens.access_token);
      assert.equal((echoed.body.grant as Record<string, unknown>).patient, 'child-2');
    });

    it('unticking launch/patient gives no patient context', async () => {
      const user = await s.createAccount('patient', 'Person/sp-2', [{ id: 'only-1', display: 'Only One' }]);
      const { config, request } = await s.appAuthorization(SCOPE);
      const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user, {
        grant: ['openid', 'fhirUser', 'patient/*.rs'],
      });
      const tokens = await oidc.authorizationCodeGrant(config, redirect, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
      });
      assert.equal(tokens.patient, undefined);
      assert.equal(tokens.need_patient_banner, undefined);
    });

    it('an account without any patient cannot continue', async () => {
      const user = await s.createAccount('patient', 'Person/sp-3', []);
      const { request } = await s.appAuthorization(SCOPE);
      const browser = new TestBrowser(s.base);
      const page = await signIn(browser, request.url, user);
      assert.equal(page.status, 400);
      assert.equal(page.title, 'No patient record');
    });
  });

  describe('EHR launch', () => {
    const SCOPE = 'openid fhirUser launch user/*.rs patient/*.rs';

    async function launchFor(accountId: string, encounter?: string) {
      return s.smart.createLaunch({
        patient: 'ehr-pat',
        practitionerAccountId: accountId,
        ...(encounter ? { encounter } : {}),
      });
    }

    it("the token carries the launch's patient and encounter; the launch is single-use", async () => {
      const doctor = await s.createAccount('practitioner', 'Practitioner/dr-1');
      const app = await s.registerPublicApp(SCOPE);
      const config = await s.rp(app.clientId);
      const launch = await launchFor(doctor.id, 'enc-1');
      const request = await authorizationRequest(config, {
        redirect_uri: app.redirectUri,
        scope: SCOPE,
        aud: s.fhirBase,
        launch,
      });
      const browser = new TestBrowser(s.base);
      const { redirect, consentScopes } = await signInAndConsent(browser, request.url, doctor);
      assert.ok(consentScopes?.includes('launch'));
      const tokens = await oidc.authorizationCodeGrant(config, redirect, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
      });
      assert.equal(tokens.patient, 'ehr-pat');
      assert.equal(tokens.encounter, 'enc-1');
      assert.equal(tokens.need_patient_banner, false, 'the EHR shows the banner');
      assert.deepEqual((await s.echo(tokens.access_token)).body.grant, {
        accountId: doctor.id,
        clientId: app.clientId,
        clientPractice: 'practice-1',
        scope: tokens.scope,
        patient: 'ehr-pat',
        encounter: 'enc-1',
      });

      const second = await authorizationRequest(config, {
        redirect_uri: app.redirectUri,
        scope: SCOPE,
        aud: s.fhirBase,
        launch,
      });
      const reused = await browser.go(String(second.url));
      const location = new URL(reused.location!);
      assert.equal(location.searchParams.get('error'), 'invalid_request', 'a used launch is refused');
      assert.equal(location.searchParams.get('code'), null);
    });

    it("the consent page names the launch's patient, not their id", async () => {
      const doctor = await s.createAccount('practitioner', 'Practitioner/dr-4', [
        { id: 'ehr-pat', display: 'Eve Harper' },
      ]);
      const { request } = await s.appAuthorization(SCOPE, { launch: await launchFor(doctor.id) });
      const browser = new TestBrowser(s.base);
      const page = await signIn(browser, request.url, doctor);
      assert.equal(page.title, 'Allow access?');
      assert.match(page.body, /It will work on the record of Eve Harper\./);
      assert.doesNotMatch(page.body, /ehr-pat/);
    });

    it('a launch is usable only by the practitioner who created it', async () => {
      const doctor = await s.createAccount('practitioner', 'Practitioner/dr-2');
      const intruder = await s.createAccount('practitioner', 'Practitioner/dr-3');
      const { request } = await s.appAuthorization(SCOPE, { launch: await launchFor(doctor.id) });
      const browser = new TestBrowser(s.base);
      const page = await signIn(browser, request.url, intruder);
      assert.equal(page.status, 400);
      assert.equal(page.title, 'This launch is not yours');
    });

    it('launch without scope launch, scope launch without launch, and an unknown launch: invalid_request', async () => {
      const doctor = await s.createAccount('practitioner', 'Practitioner/dr-4');
      const app = await s.registerPublicApp(SCOPE);
      const config = await s.rp(app.clientId);
      const cases: Array<Record<string, string>> = [
        { scope: 'openid fhirUser user/*.rs', launch: await launchFor(doctor.id) },
        { scope: SCOPE },
        { scope: SCOPE, launch: 'no-such-launch' },
      ];
      for (const params of cases) {
        const request = await authorizationRequest(config, {
          redirect_uri: app.redirectUri,
          aud: s.fhirBase,
          ...params,
        });
        const page = await new TestBrowser(s.base).go(String(request.url));
        const location = new URL(page.location!);
        assert.equal(location.searchParams.get('error'), 'invalid_request', JSON.stringify(params));
      }
    });
  });
});
