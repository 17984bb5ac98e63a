import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey as JoseCryptoKey } from 'jose';
import { cliEnv, runCli } from '../../test/support/run-cli.ts';
import type { CliResult } from '../../test/support/run-cli.ts';
import { startSmartServer } from '../../test/support/smart-server.ts';
import { postForm } from '../../test/support/smart-sign-in.ts';
import { parseRegistration, UsageError } from './register-client.ts';

/**
 * The register-client command run as a child process against a temporary SQLite data directory;
 * then a server over that file gives the registered client tokens.
 */

describe('register-client command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'register-client-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[]): Promise<CliResult> =>
    runCli('register-client', args, { env: cliEnv(dir, undefined, { NODE_ENV: 'test' }) });

  let backendId = '';
  let privateKey: JoseCryptoKey;
  let kid = '';
  let symmetric: { id: string; secret: string };

  before(async () => {
    const pair = await generateKeyPair('ES384', { extractable: true });
    privateKey = pair.privateKey;
    kid = randomUUID();
    writeFileSync(
      join(dir, 'lab.jwks.json'),
      JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), alg: 'ES384', kid, use: 'sig' }] }),
    );
  });

  it('registers a backend client from a JWKS file and prints only its client_id', async () => {
    const out = await cli([
      '--practice',
      'practice-9',
      '--name',
      'Lab feed',
      '--kind',
      'backend',
      '--jwks-file',
      join(dir, 'lab.jwks.json'),
      '--scope',
      'system/*.rs',
    ]);
    assert.equal(out.code, 0, out.stderr);
    const match = /^client_id: (\S+)\n$/.exec(out.stdout);
    assert.ok(match, out.stdout);
    backendId = match[1]!;
  });

  it('registers a confidential-symmetric client and prints its secret once', async () => {
    const out = await cli([
      '--practice',
      'practice-9',
      '--name',
      'Server app',
      '--kind',
      'confidential-symmetric',
      '--redirect-uri',
      'https://app.example.org/cb',
      '--scope',
      'openid fhirUser user/*.rs',
    ]);
    assert.equal(out.code, 0, out.stderr);
    const id = /client_id: (\S+)/.exec(out.stdout)?.[1];
    const secret = /client_secret: (\S+)/.exec(out.stdout)?.[1];
    assert.ok(id && secret && secret.length >= 32, out.stdout);
    assert.match(out.stderr, /shown only now/);
    symmetric = { id, secret };
  });

  it('refuses bad usage and invalid registrations with exit code 2 and a message', async () => {
    const noPractice = await cli(['--name', 'x', '--kind', 'backend', '--scope', 'system/*.rs']);
    assert.equal(noPractice.code, 2);
    assert.match(noPractice.stderr, /--practice is required/);
    const userScope = await cli([
      '--practice',
      'practice-9',
      '--name',
      'x',
      '--kind',
      'backend',
      '--jwks-file',
      join(dir, 'lab.jwks.json'),
      '--scope',
      'patient/*.rs',
    ]);
    assert.equal(userScope.code, 2);
    assert.match(userScope.stderr, /system\//);
    const unknownOption = await cli([
      '--practice',
      'p',
      '--name',
      'x',
      '--kind',
      'public',
      '--scope',
      'openid',
      '--secret',
      'x',
    ]);
    assert.equal(unknownOption.code, 2);
    const noKeys = await cli([
      '--practice',
      'practice-9',
      '--name',
      'x',
      '--kind',
      'backend',
      '--scope',
      'system/*.rs',
    ]);
    assert.equal(noKeys.code, 2);
    assert.match(noKeys.stderr, /jwks/);
  });

  it('the server over that data directory gives both clients tokens', async () => {
    const s = await startSmartServer({ sqliteFile: join(dir, 'fhir.sqlite') });
    try {
      const tokenUrl = `${s.base}/oauth/token`;
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES384', kid })
        .setIssuer(backendId)
        .setSubject(backendId)
        .setAudience(tokenUrl)
        .setJti(randomUUID())
        .setExpirationTime('4m')
        .sign(privateKey);
      const token = await postForm(tokenUrl, {
        grant_type: 'client_credentials',
        scope: 'system/*.rs',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });
      assert.equal(token.status, 200, JSON.stringify(token.body));
      const echoed = await s.echo(token.body.access_token as string);
      assert.deepEqual(echoed.body.grant, { clientId: backendId, clientPractice: 'practice-9', scope: 'system/*.rs' });

      const basic = `Basic ${Buffer.from(`${symmetric.id}:${symmetric.secret}`).toString('base64')}`;
      const authenticated = await postForm(
        `${s.base}/oauth/introspect`,
        { token: 'unknown' },
        { authorization: basic },
      );
      assert.equal(authenticated.status, 200, 'the secret authenticates the client');
      const wrong = await postForm(
        `${s.base}/oauth/introspect`,
        { token: 'unknown' },
        { authorization: `Basic ${Buffer.from(`${symmetric.id}:nope`).toString('base64')}` },
      );
      assert.equal(wrong.body.error, 'invalid_client');
    } finally {
      await s.close();
    }
  });

  it('parses repeated redirect URIs and rejects a malformed JWKS file', () => {
    const registration = parseRegistration([
      '--practice',
      'p',
      '--name',
      'n',
      '--kind',
      'public',
      '--scope',
      'openid',
      '--redirect-uri',
      'https://a/1',
      '--redirect-uri',
      'https://a/2',
    ]);
    assert.deepEqual(registration.redirectUris, ['https://a/1', 'https://a/2']);
    assert.throws(
      () =>
        parseRegistration(
          ['--practice', 'p', '--name', 'n', '--kind', 'backend', '--scope', 's', '--jwks-file', 'f'],
          () => '{"nokeys":1}',
        ),
      UsageError,
    );
    assert.throws(
      () =>
        parseRegistration(
          ['--practice', 'p', '--name', 'n', '--kind', 'backend', '--scope', 's', '--jwks-file', 'f'],
          () => 'not json',
        ),
      UsageError,
    );
  });

  it('registers a client to manage access only when asked (--manages-access)', () => {
    const args = ['--practice', 'p', '--name', 'n', '--kind', 'backend', '--scope', 'system/*.rs'];
    assert.equal(parseRegistration(args).managesAccess, undefined);
    assert.equal(parseRegistration([...args, '--manages-access']).managesAccess, true);
    assert.throws(() => parseRegistration([...args, '--manages-access=yes']), UsageError);
  });
});
