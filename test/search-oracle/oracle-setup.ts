import type { Resource } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { loadDefinitions } from '../../server/fhir/definitions.ts';
import { sharedDataMissing } from '../support/shared-data.ts';
import { startTestServer } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { loadOverHttp, readOracleData } from './load-data.ts';
import type { Engine } from './oracle-runner.ts';
import { checkQuery, formatStats, newStats } from './oracle-runner.ts';
import {
  ALL_FEATURES,
  ENABLED_FEATURES,
  Pools,
  queryArbitrary,
  queryString,
  UNFIXED_BUGS,
} from './query-generators.ts';
import type { FeatureName, GenContext, KnownBug } from './query-generators.ts';
import { ReferenceModel } from './reference-evaluator.ts';

/**
 * What both oracle test files share: the configuration (environment variables), loading the data
 * into a fresh server, and running the generated queries against one engine.
 *
 * - ORACLE_SEED: the fast-check seed (default fixed, so CI is reproducible; always printed).
 * - ORACLE_RUNS: generated queries per engine (default 2000).
 * - ORACLE_FEATURES: `all` or a comma-separated list, instead of ENABLED_FEATURES.
 * - ORACLE_KNOWN_BUGS: `none` or a list: which known, unfixed server bugs the generators avoid
 *   (default UNFIXED_BUGS).
 * - ORACLE_COLLECT=1: run every query and list all disagreements (and the slowest queries) instead
 *   of stopping at the first and shrinking it.
 */
export const SEED = Number(process.env.ORACLE_SEED ?? 424242);
export const RUNS = Number(process.env.ORACLE_RUNS ?? 2000);
export const FEATURES: readonly FeatureName[] =
  process.env.ORACLE_FEATURES === 'all'
    ? ALL_FEATURES
    : process.env.ORACLE_FEATURES
      ? (process.env.ORACLE_FEATURES.split(',') as FeatureName[])
      : ENABLED_FEATURES;
export const AVOID: ReadonlySet<KnownBug> = new Set(
  process.env.ORACLE_KNOWN_BUGS === undefined
    ? UNFIXED_BUGS
    : process.env.ORACLE_KNOWN_BUGS === 'none'
      ? []
      : (process.env.ORACLE_KNOWN_BUGS.split(',') as KnownBug[]),
);
const COLLECT = process.env.ORACLE_COLLECT === '1';

/** Skip message when ../shared/data is absent, else false. */
export const SKIP = sharedDataMissing('synthea-bulk-10') || sharedDataMissing('synthea-r4-bundles');

export interface Oracle {
  server: TestServer;
  model: ReferenceModel;
  ctx: GenContext;
}

/** A fresh server with the data loaded over HTTP, the reference model of what it stored, and the generators. */
export async function setUpOracle(): Promise<Oracle> {
  const started = performance.now();
  loadDefinitions();
  const server = await startTestServer();
  const stored = await loadOverHttp(server.fhirUrl, readOracleData());
  const loaded = performance.now();
  // The store also holds the practice the test server acts for (its Organization); so does the model.
  const practice = await server.repo.read<Resource>('Organization', server.practice.practiceId);
  const model = new ReferenceModel([...stored, practice], server.fhirUrl);
  const ctx: GenContext = {
    pools: new Pools(model),
    enabled: new Set(FEATURES),
    baseUrl: server.fhirUrl,
    avoid: AVOID,
  };
  console.log(
    `# search oracle: ${stored.length} resources loaded over HTTP in ${((loaded - started) / 1000).toFixed(1)} s, ` +
      `reference values in ${((performance.now() - loaded) / 1000).toFixed(1)} s`,
  );
  return { server, model, ctx };
}

export function describeConfiguration(): string {
  const disabled = ALL_FEATURES.filter((f) => !FEATURES.includes(f));
  return `seed ${SEED} (ORACLE_SEED), ${RUNS} queries (ORACLE_RUNS); enabled: ${FEATURES.join(' ')}; disabled: ${disabled.join(' ') || 'none'}; known bugs avoided: ${[...AVOID].join(' ') || 'none'}`;
}

/**
 * Runs RUNS generated queries on `engine` and compares each with the reference evaluation: as a
 * fast-check property (the first disagreement is shrunk to a small query), or with ORACLE_COLLECT=1
 * every query, listing all disagreements.
 */
export async function runOracle(t: TestContext, oracle: Oracle, engine: Engine, label: string): Promise<void> {
  t.diagnostic(describeConfiguration());
  const started = performance.now();
  const stats = newStats();
  const arbitrary = queryArbitrary(oracle.ctx);
  if (COLLECT) {
    const failures: string[] = [];
    const slowest: Array<[number, string]> = [];
    for (const g of fc.sample(arbitrary, { seed: SEED, numRuns: RUNS })) {
      const began = performance.now();
      try {
        await checkQuery(oracle.model, engine, g, stats, label);
      } catch (e) {
        failures.push(`[${g.features.join(' ')}] ${(e as Error).message}`);
      }
      slowest.push([performance.now() - began, `${g.query.resourceType}?${decodeURIComponent(queryString(g.query))}`]);
    }
    slowest.sort((a, b) => b[0] - a[0]);
    t.diagnostic(
      `slowest: ${slowest
        .slice(0, 10)
        .map(([ms, q]) => `\n  ${ms.toFixed(0)} ms ${q}`)
        .join('')}`,
    );
    t.diagnostic(`${formatStats(label, stats)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    assert.deepEqual(failures, []);
  } else {
    await fc.assert(
      fc.asyncProperty(arbitrary, (g) => checkQuery(oracle.model, engine, g, stats, label)),
      { seed: SEED, numRuns: RUNS },
    );
    t.diagnostic(`${formatStats(label, stats)} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  // Every enabled feature was exercised, and most queries found something.
  const rare = FEATURES.filter((f) => (stats.features.get(f) ?? 0) < Math.min(10, RUNS / 100));
  assert.deepEqual(rare, [], `features exercised too rarely: ${rare.join(', ')}`);
  assert.ok(stats.nonEmpty >= stats.queries * 0.5, `only ${stats.nonEmpty} of ${stats.queries} queries had results`);
}
