import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type { AppResult } from './smart-app.ts';

/**
 * Headless Chromium through playwright-core, on the system's browser (Debian's /usr/bin/chromium; no
 * browser download). `CHROMIUM_PATH` points elsewhere. The tests skip when it is absent.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM_PATH)
    ? false
    : `Chromium not found at ${CHROMIUM_PATH} (install Debian's chromium or set CHROMIUM_PATH): browser launch tests skipped`;
}

export function launchChromium(): Promise<Browser> {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: root ? ['--no-sandbox'] : [] });
}

export interface LaunchInput {
  /** The app's launch.html URL (with iss/launch for an EHR launch). */
  url: string;
  fhirUrl: string;
  user: { email: string; password: string };
  /** The patient id to pick if the picker shows (default: whatever is preselected). */
  patient?: string;
  /** Scopes to untick on the consent page. */
  untick?: string[];
}

export interface LaunchOutcome {
  result: AppResult;
  /** The radio values offered by the patient picker, if it showed. */
  pickerChoices?: string[];
  /** The scopes listed on the consent page, if it showed. */
  consentScopes?: string[];
  /** Whether the sign-in page showed (it does in every fresh profile). */
  signInShown?: boolean;
  /** The origins the browser visited, in order (app → authorization server → app). */
  visited: string[];
}

/**
 * Evaluated in the page until truthy: 'done' once the app wrote its result, 'page:<h1>' on a fully
 * loaded page of the authorization server (/oauth/…), else ''. (A string: the tests' TypeScript
 * has no DOM types.)
 */
const PAGE_STATE = `(() => {
  const result = document.getElementById('result');
  if (result && result.dataset.done === '1') return 'done';
  const h1 = document.querySelector('h1');
  return location.pathname.startsWith('/oauth/') && document.readyState === 'complete' && h1 ? 'page:' + h1.textContent : '';
})()`;

/**
 * One launch in a fresh browser profile (no cookies): opens the app's launch page, then acts as the
 * user on our authorization pages (sign in, pick, consent) until the app writes its result.
 */
export async function runLaunch(browser: Browser, input: LaunchInput): Promise<LaunchOutcome> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    const visited: string[] = [];
    let loads = 0;
    page.on('load', () => {
      loads++;
      const origin = new URL(page.url()).origin;
      if (visited.at(-1) !== origin) visited.push(origin);
    });
    const outcome: Omit<LaunchOutcome, 'result' | 'visited'> = {};
    await page.goto(input.url);
    for (let step = 0; step < 10; step++) {
      const state = String(await (await page.waitForFunction(PAGE_STATE)).jsonValue());
      if (state === 'done')
        return { ...outcome, result: JSON.parse((await page.textContent('#result')) ?? '') as AppResult, visited };
      const title = state.slice('page:'.length);
      if (title === 'Sign in' && outcome.signInShown)
        assert.fail(
          `signing in as ${input.user.email} failed: ${(await page.textContent('body'))?.trim().replace(/\s+/g, ' ')}`,
        );
      const before = loads;
      if (title === 'Sign in') {
        outcome.signInShown = true;
        await page.fill('#email', input.user.email);
        await page.fill('#password', input.user.password);
        await page.click('form[action$="/login"] button[type=submit]');
      } else if (title === 'Choose a patient') {
        outcome.pickerChoices = await values(page, 'input[name=patient]');
        if (input.patient) await page.check(`input[name=patient][value="${input.patient}"]`);
        await page.click('button:text("Continue")');
      } else if (title === 'Allow access?') {
        outcome.consentScopes = await values(page, 'input[name=scope]');
        for (const scope of input.untick ?? []) {
          assert.ok(
            outcome.consentScopes.includes(scope),
            `the consent page does not offer ${scope}: ${outcome.consentScopes.join(' ')}`,
          );
          await page.uncheck(`input[name=scope][value="${scope}"]`);
        }
        await page.click('form[action$="/consent"] button[type=submit]');
      } else {
        const text = (await page.textContent('body'))?.trim().replace(/\s+/g, ' ');
        assert.fail(`unexpected page on the authorization server: "${title}" at ${page.url()}: ${text}`);
      }
      await waitFor(() => loads > before, `no navigation after "${title}"`);
    }
    assert.fail('the launch did not finish within 10 pages');
  } finally {
    await context.close();
  }
}

async function values(page: Page, selector: string): Promise<string[]> {
  const inputs = await page.locator(selector).all();
  return Promise.all(inputs.map(async (input) => (await input.getAttribute('value')) ?? ''));
}

async function waitFor(condition: () => boolean, message: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) assert.fail(message);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Whether the FHIR API lets a browser app on `appOrigin` send an Authorization header (the CORS
 * preflight every fhirclient request needs); the reason when it does not.
 */
export async function corsProblem(fhirUrl: string, appOrigin: string): Promise<string | undefined> {
  const response = await fetch(`${fhirUrl}/Patient`, {
    method: 'OPTIONS',
    headers: {
      origin: appOrigin,
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'authorization',
    },
  });
  const allowOrigin = response.headers.get('access-control-allow-origin');
  const allowHeaders = response.headers.get('access-control-allow-headers') ?? '';
  if (
    response.ok &&
    (allowOrigin === '*' || allowOrigin === appOrigin) &&
    /(^|,)\s*authorization\s*(,|$)/i.test(allowHeaders)
  )
    return undefined;
  return (
    `The FHIR API does not answer CORS for a browser app on another origin: the preflight OPTIONS ${fhirUrl}/Patient ` +
    `(Origin ${appOrigin}, Access-Control-Request-Headers: authorization) got ${response.status}, ` +
    `Access-Control-Allow-Origin ${JSON.stringify(allowOrigin)}, Access-Control-Allow-Headers ${JSON.stringify(allowHeaders)}. ` +
    'A SMART app in a browser (fhirclient) can then get tokens but never read data. Needed: a CORS policy on /fhir/R4 ' +
    '(any origin, no credentials: callers authenticate with bearer tokens; allow Authorization, Content-Type, Accept, If-Match, Prefer; ' +
    'expose Location, ETag, WWW-Authenticate) before the bearer check, so that preflights (no Authorization) succeed. See test/e2e/README.md.'
  );
}

/**
 * The app's reads, compared with the expected `Type/id` sets. A read that failed at the network
 * level (fhirclient's "Failed to fetch", status 0) is explained with corsProblem().
 */
export async function assertReads(
  result: AppResult,
  expected: Record<string, string[] | { status: number }>,
  ctx: { fhirUrl: string; appOrigin: string },
): Promise<void> {
  assert.equal(result.error, undefined, `the app failed: ${result.error}`);
  const networkFailures = Object.values(result.reads).filter((r) => r.error !== undefined && !r.status);
  if (networkFailures.length) {
    const problem = await corsProblem(ctx.fhirUrl, ctx.appOrigin);
    assert.fail(problem ?? `the app's reads failed in the browser: ${JSON.stringify(result.reads)}`);
  }
  for (const [query, want] of Object.entries(expected)) {
    const got = result.reads[query];
    assert.ok(got, `the app did not read ${query}`);
    if (Array.isArray(want)) assert.deepEqual(got.keys, [...want].sort(), `${query}: ${JSON.stringify(got)}`);
    else assert.equal(got.status, want.status, `${query}: ${JSON.stringify(got)}`);
  }
}
