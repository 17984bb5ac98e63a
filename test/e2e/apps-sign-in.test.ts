import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { chromiumMissing } from './support/chromium.ts';
import { startDemoApps } from './support/demo-apps.ts';
import type { DemoApps } from './support/demo-apps.ts';

/**
 * Our own apps, built as `npm start` builds them and served by the server, signing in through the
 * server in Chromium with the demo accounts: the console shows the practitioner's practice, the portal
 * the patient's practitioners; a reload keeps the user signed in without the password (the server's
 * session), sign-out ends it, and no token is ever stored in the browser's storage.
 */
const skip = chromiumMissing();

describe('the console and the portal sign in through the server', { skip }, () => {
  let apps: DemoApps;

  before(async () => {
    apps = await startDemoApps();
  });
  after(() => apps?.close());

  const signIn = (page: Page, app: 'console' | 'portal', email: string) => apps.signInOn(page, app, email);

  const storedKeys = (page: Page) =>
    page.evaluate('[...Object.keys(localStorage), ...Object.keys(sessionStorage)]') as Promise<string[]>;

  it("a practitioner sees their practice's patients; a reload needs no password; sign-out ends the session", async () => {
    const page = await (await apps.browser.newContext()).newPage();
    await signIn(page, 'console', 'amara.okafor@demo.example.org');
    assert.equal(await page.locator('.user strong').innerText(), 'Dr Amara Okafor');
    await page.waitForSelector('text=Smith, Olivia');
    const rows = await page.locator('tbody tr').count();
    assert.equal(rows, 8, "Harbourside's 8 patients");
    assert.deepEqual(await storedKeys(page), [], 'no token in localStorage or sessionStorage');

    await page.reload();
    await page.waitForSelector('.user strong');
    assert.equal(await page.locator('input[name=password]').count(), 0, 'signed in again without the password');

    await page.click('text=Sign out');
    // The server confirms (RP-initiated logout: a forged sign-out link cannot end a session by itself).
    await page.waitForSelector('h1:text("Sign out?")');
    await page.click('button[name=logout]');
    // Back at the console without a session, the app itself starts a sign-in: the server must ask for
    // the password again. (Navigating there ourselves would race the app's own redirect.)
    await page.waitForSelector('input[name=password]');
    assert.match(page.url(), /\/oauth\/interaction\//);
  });

  it('a patient seen at two practices finds the practitioners of both in the portal', async () => {
    const page = await (await apps.browser.newContext()).newPage();
    await signIn(page, 'portal', 'olivia.smith@demo.example.org');
    assert.equal(await page.locator('.user strong').innerText(), 'Olivia Smith');
    await page.waitForSelector('text=Dr Sam Rivera');
    const text = await page.locator('body').innerText();
    for (const name of ['Dr Amara Okafor', 'Dr Lucas Moreau', 'Dr Mei Tanaka', 'Dr Sam Rivera'])
      assert.ok(text.includes(name), name);
  });

  it('a practitioner of the other practice sees only theirs', async () => {
    const page = await (await apps.browser.newContext()).newPage();
    await signIn(page, 'console', 'sam.rivera@demo.example.org');
    await page.waitForSelector('text=Smith, Olivia');
    assert.equal(await page.locator('tbody tr').count(), 1);
  });
});
