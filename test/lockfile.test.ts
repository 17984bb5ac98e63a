import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { PROJECT_ROOT } from '../server/cli/start.ts';

/**
 * The committed package-lock.json is what `npm install` writes (issue #10, decision 0014): `npm test`
 * runs after `npm install` (the README's command, CI's too), so an install that rewrote the lockfile
 * shows here as an uncommitted change. A lockfile grown by incremental installs (optional peer
 * dependencies left unresolved) is the usual cause: regenerate it in a fresh clone and commit it.
 */
const inGitCheckout = existsSync(join(PROJECT_ROOT, '.git'));
const git = (...args: string[]) => spawnSync('git', args, { cwd: PROJECT_ROOT, encoding: 'utf8' });

describe('package-lock.json', () => {
  it('declares the same dependencies as package.json', () => {
    const manifest = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
    const lock = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, Record<string, unknown>>;
    };
    const root = lock.packages[''] ?? {};
    assert.deepEqual(root.dependencies, manifest.dependencies);
    assert.deepEqual(root.devDependencies, manifest.devDependencies);
  });

  it(
    'is left unchanged by the install that preceded the tests',
    { skip: !inGitCheckout && 'not a git checkout' },
    () => {
      const diff = git('diff', '--stat', '--', 'package-lock.json');
      assert.equal(diff.status, 0, diff.stderr);
      assert.equal(
        diff.stdout,
        '',
        `npm install rewrote package-lock.json; commit the lockfile it wrote:\n${diff.stdout}`,
      );
    },
  );
});
