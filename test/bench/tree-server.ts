import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/**
 * A checkout's server (`<tree>/server/main.ts`, with that checkout's own Node) started on a given data
 * directory, for the A/B and profiling scripts of this folder, which compare checkouts on one store.
 * Not a test helper: test/support/server-process.ts starts this checkout's server for tests.
 */
export interface TreeServer {
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (a --cpu-prof profile is written on the way out). */
  stop(): Promise<void>;
}

export interface TreeServerOptions {
  dataDir: string;
  port: number;
  /** Flags for node before the script, e.g. `--cpu-prof`, `--import <preload>`. */
  nodeFlags?: string[];
}

/** Starts the server and resolves once `/readyz` answers (within 30 s). */
export async function startTreeServer(tree: string, options: TreeServerOptions): Promise<TreeServer> {
  const base = `http://127.0.0.1:${options.port}`;
  const child = spawn(
    join(tree, 'node_modules/node/bin/node'),
    [...(options.nodeFlags ?? []), join(tree, 'server/main.ts')],
    {
      cwd: tree,
      env: {
        ...process.env,
        PORT: String(options.port),
        HOST: '127.0.0.1',
        DATA_DIR: options.dataDir,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        BASE_URL: base,
        // One backend token sends every request of a run: the per-token limit must never throttle it.
        FHIR_RATE_LIMIT_PER_TOKEN: '1000000000',
      },
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { child, stop: () => stop(child, exited) };
    } catch {
      /* still starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${tree}: server not ready on ${base} within 30 s`);
}

async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null) child.kill('SIGTERM');
  await exited;
}
