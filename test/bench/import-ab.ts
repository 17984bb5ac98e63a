import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { syntheaBundles } from '../support/shared-data.ts';

/**
 * The transaction-Bundle import of run-bench.ts (the 7 Synthea Bundles, POST /fhir/R4, one at a
 * time, resources/s over the time spent in the requests), A/B between two checkouts, alternating,
 * each round on fresh stores; or one tree under `--cpu-prof`, with the profile's top items.
 * Not a test (never run by `npm test`).
 *
 *   node test/bench/import-ab.ts <tree A> <tree B> [rounds]   medians of A and B
 *   node test/bench/import-ab.ts --profile <tree> [out dir]    self time per function of one import
 *
 * Each tree's own test/support/server-process.ts provisions its store and starts its server, so
 * each side runs entirely on its own code. Env: IMPORT_ROUNDS (imports of the 7 Bundles per
 * measurement, default 2).
 */
const IMPORT_ROUNDS = Number(process.env.IMPORT_ROUNDS ?? 2);
const SERVER_ENV = { BUNDLE_MAX_ENTRIES: '1000', FHIR_RATE_LIMIT_PER_TOKEN: '1000000000' };

interface ServerProcess {
  fhirUrl: string;
  child: { pid?: number };
  tokens: { token(): Promise<string> };
  stop(): Promise<number | null>;
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Rate {
  /** Resources per second of wall time in the requests. */
  wall: number;
  /** Resources per CPU second of the server process: steadier than wall time on a shared machine. */
  cpu: number;
}

async function importRate(tree: string, env: Record<string, string> = {}): Promise<Rate> {
  const support = (await import(join(resolve(tree), 'test/support/server-process.ts'))) as {
    startServerProcess(dataDir: string, env: Record<string, string>): Promise<ServerProcess>;
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'import-ab-'));
  const server = await support.startServerProcess(dataDir, { ...SERVER_ENV, ...env });
  try {
    let resources = 0;
    let ms = 0;
    const pid = server.child.pid as number;
    const cpuBefore = cpuSeconds(pid);
    for (let round = 0; round < IMPORT_ROUNDS; round++) {
      for (const { name, text } of syntheaBundles()) {
        const token = await server.tokens.token();
        const start = performance.now();
        const res = await fetch(server.fhirUrl, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/fhir+json',
            accept: 'application/fhir+json',
          },
          body: text,
        });
        const body = (await res.json()) as { entry?: unknown[] };
        ms += performance.now() - start;
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
        resources += body.entry?.length ?? 0;
      }
    }
    return { wall: resources / (ms / 1000), cpu: resources / (cpuSeconds(pid) - cpuBefore) };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Self time per function (and per file) of a .cpuprofile, largest first. */
function summarise(file: string, top = 30): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id) as ProfileNode;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const url = node.callFrame.url.replace(/^.*\/(node_modules|server)\//, '$1/');
    const key = `${node.callFrame.functionName || '(anonymous)'} ${url}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const where = url.startsWith('node_modules/')
      ? url
          .split('/')
          .slice(0, url.split('/')[1]?.startsWith('@') ? 3 : 2)
          .join('/')
      : url || node.callFrame.functionName;
    files.set(where, (files.get(where) ?? 0) + dt);
  });
  const pct = (v: number) => `${((v / total) * 100).toFixed(1).padStart(5)} %`;
  const rank = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return [
    `total ${(total / 1e6).toFixed(1)} s sampled`,
    '-- self time by function --',
    ...rank(self).map(([k, v]) => `${pct(v)}  ${k}`),
    '-- self time by file / package --',
    ...rank(files).map(([k, v]) => `${pct(v)}  ${k}`),
  ];
}

const args = process.argv.slice(2);
if (args[0] === '--profile') {
  const tree = args[1] as string;
  const out = resolve(args[2] ?? mkdtempSync(join(tmpdir(), 'import-prof-')));
  const rate = await importRate(tree, { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${out}` });
  console.log(
    `import ${Math.round(rate.wall)} resources/s, ${Math.round(rate.cpu)} per CPU second (under the profiler)`,
  );
  for (const f of readdirSync(out).filter((f) => f.endsWith('.cpuprofile'))) {
    console.log(`\n${join(out, f)}`);
    for (const line of summarise(join(out, f))) console.log(line);
  }
} else {
  const [treeA, treeB, roundsArg] = args as [string, string, string?];
  const rounds = Number(roundsArg ?? 3);
  const rates: Record<'A' | 'B', Rate[]> = { A: [], B: [] };
  for (let round = 0; round < rounds; round++) {
    for (const [label, tree] of [
      ['A', treeA],
      ['B', treeB],
    ] as const) {
      const rate = await importRate(tree);
      rates[label].push(rate);
      console.log(
        `round ${round + 1} ${label}: ${Math.round(rate.wall)} resources/s, ${Math.round(rate.cpu)} per CPU second`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  for (const measure of ['wall', 'cpu'] as const) {
    const a = median(rates.A.map((r) => r[measure]));
    const b = median(rates.B.map((r) => r[measure]));
    const unit = measure === 'wall' ? 'resources/s' : 'resources per CPU second';
    console.log(`import (${unit}): A ${Math.round(a)}, B ${Math.round(b)} (${(((b - a) / a) * 100).toFixed(1)} %)`);
  }
}
