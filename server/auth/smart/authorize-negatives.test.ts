import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, postForm, signInAndConsent } from '../../../test/support/smart-sign-in.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';

/**
 * Authorization requests the server must refuse (issue #4's negative list): PKCE, aud, exact
 * redirect_uri matching (refused on our own error page, never redirected), state.
 */
describe('authorization request checks', () => {
  let s: SmartServer;
  let clientId: string;
  let user: { email: string; password: string };
  const REDIRECT = 'https://app.example.org/smart/Callback';
  const SCOPE = 'openid fhirUser patient/*.rs launch/patient';

  before(async () => {
    s = await startSmartServer();
    ({ clientId } = await s.registerPublicApp(SCOPE, { redirectUris: [REDIRECT] }));
    user = await s.createAccount('patient', 'Person/neg-1', [{ id: 'pat-neg', display: 'Neg Atif' }]);
  });
  after(() => s.close());

  function authorizeUrl(params: Record<string, string | undefined>): string {
    const url = new URL(`${s.base}/oauth/authorize`);
    const all: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope: SCOPE,
      state: 'st-1',
      aud: s.fhirBase,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...params,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
    return url.href;
  }

  /** The error sent back to the app's redirect_uri (no sign-in page, no code). */
  async function redirectedError(params: Record<string, string | undefined>): Promise<URLSearchParams> {
    const page = await new TestBrowser(s.base).go(authorizeUrl(params));
    assert.equal(page.status, 303, `expected a redirect to the app, got ${page.status} ${page.title}`);
    const location = new URL(page.location!);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
    assert.equal(location.searchParams.get('code'), null, 'no code issued');
    return location.searchParams;
  }

  describe('PKCE', () => {
    it('refuses a request without code_challenge: invalid_request', async () => {
      const error = await redirectedError({ code_challenge: undefined, code_challenge_method: undefined });
      assert.equal(error.get('error'), 'invalid_request');
      assert.match(error.get('error_description') ?? '', /PKCE/);
    });

    it('refuses a blank code_challenge: invalid_request', async () => {
      const error = await redirectedError({ code_challenge: '' });
      assert.equal(error.get('error'), 'invalid_request');
    });

    it('refuses code_challenge_method=plain: invalid_request', async () => {
      const error = await redirectedError({ code_challenge_method: 'plain', code_challenge: 'a'.repeat(43) });
      assert.equal(error.get('error'), 'invalid_request');
      assert.match(error.get('error_description') ?? '', /code_challenge_method/);
    });

    it('refuses a code_challenge without a method: invalid_request (no silent plain)', async () => {
      const error = await redirectedError({ code_challenge_method: undefined });
      assert.equal(error.get('error'), 'invalid_request');
    });

    it('at the token endpoint: no verifier, a wrong one, or the challenge itself are invalid_grant', async () => {
      const config = await s.rp(clientId);
      for (const verifier of [undefined, oidc.randomPKCECodeVerifier(), 'challenge']) {
        const request = await authorizationRequest(config, { redirect_uri: REDIRECT, scope: SCOPE, aud: s.fhirBase });
        const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
        const code = redirect.searchParams.get('code')!;
        const form: Record<string, string> = {
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          client_id: clientId,
        };
        if (verifier) form.code_verifier = verifier === 'challenge' ? request.challenge : verifier;
        const refused = await postForm(`${s.base}/oauth/token`, form);
        assert.equal(refused.status, 400, `verifier ${verifier}`);
        assert.equal(refused.body.error, 'invalid_grant', `verifier ${verifier}: ${JSON.stringify(refused.body)}`);
        assert.equal(refused.body.access_token, undefined);
      }
    });
  });

  describe('aud', () => {
    for (const [name, aud] of [
      ['missing', undefined],
      ['another server', 'https://other.example/fhir/R4'],
      ['the issuer', 'ISSUER'],
      ['a trailing slash', 'FHIR/'],
    ] as const) {
      it(`refuses aud ${name}: invalid_request, no code`, async () => {
        const value = aud === 'ISSUER' ? s.base : aud === 'FHIR/' ? `${s.fhirBase}/` : aud;
        const error = await redirectedError({ aud: value });
        assert.equal(error.get('error'), 'invalid_request');
        assert.match(error.get('error_description') ?? '', /aud/);
        assert.equal(error.get('state'), 'st-1');
      });
    }
  });

  describe('redirect_uri must match exactly; otherwise an error page, never a redirect', () => {
    const variants: Record<string, string> = {
      'trailing slash': `${REDIRECT}/`,
      'other host': 'https://evil.example.org/smart/Callback',
      'suffix host': 'https://app.example.org.evil.example/smart/Callback',
      userinfo: 'https://evil@app.example.org/smart/Callback',
      'path case': 'https://app.example.org/smart/callback',
      'host case': 'https://APP.example.org/smart/Callback',
      'extra query': `${REDIRECT}?next=https://evil.example`,
      'path prefix': 'https://app.example.org/smart/Callback/more',
      http: 'http://app.example.org/smart/Callback',
    };
    for (const [name, uri] of Object.entries(variants)) {
      it(`refuses ${name}`, async () => {
        const page = await new TestBrowser(s.base).go(authorizeUrl({ redirect_uri: uri }));
        assert.equal(page.status, 400);
        assert.equal(page.location, undefined, 'no redirect');
        assert.match(page.body, /invalid_redirect_uri/);
        assert.equal(page.headers.get('content-security-policy')?.includes("frame-ancestors 'none'"), true);
      });
    }

    it('refuses an unknown client without redirecting', async () => {
      const page = await new TestBrowser(s.base).go(authorizeUrl({ client_id: 'no-such-client' }));
      assert.equal(page.status, 400);
      assert.equal(page.location, undefined);
      assert.match(page.body, /invalid_client/);
    });
  });

  describe('state', () => {
    it('is required: invalid_request', async () => {
      const error = await redirectedError({ state: undefined });
      assert.equal(error.get('error'), 'invalid_request');
      assert.match(error.get('error_description') ?? '', /state/);
    });

    it('comes back exactly as sent', async () => {
      const config = await s.rp(clientId);
      const state = 'a/b?c=d&e=f g+h%';
      const request = await authorizationRequest(config, {
        redirect_uri: REDIRECT,
        scope: SCOPE,
        aud: s.fhirBase,
        state,
      });
      const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
      assert.equal(redirect.searchParams.get('state'), state);
    });
  });

  describe('scope', () => {
    it('refuses a scope the client is not registered for: invalid_scope', async () => {
      const error = await redirectedError({ scope: 'openid patient/*.cruds' });
      assert.equal(error.get('error'), 'invalid_scope');
    });

    it('refuses system/ scopes in a user-facing flow: invalid_scope', async () => {
      const error = await redirectedError({ scope: 'openid system/*.rs' });
      assert.equal(error.get('error'), 'invalid_scope');
    });

    it('refuses a scope this server does not understand: invalid_scope', async () => {
      const error = await redirectedError({ scope: 'openid patient/*.xyz' });
      assert.equal(error.get('error'), 'invalid_scope');
    });
  });
});
