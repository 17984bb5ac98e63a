import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../../server/app.ts';
import { buildChangedApps } from '../../../server/cli/start.ts';
import { DEMO_PASSWORD, seedDemoData } from '../../../server/demo/demo-data.ts';
import { startTestServer } from '../../support/test-server.ts';
import type { TestServer } from '../../support/test-server.ts';
import { launchChromium } from './chromium.ts';

const run = promisify(execFile);

/** Both built apps on the whole server with the demo data, and a headless Chromium to drive them. */
export interface DemoApps {
  server: TestServer;
  browser: Browser;
  /** Signs `page` in to an app through the server's sign-in page with a demo account. */
  signInOn(page: Page, app: 'console' | 'portal', email: string): Promise<void>;
  /** A fresh browser profile (its own cookies), signed in to an app; 20 s per wait. */
  signIn(app: 'console' | 'portal', email: string, options?: { acceptDownloads?: boolean }): Promise<Page>;
  close(): Promise<void>;
}

/**
 * The apps built as `npm start` builds them (skipped when their sources have not changed since), by
 * this process's own Node (node_modules/.bin/ng would pick whatever `node` is first on PATH); the
 * server on a fresh embedded store with the demo data; Chromium.
 */
export async function startDemoApps(env: Record<string, string> = {}): Promise<DemoApps> {
  const ng = join(PROJECT_ROOT, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
  const build = async (app: string) => void (await run(process.execPath, [ng, 'build', app], { cwd: PROJECT_ROOT }));
  await buildChangedApps({ rootDir: PROJECT_ROOT, build, log: () => {} });
  // `env`: extra server configuration (the invitation test's SMTP_URL: its captured mail).
  const server = await startTestServer(env);
  await seedDemoData(server.repo, server.app.accounts, server.engine.blobs);
  const browser = await launchChromium();
  const signInOn = async (page: Page, app: 'console' | 'portal', email: string) => {
    await page.goto(`${server.baseUrl}/${app}/`);
    await page.waitForSelector('input[name=email]');
    await page.fill('input[name=email]', email);
    await page.fill('input[name=password]', DEMO_PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForSelector('.user strong');
  };
  return {
    server,
    browser,
    signInOn,
    signIn: async (app, email, options = {}) => {
      const page = await (await browser.newContext(options)).newPage();
      page.setDefaultTimeout(20_000);
      await signInOn(page, app, email);
      return page;
    },
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
