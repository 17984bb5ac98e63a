import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chromiumMissing } from './support/chromium.ts';
import { startDemoApps } from './support/demo-apps.ts';
import type { DemoApps } from './support/demo-apps.ts';

/**
 * Issue #13's directory and care team through both apps in headless Chromium, on the demo data:
 * Dr Moreau (not an administrator) says in "My directory profile" that he visits patients at home;
 * Noah Smithson, a patient at Harbourside, filters the portal's directory by French, wheelchair
 * access and home visits, finds only Dr Moreau, opens his profile, adds him to "My practitioners",
 * and after a reload sees him listed there.
 *
 * Every wait is on something the user sees or on the server's answer to the action.
 */
const skip = chromiumMissing();

describe('the directory: a practitioner edits their profile, a patient finds them and keeps them', { skip }, () => {
  let apps: DemoApps;

  before(async () => {
    apps = await startDemoApps();
  });
  after(() => apps?.close());

  it('home visits set in the console, found by filters in the portal, kept in My practitioners', async () => {
    // 1. The console: Dr Moreau turns home visits on for his Harbourside role.
    const console = await apps.signIn('console', 'lucas.moreau@demo.example.org');
    await console.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My directory profile' }).click();
    const homeVisits = console.getByRole('checkbox', { name: 'I visit patients at home' });
    await homeVisits.waitFor();
    assert.equal(await homeVisits.isChecked(), false);
    await homeVisits.check();
    await Promise.all([
      console.waitForResponse(
        (r) => r.url().includes('/fhir/R4/PractitionerRole/') && r.request().method() === 'PUT' && r.ok(),
      ),
      console.getByRole('button', { name: 'Save' }).click(),
    ]);
    await console.getByRole('status').getByText('Your directory profile is saved.').waitFor();

    // 2. The portal: French + wheelchair access + home visits finds Dr Moreau only.
    const portal = await apps.signIn('portal', 'noah.smithson@demo.example.org');
    await portal.getByRole('heading', { name: 'Find a practitioner' }).waitFor();
    await portal.getByRole('combobox', { name: 'Language' }).click();
    await portal.getByRole('option', { name: 'French' }).click();
    await portal.getByRole('checkbox', { name: 'Wheelchair access' }).check();
    await portal.getByRole('checkbox', { name: 'Home visits' }).check();
    await Promise.all([
      portal.waitForResponse((r) => r.url().includes('home-visits=true') && r.ok()),
      portal.getByRole('button', { name: 'Search' }).click(),
    ]);
    const cards = portal.locator('pp-practitioner-card');
    await portal.getByText('Showing 1 of 1 practitioners').waitFor();
    assert.deepEqual(await cards.getByRole('heading').allTextContents(), ['Dr Lucas Moreau']);

    // 3. His profile, then "Add to my practitioners".
    await cards.getByRole('link', { name: 'Dr Lucas Moreau' }).click();
    await portal.getByRole('heading', { name: 'Dr Lucas Moreau', level: 1 }).waitFor();
    await portal.getByText('Visits patients at home').waitFor();
    await portal.getByText('Harbourside rooms, 12 Quay Street, Sydney · Wheelchair access').waitFor();
    await Promise.all([
      portal.waitForResponse((r) => r.url().includes('/fhir/R4/CareTeam') && r.request().method() === 'POST' && r.ok()),
      portal.getByRole('button', { name: 'Add to my practitioners' }).click(),
    ]);
    await portal.getByRole('status').getByText('Added to my practitioners.').waitFor();

    // 4. After a reload, "My practitioners" lists him.
    await portal.reload();
    await portal.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My practitioners' }).click();
    await portal.getByRole('heading', { name: 'My practitioners' }).waitFor();
    await portal.getByRole('link', { name: 'Dr Lucas Moreau' }).waitFor();
    assert.equal(await portal.getByRole('button', { name: 'Remove Dr Lucas Moreau' }).count(), 1);
  });
});
