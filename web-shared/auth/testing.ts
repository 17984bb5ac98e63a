// Test support for specs only (`@web-shared/auth/testing`; nothing in the apps' code imports this file).
import { provideHttpClient, withInterceptors } from '@angular/common/http';
import type { TestRequest, HttpTestingController } from '@angular/common/http/testing';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { type EnvironmentProviders, Injectable, type Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { type AuthOptions, BrowserLocation, provideAuth } from './auth-config';
import { authInterceptor } from './auth.interceptor';
import {
  AuthService,
  pendingSignInKey,
  SMART_CONFIGURATION_URL,
  type SmartConfiguration,
  type TokenResponse,
} from './auth.service';
import { base64url } from './pkce';

/** The client of the shared specs; the apps' specs pass their own AuthOptions to provideAuthTesting. */
export const CLIENT_ID = 'test-app';
export const ORIGIN = 'https://app.example';
export const APP_BASE = `${ORIGIN}/app/`;
export const PENDING_KEY = pendingSignInKey(CLIENT_ID);
export const TEST_AUTH_OPTIONS: AuthOptions = { clientId: CLIENT_ID, productName: 'Test App' };

export const SMART_CONFIGURATION: Required<SmartConfiguration> = {
  authorization_endpoint: `${ORIGIN}/oauth/authorize`,
  token_endpoint: `${ORIGIN}/oauth/token`,
  revocation_endpoint: `${ORIGIN}/oauth/revoke`,
  end_session_endpoint: `${ORIGIN}/oauth/logout`,
};

/** Records where the app would go instead of going there. */
@Injectable()
export class FakeBrowserLocation extends BrowserLocation {
  readonly assigned: string[] = [];
  override origin(): string {
    return ORIGIN;
  }
  override appBase(): string {
    return APP_BASE;
  }
  override assign(url: string): void {
    this.assigned.push(url);
  }
}

/**
 * Sign-in as `options` configure it (an app's specs pass the app's own AuthOptions), with the browser
 * location faked: the page is at APP_BASE and leaving it is only recorded.
 */
export function provideAuthTesting(options: AuthOptions = TEST_AUTH_OPTIONS): Provider[] {
  return [provideAuth(options), { provide: BrowserLocation, useClass: FakeBrowserLocation }];
}

/**
 * An app's HTTP as its app.config.ts sets it up (authInterceptor: the bearer token on the FHIR API and
 * the `apiBases`) on the testing backend, with sign-in faked as in provideAuthTesting(options).
 */
export function provideAuthHttpTesting(options: AuthOptions = TEST_AUTH_OPTIONS): (Provider | EnvironmentProviders)[] {
  return [
    provideHttpClient(withInterceptors([authInterceptor])),
    provideHttpClientTesting(),
    ...provideAuthTesting(options),
  ];
}

export function fakeLocation(): FakeBrowserLocation {
  return TestBed.inject(BrowserLocation) as FakeBrowserLocation;
}

/** An unsigned JWT carrying `claims` (the app does not verify ID tokens; see fhirUserOf). */
export function fakeIdToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: ORIGIN, aud: CLIENT_ID, ...claims })}.c2lnbmF0dXJl`;
}

export function tokenResponse(overrides: Partial<TokenResponse> = {}, fhirUser = 'Practitioner/p1'): TokenResponse {
  return {
    access_token: 'access-1',
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'openid fhirUser offline_access user/*.cruds',
    refresh_token: 'refresh-1',
    id_token: fakeIdToken({ sub: 'account-1', fhirUser }),
    ...overrides,
  };
}

/** Starts a spec signed in, as if the token endpoint had answered `tokenResponse(overrides)`. */
export function signInForTest(overrides: Partial<TokenResponse> = {}, fhirUser = 'Practitioner/p1'): AuthService {
  const auth = TestBed.inject(AuthService);
  auth.accept(tokenResponse(overrides, fhirUser));
  return auth;
}

/** Answers the SMART discovery request the next step of sign-in makes (waiting for it if need be). */
export async function flushDiscovery(
  http: HttpTestingController,
  config: SmartConfiguration = SMART_CONFIGURATION,
): Promise<TestRequest> {
  const req = await nextRequest(http, isDiscoveryRequest, 'the SMART discovery request');
  req.flush(config);
  return req;
}

export const isDiscoveryRequest = (r: TestRequest['request']) => r.url === SMART_CONFIGURATION_URL;
export const isTokenRequest = (r: TestRequest['request']) => r.url === SMART_CONFIGURATION.token_endpoint;
export const isRevocationRequest = (r: TestRequest['request']) => r.url === SMART_CONFIGURATION.revocation_endpoint;
/** Any request of the sign-in machinery (discovery, token, revocation). */
export const isAuthRequest = (r: TestRequest['request']) =>
  isDiscoveryRequest(r) || isTokenRequest(r) || isRevocationRequest(r);

/** The fields of a form-encoded request body, for exact comparison. */
export function formFields(req: TestRequest): Record<string, string> {
  expect(req.request.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded');
  expect(typeof req.request.body).toBe('string');
  return Object.fromEntries(new URLSearchParams(req.request.body as string));
}

/**
 * Waits (in real time: WebCrypto and HttpClient answer asynchronously) until `check` holds, then
 * resolves; fails the spec after a second.
 */
export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting until ${what}`);
}

/** Waits until exactly one pending request matches `match` and hands it over (like expectOne, later). */
export async function nextRequest(
  http: HttpTestingController,
  match: (r: TestRequest['request']) => boolean,
  what: string,
): Promise<TestRequest> {
  for (let i = 0; i < 200; i++) {
    const found = http.match(match);
    if (found.length > 1) throw new Error(`Expected one request for ${what}, found ${found.length}`);
    if (found.length === 1) return found[0]!;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`Timed out waiting for ${what}`);
}
