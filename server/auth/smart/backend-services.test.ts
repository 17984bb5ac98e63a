import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import * as oidc from 'openid-client';
import { startHttp } from '../../../test/support/loopback-http.ts';
import type { TestHttpServer } from '../../../test/support/loopback-http.ts';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { postForm } from '../../../test/support/smart-sign-in.ts';

/**
 * SMART Backend Services: client_credentials authenticated with a private_key_jwt client assertion
 * (RS384 or ES384; keys inline or at a jwks_uri), system/ scopes only.
 */
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface KeyPair {
  alg: 'RS384' | 'ES384';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function keyPair(alg: 'RS384' | 'ES384'): Promise<KeyPair> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { alg, kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), alg, kid, use: 'sig' } };
}

describe('backend services (client_credentials + private_key_jwt)', () => {
  let s: SmartServer;
  let tokenUrl: string;
  let jwksServer: TestHttpServer;
  let servedJwks: { keys: JWK[] } = { keys: [] };

  before(async () => {
    s = await startSmartServer();
    tokenUrl = `${s.base}/oauth/token`;
    jwksServer = await startHttp((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(servedJwks));
    });
  });
  after(async () => {
    await jwksServer.close();
    await s.close();
  });

  async function backend(key: KeyPair, options: { viaUri?: boolean; scope?: string } = {}): Promise<string> {
    const { clientId } = await s.smart.registerClient({
      practiceId: 'practice-b',
      name: 'Lab system',
      kind: 'backend',
      scope: options.scope ?? 'system/*.rs system/Observation.cruds',
      ...(options.viaUri
        ? { jwksUri: `${jwksServer.url}/jwks.json` }
        : { jwks: { keys: [key.publicJwk as Record<string, unknown>] } }),
    });
    return clientId;
  }

  function assertion(
    clientId: string,
    key: KeyPair,
    claims: { exp?: number; jti?: string; aud?: string } = {},
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(claims.aud ?? tokenUrl)
      .setJti(claims.jti ?? randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(claims.exp ?? now + 240)
      .sign(key.privateKey);
  }

  function token(clientAssertion: string, scope = 'system/*.rs') {
    return postForm(tokenUrl, {
      grant_type: 'client_credentials',
      scope,
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: clientAssertion,
    });
  }

  for (const alg of ['RS384', 'ES384'] as const) {
    it(`${alg} with inline keys: a system/ token that the FHIR API accepts`, async () => {
      const key = await keyPair(alg);
      const clientId = await backend(key);
      const response = await token(await assertion(clientId, key), 'system/Observation.rs');
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.equal(response.body.token_type, 'Bearer');
      assert.equal(response.body.scope, 'system/Observation.rs');
      assert.equal(response.body.expires_in, 300);
      assert.equal(response.body.refresh_token, undefined);
      assert.equal(response.body.id_token, undefined);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const echoed = await s.echo(response.body.access_token as string);
      assert.deepEqual(echoed.body.grant, { clientId, clientPractice: 'practice-b', scope: 'system/Observation.rs' });
    });
  }

  it('openid-client as the backend service (PrivateKeyJwt), keys at a jwks_uri on loopback', async () => {
    const key = await keyPair('ES384');
    servedJwks = { keys: [key.publicJwk] };
    const clientId = await backend(key, { viaUri: true });
    const config = await s.rp(
      clientId,
      oidc.PrivateKeyJwt(
        { key: key.privateKey, kid: key.kid },
        {
          [oidc.modifyAssertion]: (_header, payload) => {
            payload.aud = tokenUrl; // SMART: aud is the token endpoint URL
          },
        },
      ),
      { token_endpoint_auth_signing_alg: 'ES384' },
    );
    const response = await oidc.clientCredentialsGrant(config, { scope: 'system/*.rs' });
    assert.equal(response.scope, 'system/*.rs');
    assert.equal((await s.echo(response.access_token)).status, 200);
    const introspected = await oidc.tokenIntrospection(config, response.access_token);
    assert.equal(introspected.active, true);
    assert.equal(introspected.client_id, clientId);
  });

  it('refuses an assertion valid for more than 5 minutes: invalid_client', async () => {
    const key = await keyPair('RS384');
    const clientId = await backend(key);
    const response = await token(await assertion(clientId, key, { exp: Math.floor(Date.now() / 1000) + 301 + 10 }));
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
    assert.equal(response.body.access_token, undefined);
  });

  it('refuses a replayed jti: invalid_client', async () => {
    const key = await keyPair('ES384');
    const clientId = await backend(key);
    const jti = randomUUID();
    assert.equal((await token(await assertion(clientId, key, { jti }))).status, 200);
    const replay = await token(await assertion(clientId, key, { jti }));
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'invalid_client');
  });

  it('refuses alg none: invalid_client', async () => {
    const key = await keyPair('RS384');
    const clientId = await backend(key);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${encode({ alg: 'none', kid: key.kid, typ: 'JWT' })}.${encode({ iss: clientId, sub: clientId, aud: tokenUrl, jti: randomUUID(), exp: now + 120 })}.`;
    const response = await token(unsigned);
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion): invalid_client', async () => {
    const key = await keyPair('RS384');
    const clientId = await backend(key);
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', kid: key.kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setExpirationTime(now + 120)
      .sign(secret);
    const response = await token(forged);
    assert.equal(response.status, 401);
    assert.equal(response.body.error, 'invalid_client');
  });

  it('refuses an assertion signed by another key, or for another audience, or with sub ≠ client_id: invalid_client', async () => {
    const key = await keyPair('ES384');
    const stranger = await keyPair('ES384');
    const clientId = await backend(key);
    assert.equal((await token(await assertion(clientId, { ...stranger, kid: key.kid }))).body.error, 'invalid_client');
    assert.equal(
      (await token(await assertion(clientId, key, { aud: 'https://elsewhere.example/token' }))).body.error,
      'invalid_client',
    );
    const wrongSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: key.kid })
      .setIssuer(clientId)
      .setSubject('someone-else')
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setExpirationTime('2m')
      .sign(key.privateKey);
    assert.equal((await token(wrongSub)).body.error, 'invalid_client');
  });

  it('only system/ scopes, within the registered ones: invalid_scope otherwise', async () => {
    const key = await keyPair('ES384');
    const clientId = await backend(key, { scope: 'system/Observation.rs' });
    for (const scope of [
      'patient/*.rs',
      'user/Observation.rs',
      'openid',
      'launch/patient',
      'system/Patient.rs',
      'system/Observation.cruds',
      'offline_access',
    ]) {
      const response = await token(await assertion(clientId, key), scope);
      assert.equal(response.status, 400, scope);
      assert.equal(response.body.error, 'invalid_scope', `${scope}: ${JSON.stringify(response.body)}`);
    }
    const missing = await postForm(tokenUrl, {
      grant_type: 'client_credentials',
      client_assertion_type: ASSERTION_TYPE,
      client_assertion: await assertion(clientId, key),
    });
    assert.equal(missing.body.error, 'invalid_scope', 'a scope is required');
  });

  it('a backend client cannot use the authorization endpoint', async () => {
    const key = await keyPair('ES384');
    const clientId = await backend(key);
    const url = `${s.base}/oauth/authorize?response_type=code&client_id=${clientId}&scope=system/*.rs&state=x&aud=${encodeURIComponent(s.fhirBase)}`;
    const response = await fetch(url, { redirect: 'manual' });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
  });

  it('an access token of a client that was deleted is refused', async () => {
    const key = await keyPair('ES384');
    const clientId = await backend(key);
    const response = await token(await assertion(clientId, key));
    await s.t.engine.keyValue.destroy('oidc:Client', clientId);
    const echoed = await s.echo(response.body.access_token as string);
    assert.equal(echoed.status, 401);
  });
});
