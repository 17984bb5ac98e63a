import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApp } from '../../server/app.ts';
import type { App } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { SqliteEngine } from '../../server/storage/sqlite/sqlite-engine.ts';
import { actAs, BackendTokens, provisionPractice } from './practice-client.ts';
import type { PracticeClient } from './practice-client.ts';

/**
 * A server in a child process (`node server/main.ts`), for tests and benchmarks that need a real
 * process. Its data directory is provisioned once with a practice and a backend client (in this
 * process, on the same SQLite file), and `fhirFetch`/`authedFetch` act as that client.
 */
export interface ServerProcess {
  baseUrl: string;
  fhirUrl: string;
  tokens: BackendTokens;
  child: ChildProcess;
  output: () => string;
  /** SIGTERM, then wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
}

const ROOT = join(import.meta.dirname, '..', '..');

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** An app on a data directory's SQLite store, in this process (seeding before servers start); `close` closes both. */
export async function openAppOn(dataDir: string, baseUrl?: string): Promise<{ app: App; close: () => Promise<void> }> {
  const engine = new SqliteEngine(join(dataDir, 'fhir.sqlite'));
  await engine.open();
  const app = await createApp({
    config: loadConfig({ DATA_DIR: dataDir, SEED_DEMO: 'false', ...(baseUrl ? { BASE_URL: baseUrl } : {}) }),
    engine,
    logger: pino({ level: 'silent' }),
  });
  return {
    app,
    close: async () => {
      await app.close();
      await engine.close();
    },
  };
}

const provisioned = new Map<string, PracticeClient>();

/** The practice and backend client of a data directory, created on first use. */
export async function practiceOf(dataDir: string): Promise<PracticeClient> {
  let client = provisioned.get(dataDir);
  if (!client) {
    const { app, close } = await openAppOn(dataDir);
    try {
      client = await provisionPractice(app);
    } finally {
      await close();
    }
    provisioned.set(dataDir, client);
  }
  return client;
}

export async function startServerProcess(dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const practice = await practiceOf(dataDir);
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      BASE_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready within 30 s:\n${output}`);
    }
    try {
      if ((await fetch(`${baseUrl}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const tokens = new BackendTokens(baseUrl, practice);
  actAs(baseUrl, tokens);
  return {
    baseUrl,
    fhirUrl: `${baseUrl}/fhir/R4`,
    tokens,
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
