import type { HttpErrorResponse } from '@angular/common/http';
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting, type TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import {
  APP_BASE,
  CLIENT_ID,
  fakeLocation,
  flushDiscovery,
  formFields,
  isTokenRequest,
  nextRequest,
  ORIGIN,
  provideAuthTesting,
  signInForTest,
  SMART_CONFIGURATION,
  TEST_AUTH_OPTIONS,
  until,
} from './testing';
import { authInterceptor, isAppApiRequest, isFhirApiRequest } from './auth.interceptor';
import type { AuthService } from './auth.service';

const UNAUTHORIZED = { status: 401, statusText: 'Unauthorized' };
const expired = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'expired', details: { text: 'The access token has expired' } }],
};

/** As the console configures it: the FHIR API and its own `/api/` get the token (the portal: only the FHIR API). */
const WITH_API = { ...TEST_AUTH_OPTIONS, apiBases: ['/api'] };

describe('authInterceptor', () => {
  let http: HttpTestingController;
  let client: HttpClient;
  let auth: AuthService;

  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting(WITH_API),
      ],
    });
    http = TestBed.inject(HttpTestingController);
    client = TestBed.inject(HttpClient);
    auth = signInForTest({ access_token: 'access-1', refresh_token: 'refresh-1' });
  });

  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  const authorization = (req: TestRequest) => req.request.headers.get('Authorization');

  /** Subscribes and records the outcome. */
  function get(url: string) {
    const result: { value?: unknown; error?: HttpErrorResponse } = {};
    client.get(url).subscribe({ next: (v) => (result.value = v), error: (e: HttpErrorResponse) => (result.error = e) });
    return result;
  }

  it('adds the bearer token to requests for this origin’s FHIR API', () => {
    get('/fhir/R4/Patient?name=a');
    get(`${ORIGIN}/fhir/R4/Patient/1`);
    get('/fhir/R4');
    expect(authorization(http.expectOne('/fhir/R4/Patient?name=a'))).toBe('Bearer access-1');
    expect(authorization(http.expectOne(`${ORIGIN}/fhir/R4/Patient/1`))).toBe('Bearer access-1');
    expect(authorization(http.expectOne('/fhir/R4'))).toBe('Bearer access-1');
  });

  it('adds the bearer token to requests for this origin’s /api/ (EHR launch, practice apps and clients)', () => {
    const post = client.post('/api/ehr-launch', { patient: 'a1' });
    post.subscribe();
    get(`${ORIGIN}/api/practices/o1/clients`);
    expect(authorization(http.expectOne('/api/ehr-launch'))).toBe('Bearer access-1');
    expect(authorization(http.expectOne(`${ORIGIN}/api/practices/o1/clients`))).toBe('Bearer access-1');
  });

  it('on 401 from /api/ refreshes and repeats the request with the new token', async () => {
    const result = get('/api/practices/o1/apps');
    http.expectOne('/api/practices/o1/apps').flush(expired, UNAUTHORIZED);
    await flushDiscovery(http);
    (await nextRequest(http, isTokenRequest, 'the refresh')).flush({
      access_token: 'access-2',
      token_type: 'Bearer',
      refresh_token: 'refresh-2',
    });
    const retry = await nextRequest(http, (r) => r.url === '/api/practices/o1/apps', 'the repeat');
    expect(authorization(retry)).toBe('Bearer access-2');
    retry.flush([]);
    expect(result.value).toEqual([]);
  });

  it('adds nothing to any other request', () => {
    const others = [
      'https://evil.example/api/ehr-launch',
      '//evil.example/api/ehr-launch',
      'http://app.example/api/ehr-launch',
      '/api',
      '/apix/ehr-launch',
      'api/ehr-launch', // relative to the app base: /app/api/ehr-launch
      '/app/api/ehr-launch',
      'https://evil.example/fhir/R4/Patient',
      '//evil.example/fhir/R4/Patient',
      '/fhir/R4x/Patient',
      '/fhir/R5/Patient',
      '/oauth/token',
      '/fhir/R4/.well-known/smart-configuration',
      'fhir/R4/Patient', // relative to the app base: /app/fhir/R4/Patient
      '/app/assets/x.json',
    ];
    for (const url of others) get(url);
    for (const url of others) {
      const req = http.expectOne(url);
      expect(req.request.headers.has('Authorization')).withContext(url).toBeFalse();
      req.flush({});
    }
  });

  it('on 401 refreshes once for concurrent requests, with rotation, and repeats them with the new token', async () => {
    const a = get('/fhir/R4/Patient/a');
    const b = get('/fhir/R4/Patient/b');
    http.expectOne('/fhir/R4/Patient/a').flush(expired, UNAUTHORIZED);
    http.expectOne('/fhir/R4/Patient/b').flush(expired, UNAUTHORIZED);

    await flushDiscovery(http);
    const refresh = await nextRequest(http, isTokenRequest, 'the refresh request');
    expect(formFields(refresh)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-1',
      client_id: CLIENT_ID,
    });
    refresh.flush({ access_token: 'access-2', token_type: 'Bearer', expires_in: 300, refresh_token: 'refresh-2' });

    const retryA = await nextRequest(http, (r) => r.url === '/fhir/R4/Patient/a', 'the repeat of a');
    const retryB = await nextRequest(http, (r) => r.url === '/fhir/R4/Patient/b', 'the repeat of b');
    expect(authorization(retryA)).toBe('Bearer access-2');
    expect(authorization(retryB)).toBe('Bearer access-2');
    retryA.flush({ id: 'a' });
    retryB.flush({ id: 'b' });
    expect(a.value).toEqual({ id: 'a' });
    expect(b.value).toEqual({ id: 'b' });
    http.expectNone(isTokenRequest);

    // The next expiry presents the rotated refresh token, not the first one.
    get('/fhir/R4/Patient/c');
    http.expectOne('/fhir/R4/Patient/c').flush(expired, UNAUTHORIZED);
    const second = await nextRequest(http, isTokenRequest, 'the second refresh');
    expect(formFields(second)['refresh_token']).toBe('refresh-2');
    second.flush({ access_token: 'access-3', token_type: 'Bearer', refresh_token: 'refresh-3' });
    const retryC = await nextRequest(http, (r) => r.url === '/fhir/R4/Patient/c', 'the repeat of c');
    expect(authorization(retryC)).toBe('Bearer access-3');
    retryC.flush({});
  });

  it('repeats without refreshing when the token was already replaced', async () => {
    const a = get('/fhir/R4/Patient/a');
    const pendingA = http.expectOne('/fhir/R4/Patient/a');
    auth.accept({ access_token: 'access-2', token_type: 'Bearer', refresh_token: 'refresh-2' });
    pendingA.flush(expired, UNAUTHORIZED);
    const retry = await nextRequest(http, (r) => r.url === '/fhir/R4/Patient/a', 'the repeat');
    expect(authorization(retry)).toBe('Bearer access-2');
    retry.flush({ ok: true });
    expect(a.value).toEqual({ ok: true });
    http.expectNone(isTokenRequest);
  });

  it('starts sign-in again when the refresh is refused, and fails the request with the 401', async () => {
    const a = get('/fhir/R4/Patient/a');
    http.expectOne('/fhir/R4/Patient/a').flush(expired, UNAUTHORIZED);
    await flushDiscovery(http);
    (await nextRequest(http, isTokenRequest, 'the refresh')).flush(
      { error: 'invalid_grant' },
      { status: 400, statusText: 'Bad Request' },
    );

    await until(() => fakeLocation().assigned.length > 0, 'sign-in restarts');
    expect(fakeLocation().assigned[0]).toMatch(/^https:\/\/app\.example\/oauth\/authorize\?/);
    expect(a.error?.status).toBe(401);
    expect(auth.signedIn()).toBeFalse();
    http.expectNone('/fhir/R4/Patient/a');
  });

  it('starts sign-in again, without a second refresh, when the repeated request is refused too', async () => {
    const a = get('/fhir/R4/Patient/a');
    http.expectOne('/fhir/R4/Patient/a').flush(expired, UNAUTHORIZED);
    await flushDiscovery(http);
    (await nextRequest(http, isTokenRequest, 'the refresh')).flush({
      access_token: 'access-2',
      token_type: 'Bearer',
      refresh_token: 'refresh-2',
    });
    (await nextRequest(http, (r) => r.url === '/fhir/R4/Patient/a', 'the repeat')).flush(expired, UNAUTHORIZED);

    await until(() => fakeLocation().assigned.length > 0, 'sign-in restarts');
    expect(a.error?.status).toBe(401);
    http.expectNone(isTokenRequest);
  });

  it('passes other errors through without refreshing', async () => {
    const a = get('/fhir/R4/Patient/a');
    http
      .expectOne('/fhir/R4/Patient/a')
      .flush({ resourceType: 'OperationOutcome', issue: [] }, { status: 403, statusText: 'Forbidden' });
    expect(a.error?.status).toBe(403);
    await new Promise((resolve) => setTimeout(resolve, 20));
    http.expectNone(isTokenRequest);
    expect(fakeLocation().assigned).toEqual([]);
  });

  it('sends nothing to the FHIR API once signed out, and starts sign-in', async () => {
    get('/fhir/R4/Patient/a');
    http.expectOne('/fhir/R4/Patient/a').flush(expired, UNAUTHORIZED);
    await flushDiscovery(http);
    (await nextRequest(http, isTokenRequest, 'the refresh')).flush(
      { error: 'invalid_grant' },
      { status: 400, statusText: 'Bad Request' },
    );
    await until(() => fakeLocation().assigned.length === 1, 'sign-in restarts');
    expect(auth.signedIn()).toBeFalse();

    const b = get('/fhir/R4/Patient/b');
    http.expectNone('/fhir/R4/Patient/b');
    expect(b.error?.status).toBe(401);
    await until(() => fakeLocation().assigned.length === 2, 'sign-in starts again');
    expect(new URL(fakeLocation().assigned[1]!).searchParams.get('redirect_uri')).toBe(`${APP_BASE}signed-in`);
    http.expectNone(isTokenRequest);
  });
});

