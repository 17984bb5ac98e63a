import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import {
  APP_BASE,
  CLIENT_ID,
  fakeIdToken,
  fakeLocation,
  flushDiscovery,
  formFields,
  isAuthRequest,
  isDiscoveryRequest,
  isRevocationRequest,
  isTokenRequest,
  nextRequest,
  ORIGIN,
  PENDING_KEY,
  provideAuthTesting,
  signInForTest,
  SMART_CONFIGURATION,
  tokenResponse,
} from './testing';
import { AuthService, fhirUserOf, nameOf, safeReturnTo, SignInError } from './auth.service';
import { codeChallengeS256 } from './pkce';

describe('AuthService', () => {
  let auth: AuthService;
  let http: HttpTestingController;

  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideAuthTesting()],
    });
    auth = TestBed.inject(AuthService);
    http = TestBed.inject(HttpTestingController);
  });

  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  /** Starts sign-in for `returnTo` and returns the authorization request the browser was sent to. */
  async function startSignIn(returnTo = '/patients/7'): Promise<URL> {
    const done = auth.signIn(returnTo);
    await flushDiscovery(http);
    await done;
    const assigned = fakeLocation().assigned;
    expect(assigned.length).toBe(1);
    return new URL(assigned[0]!);
  }

  const tokenRequest = () => nextRequest(http, isTokenRequest, 'the token request');

  describe('sign-in', () => {
    it('sends the browser to the discovered authorization endpoint with PKCE S256, state and aud', async () => {
      const url = await startSignIn();
      expect(`${url.origin}${url.pathname}`).toBe(SMART_CONFIGURATION.authorization_endpoint);
      const params = Object.fromEntries(url.searchParams);
      const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY)!) as {
        state: string;
        verifier: string;
        returnTo: string;
      };
      expect(params).toEqual({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: `${ORIGIN}/app/signed-in`,
        scope: 'openid fhirUser profile online_access user/*.cruds',
        state: pending.state,
        aud: `${ORIGIN}/fhir/R4`,
        code_challenge: await codeChallengeS256(pending.verifier),
        code_challenge_method: 'S256',
      });
      expect(pending.state.length).toBeGreaterThanOrEqual(43);
      expect(pending.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
      expect(pending.returnTo).toBe('/patients/7');
      // The verifier never travels in the authorization request.
      expect(url.href).not.toContain(pending.verifier);
    });

    it('keeps nothing in localStorage and nothing but the pending sign-in in sessionStorage', async () => {
      const before = localStorage.length;
      await startSignIn();
      expect(localStorage.length).toBe(before);
      expect(Object.keys(sessionStorage)).toEqual([PENDING_KEY]);
    });

    it('starts one redirect for concurrent sign-in requests', async () => {
      const first = auth.signIn('/a');
      const second = auth.signIn('/b');
      await flushDiscovery(http);
      await Promise.all([first, second]);
      expect(fakeLocation().assigned.length).toBe(1);
    });

    it('fails, without redirecting, when discovery fails, and asks again next time', async () => {
      const failed = auth.signIn('/');
      (await nextRequest(http, isDiscoveryRequest, 'discovery')).flush('down', {
        status: 503,
        statusText: 'Unavailable',
      });
      await expectAsync(failed).toBeRejected();
      expect(fakeLocation().assigned).toEqual([]);
      await startSignIn();
    });
  });

  describe('completing sign-in', () => {
    it('exchanges the code with exactly the PKCE form fields, then holds the tokens in memory', async () => {
      const url = await startSignIn('/patients/7');
      const { verifier } = JSON.parse(sessionStorage.getItem(PENDING_KEY)!) as { verifier: string };
      const completed = auth.completeSignIn({ code: 'code-1', state: url.searchParams.get('state') });
      // The state and verifier serve one answer only: gone as soon as the answer arrives.
      expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();

      const req = await tokenRequest();
      expect(req.request.method).toBe('POST');
      expect(req.request.headers.has('Authorization')).toBeFalse();
      expect(formFields(req)).toEqual({
        grant_type: 'authorization_code',
        code: 'code-1',
        redirect_uri: `${ORIGIN}/app/signed-in`,
        client_id: CLIENT_ID,
        code_verifier: verifier,
      });
      req.flush(tokenResponse({}, `${ORIGIN}/fhir/R4/Practitioner/p1`));

      expect(await completed).toBe('/patients/7');
      expect(auth.signedIn()).toBeTrue();
      expect(auth.accessToken()).toBe('access-1');
      expect(auth.fhirUser()).toBe('Practitioner/p1');
      expect(localStorage.length).toBe(0);
      expect(sessionStorage.length).toBe(0);
    });

    it('refuses an answer whose state is not the one stored, without exchanging the code', async () => {
      await startSignIn();
      await expectAsync(auth.completeSignIn({ code: 'code-1', state: 'forged' })).toBeRejectedWithError(
        SignInError,
        /state mismatch/,
      );
      http.expectNone((r) => r.url === SMART_CONFIGURATION.token_endpoint);
      expect(auth.signedIn()).toBeFalse();
      expect(sessionStorage.getItem(PENDING_KEY)).toBeNull();
    });

    it('refuses an answer without state, and a replay after the state was used', async () => {
      const url = await startSignIn();
      await expectAsync(auth.completeSignIn({ code: 'code-1', state: null })).toBeRejectedWithError(
        SignInError,
        /state mismatch/,
      );
      await expectAsync(
        auth.completeSignIn({ code: 'code-1', state: url.searchParams.get('state') }),
      ).toBeRejectedWithError(SignInError, /state mismatch/);
      http.expectNone((r) => r.url === SMART_CONFIGURATION.token_endpoint);
    });

    it('explains an error answer from the server', async () => {
      const url = await startSignIn();
      const state = url.searchParams.get('state');
      await expectAsync(
        auth.completeSignIn({ error: 'access_denied', error_description: 'The user cancelled', state }),
      ).toBeRejectedWithError(SignInError, 'Sign-in was cancelled or refused: The user cancelled.');
      http.expectNone((r) => r.url === SMART_CONFIGURATION.token_endpoint);
    });

    it('reports a refused code exchange and stays signed out', async () => {
      const url = await startSignIn();
      const completed = auth.completeSignIn({ code: 'used', state: url.searchParams.get('state') });
      (await tokenRequest()).flush(
        { error: 'invalid_grant', error_description: 'grant request is invalid' },
        { status: 400, statusText: 'Bad Request' },
      );
      await expectAsync(completed).toBeRejectedWithError(SignInError, /invalid_grant: grant request is invalid/);
      expect(auth.signedIn()).toBeFalse();
    });
  });

  describe('refresh', () => {
    // Discovery is asked once per service; answer it up front so each refresh is one token request.
    beforeEach(async () => {
      const endpoints = auth.endpoints();
      await flushDiscovery(http);
      await endpoints;
    });

    it('rotates the refresh token: each refresh presents the latest one', async () => {
      signInForTest({ access_token: 'access-1', refresh_token: 'refresh-1' });
      const first = auth.refreshAfter('access-1');
      const req1 = await pendingTokenRequest();
      expect(formFields(req1)).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'refresh-1',
        client_id: CLIENT_ID,
      });
      req1.flush({ access_token: 'access-2', token_type: 'Bearer', expires_in: 300, refresh_token: 'refresh-2' });
      expect(await first).toBe('access-2');
      expect(auth.accessToken()).toBe('access-2');
      // The refresh answer had no ID token: who is signed in is kept.
      expect(auth.fhirUser()).toBe('Practitioner/p1');

      const second = auth.refreshAfter('access-2');
      const req2 = await pendingTokenRequest();
      expect(formFields(req2)).toEqual({
        grant_type: 'refresh_token',
        refresh_token: 'refresh-2',
        client_id: CLIENT_ID,
      });
      req2.flush({ access_token: 'access-3', token_type: 'Bearer', refresh_token: 'refresh-3' });
      expect(await second).toBe('access-3');
    });

    it('makes one refresh request for concurrent callers', async () => {
      signInForTest({ access_token: 'access-1', refresh_token: 'refresh-1' });
      const a = auth.refreshAfter('access-1');
      const b = auth.refreshAfter('access-1');
      const req = await pendingTokenRequest();
      req.flush({ access_token: 'access-2', token_type: 'Bearer', refresh_token: 'refresh-2' });
      expect(await Promise.all([a, b])).toEqual(['access-2', 'access-2']);
      http.expectNone((r) => r.url === SMART_CONFIGURATION.token_endpoint);
    });

    it('does not refresh again for a request rejected with a token already replaced', async () => {
      signInForTest({ access_token: 'access-2', refresh_token: 'refresh-2' });
      expect(await auth.refreshAfter('access-1')).toBe('access-2');
      http.expectNone(isAuthRequest);
    });

    it('signs out when the server refuses the refresh token', async () => {
      signInForTest();
      const refreshed = auth.refreshAfter('access-1');
      (await pendingTokenRequest()).flush({ error: 'invalid_grant' }, { status: 400, statusText: 'Bad Request' });
      await expectAsync(refreshed).toBeRejected();
      expect(auth.signedIn()).toBeFalse();
      expect(auth.accessToken()).toBeNull();
    });

    it('fails at once without a refresh token', async () => {
      signInForTest({ refresh_token: undefined });
      await expectAsync(auth.refreshAfter('access-1')).toBeRejectedWithError(SignInError);
      expect(auth.signedIn()).toBeFalse();
    });

    const pendingTokenRequest = tokenRequest;
  });

  describe('sign-out', () => {
    it('revokes the refresh token, forgets the tokens and ends the server session', async () => {
      signInForTest({ refresh_token: 'refresh-9', id_token: fakeIdToken({ fhirUser: 'Practitioner/p1' }) });
      const idToken = fakeIdToken({ fhirUser: 'Practitioner/p1' });
      const done = auth.signOut();
      expect(auth.signedIn()).toBeFalse();
      await flushDiscovery(http);
      const revoke = await revocationRequest();
      expect(revoke.request.method).toBe('POST');
      expect(formFields(revoke)).toEqual({
        token: 'refresh-9',
        token_type_hint: 'refresh_token',
        client_id: CLIENT_ID,
      });
      revoke.flush(null);
      await done;

      const url = new URL(fakeLocation().assigned[0]!);
      expect(`${url.origin}${url.pathname}`).toBe(SMART_CONFIGURATION.end_session_endpoint);
      expect(Object.fromEntries(url.searchParams)).toEqual({
        id_token_hint: idToken,
        client_id: CLIENT_ID,
        post_logout_redirect_uri: APP_BASE,
      });
      expect(auth.accessToken()).toBeNull();
    });

    it('still signs out when revocation fails, and shows the signed-out page without an end-session endpoint', async () => {
      signInForTest();
      const done = auth.signOut();
      await flushDiscovery(http, { ...SMART_CONFIGURATION, end_session_endpoint: undefined });
      (await revocationRequest()).flush('oops', { status: 500, statusText: 'Server Error' });
      await done;
      expect(fakeLocation().assigned).toEqual([`${APP_BASE}signed-out`]);
      expect(auth.signedIn()).toBeFalse();
    });

    const revocationRequest = () => nextRequest(http, isRevocationRequest, 'the revocation request');
  });
});

