import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import Provider from 'oidc-provider';
import { startHttp } from './loopback-http.ts';
import type { TestHttpServer } from './loopback-http.ts';
import type { TestBrowser } from './test-browser.ts';

/**
 * A SECOND, real oidc-provider on loopback playing a practice's own identity provider, for the
 * federation tests (its development login and consent pages: acceptable for this stand-in only).
 * It knows one client, ours, redirecting to `redirectUri`, and the people in `people` (sub → claims).
 */
export const EXTERNAL_CLIENT_ID = 'portal-at-riverside';
export const EXTERNAL_CLIENT_SECRET = 'riverside-test-only-client-secret-long-enough';

export type ExternalPeople = Record<string, { email?: string; email_verified?: boolean }>;

export async function startExternalProvider(redirectUri: string, people: ExternalPeople): Promise<TestHttpServer> {
  const server = await startHttp();
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const provider = new Provider(server.url, {
    clients: [
      {
        client_id: EXTERNAL_CLIENT_ID,
        client_secret: EXTERNAL_CLIENT_SECRET,
        redirect_uris: [redirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
      },
    ],
    findAccount: async (_ctx, sub) =>
      people[sub] ? { accountId: sub, claims: async () => ({ sub, ...people[sub] }) } : undefined,
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    jwks: { keys: [jwk as Record<string, string>] },
    cookies: { keys: ['external-test-only-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  const callback = provider.callback();
  server.setHandler((req, res) => void callback(req, res));
  return server;
}

/**
 * Walks the external provider's development pages as `login` (any password), from `authorization`
 * until it redirects to `returnTo`'s origin (ours); answers that callback URL, not yet requested.
 * `cancel` aborts at the login page instead (the provider then redirects back with access_denied).
 */
export async function throughExternalPages(
  browser: TestBrowser,
  authorization: URL,
  login: string,
  options: { returnTo: string; cancel?: boolean },
): Promise<URL> {
  const ours = new URL(options.returnTo).origin;
  let url = authorization;
  for (let steps = 0; steps < 12; steps++) {
    if (url.origin === ours) return url;
    let page = await browser.request(url);
    if (page.status === 200) {
      const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
      assert.ok(action, `a form on ${url.pathname}`);
      const form: Record<string, string> = {};
      for (const [, name, value] of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g))
        form[name as string] = value as string;
      if (form.prompt === 'login' && options.cancel)
        page = await browser.request(new URL(`${url.pathname}/abort`, url));
      else
        page = await browser.request(new URL(action, url), {
          form: form.prompt === 'login' ? { ...form, login, password: 'anything' } : form,
        });
    }
    assert.ok(
      page.status >= 300 && page.status < 400 && page.location,
      `a redirect from ${url.pathname}, got ${page.status}`,
    );
    url = new URL(page.location);
  }
  throw new Error('the external provider never redirected back');
}
