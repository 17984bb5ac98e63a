import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey as JoseCryptoKey } from 'jose';
import * as oidc from 'openid-client';
import { ClientRegistrationError } from './clients.ts';
import type { ClientRegistration } from './clients.ts';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, postForm, signInAndConsent } from '../../../test/support/smart-sign-in.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';

/** Client registration: what each kind needs and refuses; every third-party client belongs to a practice. */
describe('client registration', () => {
  let s: SmartServer;
  let publicJwk: Record<string, unknown>;
  let privateKey: JoseCryptoKey;
  before(async () => {
    s = await startSmartServer();
    const pair = await generateKeyPair('RS384', { extractable: true });
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), alg: 'RS384', kid: randomUUID(), use: 'sig' };
  });
  after(() => s.close());

  const REDIRECT = 'https://app.example.org/callback';
  const valid: Record<string, ClientRegistration> = {
    public: {
      practiceId: 'practice-1',
      name: 'Public app',
      kind: 'public',
      redirectUris: [REDIRECT],
      scope: 'openid fhirUser patient/*.rs',
    },
    'confidential-symmetric': {
      practiceId: 'practice-1',
      name: 'Server app',
      kind: 'confidential-symmetric',
      redirectUris: [REDIRECT],
      scope: 'openid user/*.rs',
    },
    'confidential-asymmetric': {
      practiceId: 'practice-1',
      name: 'Signed app',
      kind: 'confidential-asymmetric',
      redirectUris: [REDIRECT],
      scope: 'openid user/*.rs',
      jwks: { keys: [] },
    },
    backend: { practiceId: 'practice-1', name: 'Backend', kind: 'backend', scope: 'system/*.rs', jwks: { keys: [] } },
  };
  const withKey = (registration: ClientRegistration): ClientRegistration =>
    registration.jwks ? { ...registration, jwks: { keys: [publicJwk] } } : registration;

  async function refused(registration: ClientRegistration, message: RegExp): Promise<void> {
    await assert.rejects(s.smart.registerClient(registration), (err: unknown) => {
      assert.ok(err instanceof ClientRegistrationError, String(err));
      assert.match(err.message, message);
      return true;
    });
  }

  it('stores each kind with its practice, kind and scope; only the symmetric one gets a secret', async () => {
    for (const [kind, registration] of Object.entries(valid)) {
      const registered = await s.smart.registerClient(withKey(registration));
      assert.equal(typeof registered.clientId, 'string');
      assert.equal(registered.clientSecret !== undefined, kind === 'confidential-symmetric', kind);
      const client = await s.smart.provider.Client.find(registered.clientId);
      assert.ok(client, kind);
      const metadata = client.metadata();
      assert.equal(metadata.practice_id, 'practice-1');
      assert.equal(metadata.smart_client_kind, kind);
      assert.equal(metadata.smart_scope, registration.scope);
      assert.equal(
        metadata.token_endpoint_auth_method,
        {
          public: 'none',
          'confidential-symmetric': 'client_secret_basic',
          'confidential-asymmetric': 'private_key_jwt',
          backend: 'private_key_jwt',
        }[kind],
      );
    }
  });

  it('re-registering with the same clientId replaces the client', async () => {
    const { clientId } = await s.smart.registerClient({ ...valid.public!, clientId: 'replace-me-1' });
    assert.equal(clientId, 'replace-me-1');
    await s.smart.registerClient({ ...valid.public!, clientId, name: 'Renamed' });
    assert.equal((await s.smart.provider.Client.find(clientId))?.clientName, 'Renamed');
  });

  it('refuses a client without a practice, or with a malformed one', async () => {
    const { practiceId: _, ...withoutPractice } = valid.public!;
    await refused(withoutPractice, /practiceId/);
    await refused({ ...valid.public!, practiceId: '../x' }, /practiceId/);
    await refused({ ...valid.backend!, jwks: { keys: [publicJwk] }, practiceId: '' }, /practiceId/);
  });

  it('refuses what does not fit the kind', async () => {
    await refused({ ...valid.public!, kind: 'admin' as never }, /kind/);
    await refused({ ...valid.public!, name: '  ' }, /name/);
    await refused({ ...valid.public!, clientId: 'a b' }, /clientId/);
    await refused({ ...valid.public!, redirectUris: [] }, /redirect URI/);
    await refused({ ...valid.public!, jwks: { keys: [publicJwk] } }, /does not use keys/);
    await refused({ ...valid['confidential-symmetric']!, jwksUri: 'https://keys.example/jwks' }, /does not use keys/);
    await refused({ ...valid['confidential-asymmetric']!, jwks: undefined }, /jwks or jwksUri/);
    await refused({ ...valid.backend!, jwks: { keys: [{ ...publicJwk, d: 'secret' }] } }, /public keys only/);
    await refused({ ...valid.backend!, jwks: { keys: [publicJwk] }, jwksUri: 'https://keys.example/jwks' }, /either/);
    await refused({ ...valid.backend!, jwks: undefined, jwksUri: 'http://keys.example/jwks' }, /https/);
    await refused({ ...valid.backend!, jwks: { keys: [publicJwk] }, redirectUris: [REDIRECT] }, /no redirect URIs/);
  });

  it('refuses scopes outside the kind: system/ only for backend, never for the others', async () => {
    await refused({ ...valid.backend!, jwks: { keys: [publicJwk] }, scope: 'system/*.rs patient/*.rs' }, /system\//);
    await refused({ ...valid.backend!, jwks: { keys: [publicJwk] }, scope: 'openid' }, /system\//);
    await refused({ ...valid.public!, scope: 'openid system/*.rs' }, /backend/);
    await refused({ ...valid.public!, scope: 'openid patient/*.bogus' }, /permission/);
    await refused({ ...valid.public!, scope: '' }, /scope/);
  });

  it('refuses redirect URIs that are not exact https (or loopback http) URLs', async () => {
    for (const uri of [
      'http://app.example.org/cb',
      'https://app.example.org/cb#frag',
      'https://user:pw@app.example.org/cb',
      '/relative',
      'javascript:alert(1)',
    ]) {
      await refused({ ...valid.public!, redirectUris: [uri] }, /redirect URI/);
    }
  });

  it('a confidential-symmetric client authenticates with its secret (client_secret_basic); a wrong secret is invalid_client', async () => {
    const registered = await s.smart.registerClient(valid['confidential-symmetric']!);
    const user = await s.createAccount('practitioner', 'Practitioner/cs-1');
    const config = await s.rp(registered.clientId, oidc.ClientSecretBasic(registered.clientSecret));
    const request = await authorizationRequest(config, {
      redirect_uri: REDIRECT,
      scope: 'openid user/*.rs',
      aud: s.fhirBase,
    });
    const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
    const wrong = await postForm(
      `${s.base}/oauth/token`,
      {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code')!,
        redirect_uri: REDIRECT,
        code_verifier: request.verifier,
      },
      {
        authorization: `Basic ${Buffer.from(`${registered.clientId}:wrong`).toString('base64')}`,
      },
    );
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    assert.equal((await s.echo(tokens.access_token)).status, 200);
  });

  it('a confidential-asymmetric client authenticates with a signed assertion (private_key_jwt)', async () => {
    const registered = await s.smart.registerClient(withKey(valid['confidential-asymmetric']!));
    const user = await s.createAccount('practitioner', 'Practitioner/ca-1');
    const config = await s.rp(
      registered.clientId,
      oidc.PrivateKeyJwt({ key: privateKey, kid: publicJwk.kid as string }),
      { token_endpoint_auth_signing_alg: 'RS384' },
    );
    const request = await authorizationRequest(config, {
      redirect_uri: REDIRECT,
      scope: 'openid user/*.rs',
      aud: s.fhirBase,
    });
    const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    assert.equal((await s.echo(tokens.access_token)).status, 200);
    const unauthenticated = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'refresh_token',
      refresh_token: 'x',
      client_id: registered.clientId,
    });
    assert.equal(unauthenticated.body.error, 'invalid_client', 'no assertion, no token');
  });
});
