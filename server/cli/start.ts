import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * `npm start`: builds the Angular apps whose sources changed since their last successful build, then
 * runs the server in this same process (docs/decisions/0014-start-and-install.md).
 *
 * Running the server here, not in a second process, is what lets a process manager stop it: npm runs
 * `node server/cli/start.ts` as its only child (the shell execs a single command) and forwards SIGTERM
 * and SIGINT to it, so the signal reaches the server's own shutdown (server/main.ts), the port is
 * freed and the exit code (0) becomes npm's.
 *
 * `BUILD_APPS=never` skips the check (an image whose dist/ was built ahead; the tests).
 */

/** The apps `npm start` serves (server/ops/static-apps.ts), as named in angular.json. */
export const APPS = ['practitioner-app', 'portal-app'] as const;

/** What each app's build reads besides its own folder; a change to any of them rebuilds it. */
const SHARED_INPUTS = ['web-shared', 'angular.json', 'package-lock.json', 'tsconfig.json'];
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.angular', '.git']);
const FINGERPRINT_FILE = '.sources-fingerprint';

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

/** SHA-256 over the paths and contents of an app's inputs (its folder, web-shared/, the workspace files). */
export function sourcesFingerprint(rootDir: string, app: string): string {
  const files: string[] = [];
  for (const input of [app, ...SHARED_INPUTS]) collectFiles(join(rootDir, input), files);
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(relative(rootDir, file).split(sep).join('/')).update('\0');
    hash.update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function collectFiles(path: string, into: string[]): void {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isFile()) into.push(path);
  if (!stat?.isDirectory()) return;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory() && SKIPPED_DIRS.has(entry.name)) continue;
    if (entry.isDirectory() || entry.isFile()) collectFiles(join(path, entry.name), into);
  }
}

/** The fingerprint stored with the app's last successful build, or undefined (never built, or built by hand). */
function storedFingerprint(rootDir: string, app: string): string | undefined {
  const dir = join(rootDir, 'dist', app);
  if (!existsSync(join(dir, 'browser', 'index.html'))) return undefined;
  try {
    return readFileSync(join(dir, FINGERPRINT_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export interface BuildOptions {
  rootDir: string;
  /** Builds one app into dist/<app>/browser; rejects when the build fails. */
  build: (app: string) => Promise<void>;
  log: (line: string) => void;
  apps?: readonly string[];
}

/**
 * Builds the apps whose inputs differ from their last successful build and records the new
 * fingerprints (computed before the build: an edit made during the build triggers the next one).
 * Returns the apps built.
 */
export async function buildChangedApps({ rootDir, build, log, apps = APPS }: BuildOptions): Promise<string[]> {
  const stale: { app: string; fingerprint: string; reason: string }[] = [];
  for (const app of apps) {
    const fingerprint = sourcesFingerprint(rootDir, app);
    const stored = storedFingerprint(rootDir, app);
    if (stored !== fingerprint)
      stale.push({ app, fingerprint, reason: stored === undefined ? 'not built yet' : 'sources changed' });
  }
  if (stale.length === 0) {
    log(`start: apps up to date (${apps.join(', ')})`);
    return [];
  }
  for (const { app, fingerprint, reason } of stale) {
    log(`start: rebuilding the ${appLabel(app)}: ${reason}`);
    await build(app);
    writeFileSync(join(rootDir, 'dist', app, FINGERPRINT_FILE), `${fingerprint}\n`);
  }
  return stale.map((s) => s.app);
}

function appLabel(app: string): string {
  if (app === 'practitioner-app') return 'console';
  if (app === 'portal-app') return 'portal';
  return app;
}

/** `ng build <app>` on this Node (24), output to the terminal; SIGTERM/SIGINT stop the build and this process. */
function ngBuild(rootDir: string): (app: string) => Promise<void> {
  const ng = join(rootDir, 'node_modules', '@angular', 'cli', 'bin', 'ng.js');
  return (app) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [ng, 'build', app], { cwd: rootDir, stdio: 'inherit' });
      const stop = (signal: NodeJS.Signals): void => {
        child.kill(signal);
        child.once('exit', () => process.exit(signal === 'SIGINT' ? 130 : 143));
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      child.once('error', reject);
      child.once('exit', (code, signal) => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        if (code === 0) resolve();
        else reject(new Error(`ng build ${app} failed (${signal ?? `exit code ${code}`})`));
      });
    });
}

async function start(): Promise<void> {
  const mode = process.env.BUILD_APPS ?? 'auto';
  if (mode !== 'auto' && mode !== 'never') {
    console.error(`start: BUILD_APPS must be "auto" or "never", not "${mode}"`);
    process.exit(1);
  }
  if (mode === 'auto') {
    try {
      await buildChangedApps({ rootDir: PROJECT_ROOT, build: ngBuild(PROJECT_ROOT), log: (line) => console.log(line) });
    } catch (err) {
      console.error(`start: ${(err as Error).message}`);
      process.exit(1);
    }
  } else console.log('start: apps not checked (BUILD_APPS=never)');
  // The server in this process: its SIGTERM/SIGINT handlers are the only ones from here on.
  await import('../main.ts');
}

if (import.meta.main) await start();
