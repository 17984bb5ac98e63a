import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { indexWithAccess, tombstoneRows } from '../access/access-index.ts';
import { loadFhirDefinitions } from '../fhir/load-fhir-definitions.ts';
import { loadProfiles, ResourceValidator } from '../fhir/validation/validator.ts';
import { parseSearch } from '../fhir/search/parse-search.ts';
import type { Query } from '../fhir/search/parse-search.ts';
import { VersionedRepository } from '../storage/repository.ts';
import type { Repository } from '../storage/repository.ts';
import { SqliteEngine } from '../storage/sqlite/sqlite-engine.ts';
import type { TrailClock } from './audit-trail.ts';

/**
 * For the audit tests: a real SQLite store in a temporary directory behind a repository built the
 * way server/app.ts builds it (the server's validator, the index with access rows), a logger whose
 * lines the test can read, and timers the test fires by hand.
 */
export const TEST_BASE_URL = 'http://audit.test/fhir/R4';
const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export interface TestStore {
  repo: Repository;
  /** The engine under `repo` (to build other repositories on the same store, e.g. trailRepository). */
  engine: SqliteEngine;
  validator: ResourceValidator;
  close(): Promise<void>;
}

export async function openTestStore(): Promise<TestStore> {
  loadFhirDefinitions();
  const validator = new ResourceValidator(loadProfiles(join(PROJECT_ROOT, 'fhir-profiles')));
  const dir = mkdtempSync(join(tmpdir(), 'audit-test-'));
  const engine = new SqliteEngine(join(dir, 'fhir.sqlite'));
  await engine.open();
  const repo = new VersionedRepository({
    engine,
    validate: (resource) => validator.validate(resource),
    index: (resource) => indexWithAccess(resource, TEST_BASE_URL),
    tombstoneIndex: (resource) => tombstoneRows(resource, TEST_BASE_URL),
  });
  return {
    repo,
    engine,
    validator,
    close: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resource ids matching `query` on `type` (one page of up to 1000), through `repo`. */
export async function searchIds(repo: Repository, type: string, query: Query): Promise<string[]> {
  const { request } = parseSearch(type, query, { baseUrl: TEST_BASE_URL, strict: true, defaultCount: 1000, maxCount: 1000, maxOrValues: 100 });
  return (await repo.search(request)).versions.map((v) => v.id);
}

export interface CapturedLog {
  logger: Logger;
  lines: Array<{ level: number; msg: string; [key: string]: unknown }>;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

/** Timers that fire only when the test says so. */
export interface ManualClock extends TrailClock {
  /** Delays of the timers now pending, in arming order. */
  readonly pending: number[];
  /** Fires every pending timer. */
  fire(): void;
}

export function manualClock(): ManualClock {
  const timers = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  return {
    setTimeout: (callback, ms) => {
      timers.set(++next, { callback, ms });
      return next;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    get pending() {
      return [...timers.values()].map((t) => t.ms);
    },
    fire: () => {
      const due = [...timers.values()];
      timers.clear();
      for (const t of due) t.callback();
    },
  };
}

/** Waits (polling) until `condition` holds; fails after `ms`. */
export async function eventually(condition: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
