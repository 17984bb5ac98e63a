import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import { SqliteEngine } from '../storage/sqlite/sqlite-engine.ts';
import { createOidcAdapter } from './oidc-adapter.ts';

/**
 * A real oidc-provider over the adapter over a real SQLite engine, on loopback: a token issued by
 * one Provider is still active for a new Provider (a restart) on the same file, until revoked.
 */
const CLIENT_ID = 'backend-service';
const CLIENT_SECRET = 'a-test-only-client-secret-that-is-long-enough';
const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;

describe('oidc-provider adapter over the key-value store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-adapter-'));
  const file = join(dir, 'fhir.sqlite');
  // One signing key for both Providers, as a deployment would configure it.
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JsonWebKey;
  let issuer = '';

  interface Running {
    engine: SqliteEngine;
    server: Server;
    url: string;
    stop(): Promise<void>;
  }

  /** Opens the engine on `file`, a Provider over it and a loopback server for it. */
  async function start(): Promise<Running> {
    const engine = new SqliteEngine(file);
    await engine.open();
    let handler: ReturnType<Provider['callback']> | undefined;
    const server = createServer((req, res) => void handler?.(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    issuer ||= url; // the issuer stays the same across the restart; only the port changes
    const provider = new Provider(issuer, {
      adapter: createOidcAdapter(engine.keyValue),
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
      ],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: {
          enabled: true,
          allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
        },
        revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      },
      jwks: { keys: [jwk as Record<string, string>] },
      cookies: { keys: ['a-test-only-cookie-key'] },
      scopes: ['system/Patient.rs'],
      ttl: { ClientCredentials: 600 },
    });
    handler = provider.callback();
    return {
      engine,
      server,
      url,
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
        await engine.close();
      },
    };
  }

  const post = async (
    url: string,
    form: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a client-credentials token across a restart until it is revoked', async () => {
    let running = await start();
    let accessToken: string;
    try {
      const token = await post(`${running.url}/token`, {
        grant_type: 'client_credentials',
        scope: 'system/Patient.rs',
      });
      assert.equal(token.status, 200, JSON.stringify(token.body));
      assert.equal(token.body.token_type, 'Bearer');
      accessToken = token.body.access_token as string;
      assert.equal(typeof accessToken, 'string');
      const introspected = await post(`${running.url}/token/introspection`, { token: accessToken });
      assert.equal(introspected.status, 200);
      assert.equal(introspected.body.active, true);
      assert.equal(introspected.body.client_id, CLIENT_ID);
      const stored = await running.engine.keyValue.find('oidc:ClientCredentials', accessToken);
      assert.equal(stored?.payload.clientId, CLIENT_ID, 'the token is in the kv table');
      assert.ok(
        stored.expiresAt !== null && Math.abs(stored.expiresAt - (Date.now() + 600_000)) < 5_000,
        'with the token lifetime as expiry',
      );
    } finally {
      await running.stop();
    }

    running = await start();
    try {
      const afterRestart = await post(`${running.url}/token/introspection`, { token: accessToken });
      assert.equal(afterRestart.body.active, true, 'a new Provider on the same file knows the token');
      assert.equal(afterRestart.body.scope, 'system/Patient.rs');
      const revoked = await post(`${running.url}/token/revocation`, { token: accessToken });
      assert.equal(revoked.status, 200);
      const afterRevocation = await post(`${running.url}/token/introspection`, { token: accessToken });
      assert.deepEqual(afterRevocation.body, { active: false });
      assert.equal(await running.engine.keyValue.find('oidc:ClientCredentials', accessToken), undefined);
      const unknown = await post(`${running.url}/token/introspection`, { token: 'x'.repeat(5000) });
      assert.deepEqual(unknown.body, { active: false }, 'a hostile token value is simply unknown');
    } finally {
      await running.stop();
    }
  });

  describe('adapter semantics', () => {
    let engine: SqliteEngine;
    let adapter: (model: string) => Adapter;
    before(async () => {
      engine = new SqliteEngine(join(dir, 'semantics.sqlite'));
      await engine.open();
      const Adapter = createOidcAdapter(engine.keyValue);
      adapter = (model) => new Adapter(model);
    });
    after(() => engine.close());

    it('finds what was upserted, adds `consumed` once consumed, forgets destroyed records', async () => {
      const codes = adapter('AuthorizationCode');
      await codes.upsert('code-1', { jti: 'code-1', clientId: 'c', grantId: 'g-1', kind: 'AuthorizationCode' }, 60);
      assert.deepEqual(await codes.find('code-1'), {
        jti: 'code-1',
        clientId: 'c',
        grantId: 'g-1',
        kind: 'AuthorizationCode',
      });
      assert.equal(await adapter('AccessToken').find('code-1'), undefined, 'each model is its own namespace');
      await codes.consume('code-1');
      const consumed = await codes.find('code-1');
      assert.equal(typeof consumed?.consumed, 'number');
      assert.ok(Math.abs((consumed?.consumed as number) - Date.now() / 1000) < 5);
      await codes.destroy('code-1');
      assert.equal(await codes.find('code-1'), undefined);
    });

    it('finds sessions by uid and device codes by user code', async () => {
      await adapter('Session').upsert('sess-jti', { jti: 'sess-jti', uid: 'sess-uid', kind: 'Session' }, 60);
      assert.equal((await adapter('Session').findByUid('sess-uid'))?.jti, 'sess-jti');
      await adapter('DeviceCode').upsert('dc', { jti: 'dc', userCode: 'WDJB-MJHT', grantId: 'g-2' }, 60);
      assert.equal((await adapter('DeviceCode').findByUserCode('WDJB-MJHT'))?.jti, 'dc');
    });

    it("revokeByGrantId deletes the grant's codes and tokens of every model, not its interactions", async () => {
      await adapter('AccessToken').upsert('at', { jti: 'at', grantId: 'g-3' }, 60);
      await adapter('RefreshToken').upsert('rt', { jti: 'rt', grantId: 'g-3' }, 600);
      await adapter('Interaction').upsert('ia', { jti: 'ia', grantId: 'g-3' }, 60);
      await adapter('AccessToken').upsert('other', { jti: 'other', grantId: 'g-4' }, 60);
      await adapter('AccessToken').revokeByGrantId('g-3');
      assert.equal(await adapter('AccessToken').find('at'), undefined);
      assert.equal(await adapter('RefreshToken').find('rt'), undefined);
      assert.equal((await adapter('Interaction').find('ia'))?.jti, 'ia');
      assert.equal((await adapter('AccessToken').find('other'))?.jti, 'other');
    });

    it('a registered client without expiry is kept', async () => {
      await adapter('Client').upsert('dyn-client', {
        client_id: 'dyn-client',
        redirect_uris: ['https://app.example/cb'],
      });
      const stored = await engine.keyValue.find('oidc:Client', 'dyn-client');
      assert.equal(stored?.expiresAt, null);
    });
  });
});
