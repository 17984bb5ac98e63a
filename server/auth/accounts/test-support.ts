import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEngine } from '../../storage/sqlite/sqlite-engine.ts';
import type { ScryptParams } from './password-hash.ts';

/**
 * For the accounts and federation tests: a real SQLite engine in a temporary directory with a clock
 * the test moves, and a real HTTP server on loopback.
 */

/** Real scrypt at a cost that keeps tests quick on a small shared machine (the default is tested once). */
export const TEST_SCRYPT: ScryptParams = { ln: 10, r: 8, p: 1 };

export interface TestClock {
  (): number;
  advance(ms: number): void;
}

export function testClock(start = Date.UTC(2030, 0, 1)): TestClock {
  let now = start;
  const clock = (() => now) as TestClock;
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

export interface TestEngine {
  engine: SqliteEngine;
  clock: TestClock;
  close(): Promise<void>;
}

/** `start`: the clock's first reading (default a fixed date; pass Date.now() when real tokens are involved). */
export async function openTestEngine(prefix: string, start?: number): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const clock = testClock(start);
  const engine = new SqliteEngine(join(dir, 'fhir.sqlite'), { clock });
  await engine.open();
  return {
    engine,
    clock,
    async close() {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TestHttpServer {
  url: string;
  port: number;
  /** Replaces the request handler (for servers whose handler needs the URL first). */
  setHandler(h: RequestListener): void;
  close(): Promise<void>;
}

/** Listens on a free loopback port; `handler` may be set later (when the URL must be known first). */
export async function startHttp(handler?: RequestListener): Promise<TestHttpServer> {
  let current = handler;
  const server = createServer((req, res) => current?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setHandler(h) {
      current = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
