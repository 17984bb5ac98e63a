import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { BackendTokens, provisionPractice } from '../support/practice-client.ts';
import { openAppOn } from '../support/server-process.ts';
import { startTreeServer } from './tree-server.ts';
import { syntheticPatient } from './synthetic-patients.ts';

/**
 * The bench's create row (POST /Patient of synthetic Patients, 10 connections) as an A/B of two
 * checkouts on one store, alternating, like ab-compare.ts; and the way to profile the create path.
 * Not a test.
 * Usage: node test/bench/create-ab.ts <tree A> [tree B] [rounds]   (one tree: just measure it)
 * CREATE_SECONDS (default 8) per measurement; CPU_PROF=<dir> runs each server with --cpu-prof
 * writing its profile there (summarise it with test/bench/profile-summary.ts).
 */
const [treeA, treeB, roundsArg] = process.argv.slice(2) as [string, string?, string?];
const ROUNDS = Number(roundsArg ?? 3);
const SECONDS = Number(process.env.CREATE_SECONDS ?? 8);
const PORT = 18_322;
const BASE = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'create-ab-'));

const { app, close: closeApp } = await openAppOn(dataDir, BASE);
const client = await provisionPractice(app, 'Create practice', undefined, { managesAccess: false });
await closeApp();
console.error(`store: ${dataDir}`);

let created = 0;
interface Figures {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
}

async function measure(tree: string): Promise<Figures> {
  const profile = process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : [];
  const server = await startTreeServer(tree, { dataDir, port: PORT, nodeFlags: profile });
  const token = await new BackendTokens(BASE, client).token();
  const result = await autocannon({
    url: `${BASE}/fhir/R4/Patient`,
    method: 'POST',
    connections: 10,
    duration: SECONDS,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/fhir+json',
      'content-type': 'application/fhir+json',
    },
    requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(syntheticPatient(10_000_000 + created++)) }) }],
  });
  await server.stop();
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    failed: result.non2xx + result.errors + result.timeouts,
  };
}

const trees: Array<[string, string]> = treeB
  ? [
      ['A', treeA],
      ['B', treeB],
    ]
  : [['A', treeA]];
const table: Record<string, Figures[]> = { A: [], B: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, tree] of trees) {
    const r = await measure(tree);
    table[label]!.push(r);
    console.log(`round ${round + 1} ${label}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, failed ${r.failed}`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [label] of trees) {
  const rows = table[label]!;
  console.log(
    `create Patient ${label}: median ${median(rows.map((r) => r.rps))} req/s, p50 ${median(rows.map((r) => r.p50))} ms, p99 ${median(rows.map((r) => r.p99))} ms`,
  );
}
// The store is ~0.4–1 GiB; set AB_KEEP=1 to keep it (e.g. for EXPLAIN QUERY PLAN).
if (process.env.AB_KEEP === '1') console.error(`store kept: ${dataDir}`);
else rmSync(dataDir, { recursive: true, force: true });
