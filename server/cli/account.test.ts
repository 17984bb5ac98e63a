import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PasswordAccountService } from '../auth/accounts/account-service.ts';
import { getPracticeProvider } from '../auth/federation/practice-providers.ts';
import { SqliteEngine } from '../storage/sqlite/sqlite-engine.ts';
import { cliEnv, runCli } from '../../test/support/run-cli.ts';
import type { CliResult } from '../../test/support/run-cli.ts';

/**
 * `npm run account -- …` run as a child process against a temporary SQLite data directory: the
 * accounts and settings it writes are the ones the server then uses (read back through the same
 * services); bad usage exits 2 with a message and writes nothing.
 */
describe('account command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'account-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], input?: string): Promise<CliResult> =>
    runCli('account', args, { env: cliEnv(dir), ...(input === undefined ? {} : { input }) });

  async function withAccounts<T>(
    work: (accounts: PasswordAccountService, engine: SqliteEngine) => Promise<T>,
  ): Promise<T> {
    const engine = new SqliteEngine(join(dir, 'fhir.sqlite'));
    await engine.open();
    try {
      return await work(new PasswordAccountService({ keyValue: engine.keyValue }), engine);
    } finally {
      await engine.close();
    }
  }

  it('creates an account whose password (read from a pipe) signs in', async () => {
    const out = await cli(
      ['create', '--email', 'Dr.Who@Example.org', '--kind', 'practitioner', '--fhir-user', 'Practitioner/p1'],
      'a long enough password\n',
    );
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Created practitioner account .* for dr\.who@example\.org \(Practitioner\/p1\)/);
    assert.match(out.stderr, /does not exist in the FHIR store/, 'warns that the Practitioner is not there yet');
    await withAccounts(async (accounts) => {
      const ok = await accounts.authenticate('dr.who@example.org', 'a long enough password');
      assert.ok(ok.ok);
      assert.equal((await accounts.authenticate('dr.who@example.org', 'wrong password!!')).ok, false);
    });
  });

  it('sets a new password', async () => {
    const out = await cli(['set-password', '--email', 'dr.who@example.org'], 'another long password\n');
    assert.equal(out.code, 0, out.stderr);
    await withAccounts(async (accounts) =>
      assert.ok((await accounts.authenticate('dr.who@example.org', 'another long password')).ok),
    );
  });

  it("configures a practice's OpenID provider", async () => {
    const out = await cli(
      [
        'federation-provider',
        '--practice',
        'practice-1',
        '--issuer',
        'https://id.example.org',
        '--client-id',
        'portal',
        '--display-name',
        'Example ID',
      ],
      'the client secret\n',
    );
    assert.equal(out.code, 0, out.stderr);
    await withAccounts(async (_accounts, engine) => {
      const provider = await getPracticeProvider(engine.keyValue, 'practice-1');
      assert.equal(provider?.issuer, 'https://id.example.org');
      assert.equal(provider?.displayName, 'Example ID');
    });
  });

  it('refuses bad usage with exit code 2 and writes nothing', async () => {
    for (const args of [
      ['create', '--email', 'x@example.org', '--kind', 'admin', '--fhir-user', 'Practitioner/p', '--no-password'],
      ['frobnicate'],
      ['create', '--email', 'y@example.org'],
    ]) {
      const out = await cli(args);
      assert.equal(out.code, 2, `${args.join(' ')}: ${out.stderr}`);
      assert.ok(out.stderr.length > 0);
    }
    const weak = await cli(
      ['create', '--email', 'z@example.org', '--kind', 'patient', '--fhir-user', 'Person/p'],
      'short\n',
    );
    assert.equal(weak.code, 2, weak.stderr);
    await withAccounts(async (accounts) => {
      for (const email of ['x@example.org', 'y@example.org', 'z@example.org'])
        assert.equal(await accounts.findByEmail(email), undefined, email);
    });
  });
});
