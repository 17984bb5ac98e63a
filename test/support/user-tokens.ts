import assert from 'node:assert/strict';
import { exchangeCode, pkceAuthorizeUrl, signInAndConsent } from './smart-sign-in.ts';
import { TestBrowser } from './test-browser.ts';
import type { TestServer } from './test-server.ts';

/**
 * Access tokens for signed-in users, obtained the way a SMART app gets them: a public client of the
 * practice, the authorization endpoint with PKCE, our sign-in (and patient picker, consent) pages
 * walked by a cookie-keeping browser, the code exchanged at the token endpoint.
 */
export interface UserTokenRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  /** The patient to pick when the picker shows (standalone `launch/patient`). */
  patient?: string;
  /** The scopes to tick on the consent page (default: all offered). */
  grant?: string[];
  launch?: string;
}

export interface UserTokens {
  access_token: string;
  refresh_token?: string;
  scope: string;
  patient?: string;
}

export const TEST_REDIRECT = 'http://127.0.0.1:9/callback';

/** Registers a public PKCE app of the practice for tests (redirect URI never followed). */
export async function registerTestApp(
  server: TestServer,
  practiceId: string,
  scope: string,
): Promise<{ clientId: string; redirectUri: string }> {
  const { clientId } = await server.app.smart.registerClient({
    practiceId,
    name: 'Test app',
    kind: 'public',
    redirectUris: [TEST_REDIRECT],
    scope,
  });
  return { clientId, redirectUri: TEST_REDIRECT };
}

export async function userTokens(
  server: Pick<TestServer, 'baseUrl' | 'fhirUrl'>,
  user: { email: string; password: string },
  request: UserTokenRequest,
): Promise<UserTokens> {
  const { url, verifier, state } = pkceAuthorizeUrl(server.baseUrl, {
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scope,
    aud: server.fhirUrl,
    ...(request.launch ? { launch: request.launch } : {}),
  });
  const { redirect } = await signInAndConsent(new TestBrowser(server.baseUrl), url, user, {
    ...(request.patient ? { patient: request.patient } : {}),
    ...(request.grant ? { grant: request.grant } : {}),
  });
  assert.equal(redirect.searchParams.get('state'), state);
  const code = redirect.searchParams.get('code');
  assert.ok(code, `no code: ${redirect.href}`);
  const exchanged = await exchangeCode(server.baseUrl, {
    code,
    verifier,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
  });
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  return exchanged.body as unknown as UserTokens;
}