describe('authInterceptor without apiBases (the portal)', () => {
  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([authInterceptor])),
        provideHttpClientTesting(),
        provideRouter([]),
        provideAuthTesting(),
      ],
    });
    signInForTest({ access_token: 'access-1' });
  });

  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    sessionStorage.clear();
  });

  it('adds the bearer token to this origin’s FHIR API and to nothing else, not even /api/', () => {
    const http = TestBed.inject(HttpTestingController);
    const client = TestBed.inject(HttpClient);
    for (const url of ['/fhir/R4/Patient', '/api/ehr-launch', `${ORIGIN}/api/practices/o1/clients`])
      client.get(url).subscribe();
    expect(http.expectOne('/fhir/R4/Patient').request.headers.get('Authorization')).toBe('Bearer access-1');
    expect(http.expectOne('/api/ehr-launch').request.headers.has('Authorization')).toBeFalse();
    expect(http.expectOne(`${ORIGIN}/api/practices/o1/clients`).request.headers.has('Authorization')).toBeFalse();
  });
});

describe('isFhirApiRequest', () => {
  const check = (url: string) => isFhirApiRequest(url, ORIGIN, APP_BASE);

  it('is true for the FHIR base and below on this origin only', () => {
    expect(check('/fhir/R4/Patient')).toBeTrue();
    expect(check(`${ORIGIN}/fhir/R4/Patient?x=1`)).toBeTrue();
    expect(check('/fhir/R4')).toBeTrue();
    expect(check('http://app.example/fhir/R4/Patient')).toBeFalse();
    expect(check('https://app.example:8443/fhir/R4/Patient')).toBeFalse();
    expect(check('/fhir/R4/../../oauth/token')).toBeFalse();
    expect(check('/fhir/R4/.well-known/smart-configuration')).toBeFalse();
    expect(check(SMART_CONFIGURATION.token_endpoint)).toBeFalse();
  });
});

describe('isAppApiRequest', () => {
  const check = (url: string) => isAppApiRequest(url, ORIGIN, APP_BASE, '/api');

  it('is true below this origin’s /api/ only', () => {
    expect(check('/api/ehr-launch')).toBeTrue();
    expect(check(`${ORIGIN}/api/practices/o1/clients/c1`)).toBeTrue();
    expect(check('/api')).toBeFalse();
    expect(check('/apis/x')).toBeFalse();
    expect(check('api/ehr-launch')).toBeFalse();
    expect(check('https://evil.example/api/ehr-launch')).toBeFalse();
    expect(check('/api/../oauth/token')).toBeFalse();
    expect(check('/fhir/R4/Patient')).toBeFalse();
  });
});
