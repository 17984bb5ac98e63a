import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { indexWithAccess, tombstoneRows } from '../../server/access/access-index.ts';
import { extractIndexRowsOf } from '../../server/fhir/search/extract-index.ts';
import { loadFhirDefinitions } from '../../server/fhir/load-fhir-definitions.ts';
import { parseSearch } from '../../server/fhir/search/parse-search.ts';
import type { Query } from '../../server/fhir/search/parse-search.ts';
import { loadProfiles, ResourceValidator } from '../../server/fhir/validation/validator.ts';
import { VersionedRepository } from '../../server/storage/repository.ts';
import type { Repository } from '../../server/storage/repository.ts';
import { SqliteEngine } from '../../server/storage/sqlite/sqlite-engine.ts';
import type { StorageEngine } from '../../server/storage/storage-engine.ts';
import { MingoEngine } from './mingo-engine.ts';
import { testClock } from './test-clock.ts';
import type { TestClock } from './test-clock.ts';

/**
 * Stores for tests that need no HTTP server: a real SQLite engine in a temporary directory (or the
 * MongoDB engine over mingo), alone (`openTestEngine`, for the key-value users: accounts, SMART,
 * federation) or behind a repository built the way server/app.ts builds it (`openTestStore`).
 */
export const TEST_BASE_URL = 'http://test.local/fhir/R4';
const PROJECT_ROOT = join(import.meta.dirname, '..', '..');

export interface TestEngine {
  engine: SqliteEngine;
  /** The SQLite file (to open a second connection on the same store, as another process would). */
  file: string;
  clock: TestClock;
  close(): Promise<void>;
}

/** A fresh SQLite engine in a temporary directory removed on close. `start`: the clock's first reading (see testClock). */
export async function openTestEngine(prefix: string, start?: number): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const opened = await openEngineOn(join(dir, 'fhir.sqlite'), start);
  return {
    ...opened,
    async close() {
      await opened.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A SQLite engine on an existing file (e.g. one a CLI wrote, or a second "process" on the same store); the file is left in place. */
export async function openEngineOn(file: string, start?: number): Promise<TestEngine> {
  const clock = testClock(start);
  const engine = new SqliteEngine(file, { clock });
  await engine.open();
  return { engine, clock, file, close: () => engine.close() };
}

export { loadFhirDefinitions };

export interface TestStoreOptions {
  /** Which engine holds the data: SQLite in a temporary directory (default) or the MongoDB engine's code over mingo. */
  engine?: 'sqlite' | 'mingo';
  /** Validate writes with the server's profiles, as the server does (default); false stores anything (fixtures without the required fields). */
  validate?: boolean;
}

export interface TestStore {
  repo: Repository;
  /** The engine under `repo` (to build other repositories or the trail store on the same store). */
  engine: StorageEngine;
  validator: ResourceValidator;
  close(): Promise<void>;
}

/** An unscoped repository with the server's definitions, index (with access rows) and, by default, its validator. */
export async function openTestStore(options: TestStoreOptions = {}): Promise<TestStore> {
  loadFhirDefinitions();
  const validator = new ResourceValidator(loadProfiles(join(PROJECT_ROOT, 'fhir-profiles')));
  const dir = mkdtempSync(join(tmpdir(), 'test-store-'));
  const engine: StorageEngine =
    options.engine === 'mingo' ? new MingoEngine() : new SqliteEngine(join(dir, 'fhir.sqlite'));
  await engine.open();
  const repo = new VersionedRepository({
    engine,
    validate: options.validate === false ? () => undefined : (resource) => validator.validate(resource),
    index: (resource) => indexWithAccess(resource, TEST_BASE_URL),
    tombstoneIndex: (resource) => tombstoneRows(resource, TEST_BASE_URL),
    indexOf: (resource, params) => extractIndexRowsOf(resource, TEST_BASE_URL, params),
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

/** Parses a search the way the REST layer does (strict, at TEST_BASE_URL; `count` per page, 1000 at most). */
export function testSearch(type: string, query: Query, count = 1000) {
  return parseSearch(type, query, {
    baseUrl: TEST_BASE_URL,
    strict: true,
    defaultCount: count,
    maxCount: 1000,
    maxOrValues: 100,
  });
}

/** Resource ids matching `query` on `type` (one page of up to 1000), through `repo`. */
export async function searchIds(repo: Repository, type: string, query: Query): Promise<string[]> {
  return (await repo.search(testSearch(type, query).request)).versions.map((v) => v.id);
}