describe('fhirUserOf', () => {
  it('reads the fhirUser claim relative to this origin’s FHIR base', () => {
    expect(fhirUserOf(fakeIdToken({ fhirUser: 'Person/456' }), ORIGIN)).toBe('Person/456');
    expect(fhirUserOf(fakeIdToken({ fhirUser: `${ORIGIN}/fhir/R4/Patient/9` }), ORIGIN)).toBe('Patient/9');
    expect(fhirUserOf(fakeIdToken({ fhirUser: 'https://other.example/fhir/R4/Patient/9' }), ORIGIN)).toBe(
      'https://other.example/fhir/R4/Patient/9',
    );
  });

  it('gives undefined for tokens without the claim or that are not JWTs', () => {
    expect(fhirUserOf(fakeIdToken({}), ORIGIN)).toBeUndefined();
    expect(fhirUserOf('garbage', ORIGIN)).toBeUndefined();
  });
});

describe('nameOf and displayName', () => {
  it('reads the name claim, trimmed; nothing for a missing, blank or non-string one', () => {
    expect(nameOf(fakeIdToken({ name: ' Dr Amara Okafor ' }))).toBe('Dr Amara Okafor');
    expect(nameOf(fakeIdToken({ name: '  ' }))).toBeUndefined();
    expect(nameOf(fakeIdToken({ name: 42 }))).toBeUndefined();
    expect(nameOf('garbage')).toBeUndefined();
  });

  it('shows the name when the ID token has one, else the fhirUser', () => {
    TestBed.configureTestingModule({
      providers: [provideHttpClient(), provideHttpClientTesting(), provideAuthTesting()],
    });
    const auth = TestBed.inject(AuthService);
    auth.accept({ access_token: 'a', token_type: 'Bearer', id_token: fakeIdToken({ fhirUser: 'Practitioner/p1' }) });
    expect(auth.displayName()).toBe('Practitioner/p1');
    auth.accept({
      access_token: 'b',
      token_type: 'Bearer',
      id_token: fakeIdToken({ fhirUser: 'Practitioner/p1', name: 'Dr Amara Okafor' }),
    });
    expect(auth.displayName()).toBe('Dr Amara Okafor');
  });
});

describe('safeReturnTo', () => {
  it('keeps app paths and turns anything else into the start page', () => {
    expect(safeReturnTo('/patients/1?x=2')).toBe('/patients/1?x=2');
    for (const bad of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'patients', undefined, 42])
      expect(safeReturnTo(bad)).toBe('/');
  });
});
