import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';

/** SMART App Launch 2.2 §"Conformance": the smart-configuration document, OIDC discovery, CORS. */
describe('discovery', () => {
  let s: SmartServer;
  before(async () => {
    s = await startSmartServer();
  });
  after(() => s.close());

  const CAPABILITIES = [
    'launch-standalone',
    'launch-ehr',
    'client-public',
    'client-confidential-symmetric',
    'client-confidential-asymmetric',
    'sso-openid-connect',
    'context-standalone-patient',
    'context-ehr-patient',
    'context-banner',
    'context-style',
    'permission-offline',
    'permission-online',
    'permission-patient',
    'permission-user',
    'permission-v1',
    'permission-v2',
    'authorize-post',
  ];

  it('serves .well-known/smart-configuration under the FHIR base URL with the SMART 2.2 fields', async () => {
    const response = await fetch(`${s.fhirBase}/.well-known/smart-configuration`, {
      headers: { origin: 'https://app.example' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const doc = (await response.json()) as Record<string, unknown>;
    assert.equal(doc.issuer, s.base);
    assert.equal(doc.authorization_endpoint, `${s.base}/oauth/authorize`);
    assert.equal(doc.token_endpoint, `${s.base}/oauth/token`);
    assert.equal(doc.jwks_uri, `${s.base}/oauth/jwks`);
    assert.equal(doc.introspection_endpoint, `${s.base}/oauth/introspect`);
    assert.equal(doc.revocation_endpoint, `${s.base}/oauth/revoke`);
    assert.deepEqual(doc.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(doc.response_types_supported, ['code']);
    for (const grant of ['authorization_code', 'refresh_token', 'client_credentials'])
      assert.ok((doc.grant_types_supported as string[]).includes(grant), grant);
    for (const method of ['none', 'client_secret_basic', 'private_key_jwt'])
      assert.ok((doc.token_endpoint_auth_methods_supported as string[]).includes(method), method);
    for (const alg of ['RS384', 'ES384'])
      assert.ok((doc.token_endpoint_auth_signing_alg_values_supported as string[]).includes(alg), alg);
    for (const scope of ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access', 'online_access'])
      assert.ok((doc.scopes_supported as string[]).includes(scope), scope);
    const capabilities = doc.capabilities as string[];
    for (const capability of CAPABILITIES) assert.ok(capabilities.includes(capability), `capability ${capability}`);
  });

  it('the endpoints it names are the ones the OpenID discovery document names', async () => {
    const smart = (await (await fetch(`${s.fhirBase}/.well-known/smart-configuration`)).json()) as Record<
      string,
      unknown
    >;
    const response = await fetch(`${s.base}/.well-known/openid-configuration`, {
      headers: { origin: 'https://app.example' },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const openid = (await response.json()) as Record<string, unknown>;
    assert.equal(openid.issuer, s.base);
    for (const key of [
      'authorization_endpoint',
      'token_endpoint',
      'jwks_uri',
      'introspection_endpoint',
      'revocation_endpoint',
    ]) {
      assert.equal(openid[key], smart[key], key);
    }
    assert.deepEqual(openid.code_challenge_methods_supported, ['S256']);
    assert.ok((openid.claims_supported as string[]).includes('fhirUser'));
  });

  it('the JWKS has public keys only, with CORS', async () => {
    const response = await fetch(`${s.base}/oauth/jwks`, { headers: { origin: 'https://app.example' } });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), '*');
    const { keys } = (await response.json()) as { keys: Array<Record<string, unknown>> };
    assert.ok(keys.some((k) => k.alg === 'RS256' && k.kty === 'RSA'));
    for (const key of keys) assert.equal(key.d, undefined, 'no private part');
  });

  it('the token endpoint answers CORS preflight and errors with Access-Control-Allow-Origin', async () => {
    const preflight = await fetch(`${s.base}/oauth/token`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    assert.ok(preflight.status === 204 || preflight.status === 200, String(preflight.status));
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    const post = await fetch(`${s.base}/oauth/token`, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=refresh_token&refresh_token=x&client_id=nobody',
    });
    assert.equal(post.status, 401);
    assert.equal(post.headers.get('access-control-allow-origin'), '*');
    assert.equal(((await post.json()) as { error: string }).error, 'invalid_client');
  });

  it('the sign-in pages are not open to other origins', async () => {
    const response = await fetch(`${s.base}/oauth/authorize?client_id=x`, {
      headers: { origin: 'https://app.example' },
    });
    assert.equal(response.headers.get('access-control-allow-origin'), null);
  });
});
