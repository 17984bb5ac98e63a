import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildChangedApps, PROJECT_ROOT } from '../server/cli/start.ts';

/**
 * `npm start` (server/cli/start.ts, docs/decisions/0014-start-and-install.md): the apps are rebuilt
 * only when their inputs changed, and SIGTERM to the PID `npm start` started stops the server.
 */

function fakeWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'start-'));
  const files: Record<string, string> = {
    'practitioner-app/src/main.ts': 'console',
    'portal-app/src/main.ts': 'portal',
    'web-shared/shell.ts': 'shared',
    'angular.json': '{}',
    'package-lock.json': '{}',
    'tsconfig.json': '{}',
  };
  for (const [path, text] of Object.entries(files)) write(root, path, text);
  return root;
}

function write(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

/** Runs the check with a build that writes what `ng build` writes (and wipes, as Angular does). */
async function startOnce(root: string, failing: string[] = []): Promise<{ built: string[]; log: string[] }> {
  const log: string[] = [];
  const calls: string[] = [];
  const build = async (app: string): Promise<void> => {
    calls.push(app);
    rmSync(join(root, 'dist', app), { recursive: true, force: true });
    if (failing.includes(app)) throw new Error(`ng build ${app} failed`);
    write(root, `dist/${app}/browser/index.html`, '<html></html>');
  };
  const built = await buildChangedApps({ rootDir: root, build, log: (line) => log.push(line) });
  assert.deepEqual(built, calls);
  return { built, log };
}

describe('npm start builds only the apps whose sources changed', () => {
  it('builds both on the first start, none on the second, and says so', async () => {
    const root = fakeWorkspace();
    try {
      const first = await startOnce(root);
      assert.deepEqual(first.built, ['practitioner-app', 'portal-app']);
      assert.deepEqual(first.log, [
        'start: rebuilding the console: not built yet',
        'start: rebuilding the portal: not built yet',
      ]);
      const second = await startOnce(root);
      assert.deepEqual(second.built, []);
      assert.deepEqual(second.log, ['start: apps up to date (practitioner-app, portal-app)']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('rebuilds one app when its folder changes, both when a shared input changes or a file is added', async () => {
    const root = fakeWorkspace();
    try {
      await startOnce(root);
      write(root, 'portal-app/src/main.ts', 'portal, edited');
      const portalOnly = await startOnce(root);
      assert.deepEqual(portalOnly.built, ['portal-app']);
      assert.deepEqual(portalOnly.log, ['start: rebuilding the portal: sources changed']);
      for (const shared of [
        'web-shared/shell.ts',
        'angular.json',
        'package-lock.json',
        'tsconfig.json',
        'web-shared/new-file.ts',
      ]) {
        write(root, shared, `changed ${shared}`);
        assert.deepEqual((await startOnce(root)).built, ['practitioner-app', 'portal-app'], shared);
      }
      // Output and caches are not inputs.
      write(root, 'practitioner-app/node_modules/x.js', 'x');
      write(root, '.angular/cache/y', 'y');
      assert.deepEqual((await startOnce(root)).built, []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a failed build records nothing: the next start builds that app again', async () => {
    const root = fakeWorkspace();
    try {
      await assert.rejects(startOnce(root, ['portal-app']), /ng build portal-app failed/);
      assert.ok(existsSync(join(root, 'dist', 'practitioner-app', '.sources-fingerprint')));
      assert.deepEqual((await startOnce(root)).built, ['portal-app']);
      // An app built by other means (plain `ng build` wipes dist/<app>) is not trusted.
      rmSync(join(root, 'dist', 'practitioner-app', '.sources-fingerprint'));
      assert.deepEqual((await startOnce(root)).built, ['practitioner-app']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('npm start runs the server in its place', () => {
  it('SIGTERM to the PID `npm start` started stops the server: the port is freed, the exit code is 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'start-data-'));
    const port = await freePort();
    // The npm that runs this test (npm_execpath), else the one on the PATH.
    const npmCli = process.env.npm_execpath;
    const [command, args] = npmCli?.endsWith('.js') ? [process.execPath, [npmCli, 'start']] : ['npm', ['start']];
    const child = spawn(command, args, {
      cwd: PROJECT_ROOT,
      // BUILD_APPS=never: the build check is the unit tests' business; no app build in CI here.
      env: {
        ...process.env,
        BUILD_APPS: 'never',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'info',
        BASE_URL: `http://127.0.0.1:${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: a server left behind by a regression is killed below
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    try {
      const deadline = Date.now() + 60_000;
      for (;;) {
        assert.equal(child.exitCode, null, `npm start exited early:\n${output}`);
        assert.ok(Date.now() < deadline, `not ready within 60 s:\n${output}`);
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ready) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(output, /start: apps not checked \(BUILD_APPS=never\)/);

      child.kill('SIGTERM'); // npm's PID, as a process manager holds it
      const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const { code, signal } = await exited;
      clearTimeout(timeout);
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, output);
      assert.match(output, /shut down cleanly/);
      assert.ok(await portIsFree(port), `port ${port} is still held after npm exited:\n${output}`);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone: nothing left behind
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
