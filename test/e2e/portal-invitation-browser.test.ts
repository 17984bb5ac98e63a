import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumMissing } from './support/chromium.ts';
import { startDemoApps } from './support/demo-apps.ts';
import type { DemoApps } from './support/demo-apps.ts';
import { mailText, startTestSmtpServer } from '../support/test-smtp-server.ts';
import type { TestSmtpServer } from '../support/test-smtp-server.ts';

/**
 * Issue #13's invitation through both apps in headless Chromium, on the demo data, the e-mail captured
 * by a real SMTP server: Dr Okafor, Harbourside's administrator, enables patient invitations on the
 * settings page; on Jack Taylor's chart (a demo patient without an account) "Invite to portal" was
 * disabled with the reason and now invites him; the e-mail arrives; Jack follows its link, chooses a
 * password, and signs in to the portal, which shows his record at Harbourside. Every wait is on
 * something the user sees or on the server's answer.
 */
const skip = chromiumMissing();
const JACK = 'jack.taylor@demo.example.org';
const PASSWORD = 'seagull lantern copper meadow';

describe('a patient invited from the chart joins the portal (issue #13)', { skip }, () => {
  let apps: DemoApps;
  let smtp: TestSmtpServer;

  before(async () => {
    smtp = await startTestSmtpServer();
    apps = await startDemoApps({ SMTP_URL: smtp.url });
  });
  after(async () => {
    await apps?.close();
    await smtp?.close();
  });

  it('an administrator enables invitations, invites Jack Taylor; Jack sets a password and sees his record', async () => {
    const console = await apps.signIn('console', 'amara.okafor@demo.example.org');

    // 1. The chart: invitations are off at Harbourside, so the button is disabled and says why.
    await console.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Patients' }).click();
    await console.getByRole('link', { name: 'Taylor, Jack' }).click();
    const invite = console.getByRole('button', { name: 'Invite to portal' });
    await console.getByText('Patient invitations are turned off in the practice settings.').waitFor();
    assert.equal(await invite.isDisabled(), true);
    const chartUrl = console.url();

    // 2. Settings: Patient invitations → Enabled, saved.
    await console.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await console.getByRole('heading', { name: 'Patient portal and clinical sharing' }).waitFor();
    await console
      .getByRole('radiogroup', { name: 'Patient invitations' })
      .getByRole('radio', { name: /Enabled/ })
      .check();
    await Promise.all([
      console.waitForResponse(
        (r) => r.url().includes('/fhir/R4/Organization/') && r.request().method() === 'PUT' && r.ok(),
      ),
      console.getByRole('button', { name: 'Save settings' }).click(),
    ]);
    await console.getByRole('status').getByText('Settings saved').waitFor();

    // 3. Back on the chart: the invitation is sent, and the e-mail arrives.
    await console.goto(chartUrl);
    await console.getByText('Not invited to the portal').waitFor();
    await Promise.all([console.waitForResponse((r) => r.url().endsWith('/$invite') && r.ok()), invite.click()]);
    await console.getByText('Invitation sent').waitFor();
    const mail = await smtp.nextMail();
    assert.deepEqual(mail.to, [JACK]);
    const link = /(http\S+\/auth\/invitation\?token=[A-Za-z0-9_-]+)/.exec(mailText(mail.raw))?.[1];
    assert.ok(link, 'the e-mail has the link');

    // 4. Jack follows the link in a browser of his own, chooses a password.
    const jack = await (await apps.browser.newContext()).newPage();
    jack.setDefaultTimeout(20_000);
    await jack.goto(link);
    await jack.getByRole('heading', { name: "I'm new here" }).waitFor();
    await jack.getByLabel('Choose a password').fill(PASSWORD);
    await jack.getByLabel('The password again').fill(PASSWORD);
    await jack.getByRole('button', { name: 'Create my account' }).click();
    await jack.getByText('You accepted the invitation of Harbourside Family Practice').waitFor();

    // 5. The portal: Jack signs in with his new password and sees his record at Harbourside.
    await jack.getByRole('link', { name: 'Open the patient portal' }).click();
    await jack.waitForSelector('input[name=email]');
    await jack.fill('input[name=email]', JACK);
    await jack.fill('input[name=password]', PASSWORD);
    await jack.click('button[type=submit]');
    await jack.waitForSelector('.user strong');
    await jack.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My health record' }).click();
    await jack.getByRole('region', { name: 'Harbourside Family Practice', exact: true }).waitFor();

    // 6. The console shows the invitation accepted.
    await console.reload();
    await console.getByText('Invitation accepted').waitFor();
  });
});
