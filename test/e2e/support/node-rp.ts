import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { authorizationRequest } from '../../support/smart-sign-in.ts';
import { TestBrowser } from '../../support/test-browser.ts';

/**
 * `openid-client` v6 as a SMART relying party in Node: the server metadata comes from the FHIR
 * server's `/.well-known/smart-configuration` (what a SMART app discovers from `iss`), the user's
 * part (sign in, patient picker, consent) is played by the cookie-keeping TestBrowser of
 * test/support/test-browser.ts on our HTML forms, the code is exchanged with PKCE (S256).
 */
export async function smartRelyingParty(fhirUrl: string, clientId: string): Promise<oidc.Configuration> {
  const response = await fetch(`${fhirUrl}/.well-known/smart-configuration`);
  assert.equal(response.status, 200);
  const smart = (await response.json()) as oidc.ServerMetadata & {
    capabilities: string[];
    code_challenge_methods_supported: string[];
  };
  assert.ok(smart.capabilities.includes('launch-standalone') && smart.capabilities.includes('launch-ehr'));
  assert.deepEqual(smart.code_challenge_methods_supported, ['S256']);
  // The issuer's own OpenID discovery agrees with the SMART document.
  const discovered = await oidc.discovery(new URL(smart.issuer), clientId, {}, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  const metadata = discovered.serverMetadata();
  assert.equal(metadata.authorization_endpoint, smart.authorization_endpoint);
  assert.equal(metadata.token_endpoint, smart.token_endpoint);
  const config = new oidc.Configuration(smart, clientId, {}, oidc.None());
  oidc.allowInsecureRequests(config);
  return config;
}

export interface CodeFlowInput {
  config: oidc.Configuration;
  fhirUrl: string;
  redirectUri: string;
  scope: string;
  user: { email: string; password: string };
  /** EHR launch: the `launch` value. */
  launch?: string;
  /** The patient id to pick in the picker; the test fails if the picker does not offer it. */
  patient?: string;
  untick?: string[];
}

export interface CodeFlowResult {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  pickerChoices?: string[];
  consentScopes?: string[];
}

export async function codeFlow(serverBase: string, input: CodeFlowInput): Promise<CodeFlowResult> {
  const request = await authorizationRequest(input.config, {
    redirect_uri: input.redirectUri,
    scope: input.scope,
    aud: input.fhirUrl,
    ...(input.launch ? { launch: input.launch } : {}),
  });
  const browser = new TestBrowser(serverBase);
  const out: Omit<CodeFlowResult, 'tokens'> = {};
  let page = await browser.go(String(request.url));
  for (let step = 0; step < 6 && !(page.location && !page.location.startsWith(`${serverBase}/oauth/`)); step++) {
    if (page.title === 'Sign in') {
      page = await browser.submit(page, 'login', { email: input.user.email, password: input.user.password });
    } else if (page.title === 'Choose a patient') {
      out.pickerChoices = page.choices('patient');
      const patient = input.patient ?? out.pickerChoices[0]!;
      assert.ok(
        out.pickerChoices.includes(patient),
        `the picker does not offer ${patient}: ${out.pickerChoices.join(', ')}`,
      );
      page = await browser.submit(page, 'patient', { patient });
    } else if (page.title === 'Allow access?') {
      out.consentScopes = page.choices('scope');
      page = await browser.submit(page, 'consent', {
        scope: out.consentScopes.filter((s) => !input.untick?.includes(s)),
      });
    } else {
      assert.fail(`unexpected page "${page.title}" (${page.status}): ${page.body.slice(0, 400)}`);
    }
  }
  assert.ok(page.location, `expected a redirect to the app, got ${page.status} "${page.title}"`);
  const tokens = await oidc.authorizationCodeGrant(input.config, new URL(page.location), {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
  });
  return { tokens, ...out };
}

/**
 * A practitioner's token as the practitioner console (the first-party public client
 * `practitioner-console`: no consent page) gets it, for calling POST /api/ehr-launch.
 */
export async function consoleToken(
  serverBase: string,
  fhirUrl: string,
  user: { email: string; password: string },
): Promise<string> {
  const config = await smartRelyingParty(fhirUrl, 'practitioner-console');
  const { tokens } = await codeFlow(serverBase, {
    config,
    fhirUrl,
    redirectUri: `${serverBase}/console/signed-in`,
    scope: 'openid fhirUser user/*.cruds',
    user,
  });
  return tokens.access_token;
}

/** POST /api/ehr-launch as the console does: `{ launch, iss }` on 201. */
export async function ehrLaunch(
  serverBase: string,
  token: string,
  body: { patient: string; encounter?: string },
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${serverBase}/api/ehr-launch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}
