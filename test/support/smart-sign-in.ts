import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import type { Page, TestBrowser } from './test-browser.ts';

/** What a SMART app does around our sign-in pages: the authorization request, the walk through the pages, raw token-endpoint posts. */
export interface PkceRequest {
  url: URL;
  verifier: string;
  challenge: string;
  state: string;
}

/** An authorization URL as a SMART app builds it: PKCE S256, state, aud = the FHIR base URL. */
export async function authorizationRequest(
  config: oidc.Configuration,
  params: Record<string, string>,
): Promise<PkceRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const challenge = await oidc.calculatePKCECodeChallenge(verifier);
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    response_type: 'code',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  return { url, verifier, challenge, state };
}

/** Opens the authorization URL and submits the sign-in form as `user`: answers the page that follows (patient picker, consent, or a redirect). */
export async function signIn(
  browser: TestBrowser,
  authorizeUrl: URL | string,
  user: { email: string; password: string },
): Promise<Page> {
  const page = await browser.go(authorizeUrl);
  return browser.submit(page, 'login', { email: user.email, password: user.password });
}

/**
 * The same request built by hand, for tests against the whole app (no openid-client discovery):
 * our /oauth/authorize with PKCE S256 and a random state (unless `params` sets one); `params`
 * carries client_id, redirect_uri, scope, aud and anything else (launch).
 */
export function pkceAuthorizeUrl(
  serverBase: string,
  params: Record<string, string>,
): { url: URL; verifier: string; state: string } {
  const verifier = randomBytes(32).toString('base64url');
  const all: Record<string, string> = {
    response_type: 'code',
    state: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...params,
  };
  const url = new URL(`${serverBase}/oauth/authorize`);
  for (const [k, v] of Object.entries(all)) url.searchParams.set(k, v);
  return { url, verifier, state: all.state! };
}

/**
 * Signs in and, when asked, picks a patient and consents (ticking `grant` or everything offered):
 * answers the final redirect to the app (a URL on the app's redirect_uri).
 */
export async function signInAndConsent(
  browser: TestBrowser,
  authorizeUrl: URL | string,
  user: { email: string; password: string },
  choices: { patient?: string; grant?: string[] } = {},
): Promise<{ redirect: URL; consentScopes?: string[] }> {
  let page = await browser.go(authorizeUrl);
  if (page.title === 'Sign in')
    page = await browser.submit(page, 'login', { email: user.email, password: user.password });
  if (page.title === 'Choose a patient')
    page = await browser.submit(page, 'patient', { patient: choices.patient ?? page.choices('patient')[0]! });
  let consentScopes: string[] | undefined;
  if (page.title === 'Allow access?') {
    consentScopes = page.choices('scope');
    page = await browser.submit(page, 'consent', { scope: choices.grant ?? consentScopes });
  }
  assert.ok(
    page.location,
    `expected a redirect to the app, got ${page.status} "${page.title}": ${page.body.slice(0, 500)}`,
  );
  return { redirect: new URL(page.location), ...(consentScopes ? { consentScopes } : {}) };
}

/** POSTs a form to the token (or another) endpoint without any client library, for negative cases. */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    headers: response.headers,
  };
}

/** Exchanges an authorization code at the token endpoint as a public PKCE client does. */
export function exchangeCode(
  baseUrl: string,
  exchange: { code: string; verifier: string; clientId: string; redirectUri: string },
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  return postForm(`${baseUrl}/oauth/token`, {
    grant_type: 'authorization_code',
    code: exchange.code,
    redirect_uri: exchange.redirectUri,
    client_id: exchange.clientId,
    code_verifier: exchange.verifier,
  });
}
