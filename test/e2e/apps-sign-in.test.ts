import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../server/app.ts';
import { buildChangedApps } from '../../server/cli/start.ts';
import { DEMO_PASSWORD, seedDemoData } from '../../server/demo/demo-data.ts';
import { startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { chromiumMissing, launchChromium } from './support/chromium.ts';

/**
 * Our own apps, built as `npm start` builds them and served by the server, signing in through the
 * server in Chromium with the demo accounts: the console shows the practitioner's practice, the portal
 * the patient's practitioners; a reload keeps the user signed in without the password (the server's
 * session), sign-out ends it, and no token is ever stored in the browser's storage.
 */
const run = promisify(execFile);
const skip = chromiumMissing();

describe('the console and the portal sign in through the server', { skip }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    // Built as `npm start` builds them (skipped when their sources have not changed since), by this
    // process's own Node: node_modules/.bin/ng would pick whatever `node` is first on PATH.
    const ng = join(PROJECT_ROOT, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
    const build = async (app: string) => void (await run(process.execPath, [ng, 'build', app], { cwd: PROJECT_ROOT }));
    await buildChangedApps({ rootDir: PROJECT_ROOT, build, log: () => {} });
    server = await startTestServer();
    await seedDemoData(server.repo, server.app.accounts);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(page: Page, app: 'console' | 'portal', email: string): Promise<void> {
    await page.goto(`${server.baseUrl}/${app}/`);
    await page.waitForSelector('input[name=email]');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.user strong');
  }

  const storedKeys = (page: Page) =>
    page.evaluate('[...Object.keys(localStorage), ...Object.keys(sessionStorage)]') as Promise<string[]>;

  it("a practitioner sees their practice's patients; a reload needs no password; sign-out ends the session", async () => {
    const page = await (await browser.newContext()).newPage();
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
    const page = await (await browser.newContext()).newPage();
    await signIn(page, 'portal', 'olivia.smith@demo.example.org');
    assert.equal(await page.locator('.user strong').innerText(), 'Olivia Smith');
    await page.waitForSelector('text=Dr Sam Rivera');
    const text = await page.locator('body').innerText();
    for (const name of ['Dr Amara Okafor', 'Dr Lucas Moreau', 'Dr Mei Tanaka', 'Dr Sam Rivera'])
      assert.ok(text.includes(name), name);
  });

  it('a practitioner of the other practice sees only theirs', async () => {
    const page = await (await browser.newContext()).newPage();
    await signIn(page, 'console', 'sam.rivera@demo.example.org');
    await page.waitForSelector('text=Smith, Olivia');
    assert.equal(await page.locator('tbody tr').count(), 1);
  });
});
