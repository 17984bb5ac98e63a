import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import type { Patient } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../../server/access/access-index.ts';
import { BackendTokens, provisionPractice } from '../support/practice-client.ts';
import { openAppOn } from '../support/server-process.ts';
import { startTreeServer } from './tree-server.ts';

/**
 * The audit trail's share of the server's CPU under a read load (issue #11). Not a test, not in
 * `npm test` nor `npm run bench`.
 *
 * Usage: node test/bench/audit-share.ts <tree> [<tree> …] [--rounds N] [--seconds S]
 * (3 rounds of 8 s by default; with several trees, e.g. before and after a change, they alternate
 * round by round on the same store, as ab-compare.ts does, so the machine's drift hits them alike).
 *
 * One store of 1,000 patients of one practice (built here), then `<tree>/server/main.ts` is started
 * on it repeatedly under a read load of `GET Patient/[id]` (backend token, 10 connections), in pairs:
 *
 * - **on**: the server as it is. **off**: the same server with `AuditTrail.prototype.record` a no-op
 *   (a preload module), so no AuditEvent is queued, built or written; the middleware still runs.
 *   The server's CPU (utime + stime from /proc) per request is measured over the load; the trail's
 *   share is 1 − off/on, the median of the rounds.
 * - then one more **on** run of each tree under `node --cpu-prof`: the inclusive share of the samples
 *   (the last `seconds` of the profile, start-up excluded) whose stack holds a frame of server/audit/,
 *   by outermost audit function: the middleware's listener (building the record) and the
 *   synchronous part of the trail. The trail's part is a lower bound (the continuations of awaited
 *   storage calls lose the trail's frames: the differential share above counts them); the
 *   middleware's is exact. Also the functions with the most self time.
 *
 * With `--unwritten`, each round also runs **unwritten**: the trail on, but the SQLite appender
 * answers at once without sending anything to its thread (a preload), so nothing is cloned, built
 * there or written. The request thread's CPU then splits into the trail's own work on it
 * (1 − off/unwritten: queueing, drafts or events, targets) and what the appends cost it indirectly
 * (1 − unwritten/on: the clone, the reader's cache reset by every audit commit, the thread's
 * competition for the cores).
 *
 * The audit's share of the server's CPU = the trail's (differential) + the middleware's (profile).
 */
const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args.splice(at, 2)[1]) : fallback;
};
const ROUNDS = option('--rounds', 3);
const UNWRITTEN = args.includes('--unwritten') ? (args.splice(args.indexOf('--unwritten'), 1), true) : false;
const SECONDS = option('--seconds', 8);
const trees = args.map((tree) => resolve(tree));
if (!trees.length)
  throw new Error('usage: node test/bench/audit-share.ts <tree> [<tree> …] [--rounds N] [--seconds S]');
const PORT = 18_331;
const BASE = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'audit-share-'));
const PATIENTS = 1000;

const { app, close: closeApp } = await openAppOn(dataDir, BASE);
const client = await provisionPractice(app, 'Audit share practice', undefined, { managesAccess: false });
const ids: string[] = [];
for (let i = 0; i < PATIENTS; i += 100) {
  await app.repo.transaction(async (tx) => {
    for (let j = i; j < i + 100; j++) {
      const patient = await tx.create<Patient>({
        resourceType: 'Patient',
        meta: { tag: [{ system: OWNER_SYSTEM, code: client.practiceId }] },
        name: [{ family: `family${j % 37}`, given: ['Pat'] }],
        birthDate: `${1940 + (j % 60)}-0${1 + (j % 9)}-1${j % 10}`,
      });
      ids.push(patient.resource.id as string);
    }
  });
}
await closeApp();
console.error(`store ready: ${dataDir}`);

// The "off" preloads: the tree's trail records nothing (module instances are shared by URL).
function auditOffPreload(tree: string, n: number): string {
  const file = join(dataDir, `audit-off-${n}.mjs`);
  const trail = pathToFileURL(join(tree, 'server/audit/audit-trail.ts')).href;
  writeFileSync(
    file,
    `import { AuditTrail } from ${JSON.stringify(trail)};\nAuditTrail.prototype.record = function () {};\n`,
  );
  return file;
}
const preloads = trees.map((tree, n) => auditOffPreload(tree, n));

// The "unwritten" preloads: every append resolves at once, nothing reaches the append thread.
function unwrittenPreload(tree: string, n: number): string {
  const file = join(dataDir, `audit-unwritten-${n}.mjs`);
  const appender = pathToFileURL(join(tree, 'server/storage/sqlite/thread-appender.ts')).href;
  writeFileSync(
    file,
    `import { ThreadAppender } from ${JSON.stringify(appender)};\n` +
      `ThreadAppender.prototype.append = async function (entries) { return entries.length; };\n` +
      `ThreadAppender.prototype.appendPrepared = async function (_p, message) { return message.drafts.length; };\n`,
  );
  return file;
}
const unwrittenPreloads = trees.map((tree, n) => unwrittenPreload(tree, n));

interface Run {
  requests: number;
  cpuMs: number;
  /** The main (request) thread's alone: without the SQLite append thread's (decision 0021). */
  mainCpuMs: number;
  profile?: string;
}

async function run(n: number, mode: 'on' | 'off' | 'unwritten' | 'profile'): Promise<Run> {
  const tree = trees[n] as string;
  const profileDir = mkdtempSync(join(dataDir, 'prof-'));
  const flags =
    mode === 'off'
      ? ['--import', preloads[n] as string]
      : mode === 'unwritten'
        ? ['--import', unwrittenPreloads[n] as string]
        : mode === 'profile'
          ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
          : [];
  const server = await startTreeServer(tree, { dataDir, port: PORT, nodeFlags: flags });
  const child = server.child;
  const token = await new BackendTokens(BASE, client).token();
  const load = (duration: number) =>
    autocannon({
      url: BASE,
      connections: 10,
      duration,
      headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      requests: [
        {
          setupRequest: (req) => ({ ...req, path: `/fhir/R4/Patient/${ids[Math.floor(Math.random() * ids.length)]}` }),
        },
      ],
    });
  await load(2); // warm-up: compiled statements, JIT, caches
  const before = cpuMs(child);
  const mainBefore = cpuMs(child, 'main thread');
  const result = await load(SECONDS);
  const cpu = cpuMs(child) - before;
  const mainCpu = cpuMs(child, 'main thread') - mainBefore;
  if (result.non2xx > 0) throw new Error(`${result.non2xx} requests were not answered 2xx`);
  await server.stop();
  const profile = mode === 'profile' ? readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile')) : undefined;
  return {
    requests: result.requests.total,
    cpuMs: cpu,
    mainCpuMs: mainCpu,
    ...(profile ? { profile: join(profileDir, profile) } : {}),
  };
}

/**
 * The process's CPU time so far (user + system), from /proc (clock ticks of 10 ms); with 'main
 * thread', that thread's alone (its task id is the process id).
 */
function cpuMs(child: ChildProcess, of: 'process' | 'main thread' = 'process'): number {
  const path = of === 'process' ? `/proc/${child.pid}/stat` : `/proc/${child.pid}/task/${child.pid}/stat`;
  const fields = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Inclusive share of the audit's frames and the top self-time functions, over the last `SECONDS` of the profile. */
function analyse(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const times: number[] = [];
  let t = 0;
  for (const d of profile.timeDeltas) times.push((t += d));
  const from = t - SECONDS * 1e6;
  const idle = new Set(['(idle)', '(program)']);
  const audit = new Map<string, number>();
  const files = new Map<string, number>();
  const self = new Map<string, number>();
  let busy = 0;
  let inAudit = 0;
  for (const [i, id] of profile.samples.entries()) {
    if ((times[i] as number) < from) continue;
    const leaf = byId.get(id) as ProfileNode;
    if (idle.has(leaf.callFrame.functionName)) continue;
    busy++;
    const key = `${leaf.callFrame.functionName || '(anonymous)'} ${shortUrl(leaf.callFrame.url)}`;
    self.set(key, (self.get(key) ?? 0) + 1);
    // The outermost audit frame names which part of the audit the sample belongs to.
    let outer: ProfileNode | undefined;
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const node = byId.get(n) as ProfileNode;
      if (node.callFrame.url.includes('/server/audit/')) outer = node;
    }
    if (outer) {
      inAudit++;
      const part = `${outer.callFrame.functionName || '(anonymous)'} ${shortUrl(outer.callFrame.url)}`;
      audit.set(part, (audit.get(part) ?? 0) + 1);
      const file = shortUrl(outer.callFrame.url);
      files.set(file, (files.get(file) ?? 0) + 1);
    }
  }
  const pct = (n: number) => `${((100 * n) / busy).toFixed(1)} %`;
  console.log(`profile: ${busy} busy samples; stacks with a server/audit/ frame: ${pct(inAudit)}`);
  for (const [file, n] of [...files].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(n)}  ${file}`);
  console.log('by outermost audit function:');
  for (const [part, n] of [...audit].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${pct(n)}  ${part}`);
  console.log('top self time:');
  for (const [fn, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(n)}  ${fn}`);
}

function shortUrl(url: string): string {
  const at = url.indexOf('/server/');
  return at >= 0 ? url.slice(at + 1) : url.replace(/^.*\/node_modules\//, '').replace(/^node:/, 'node:');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results = trees.map(() => ({
  on: [] as number[],
  off: [] as number[],
  share: [] as number[],
  mainShare: [] as number[],
  ownShare: [] as number[],
}));
for (let round = 0; round < ROUNDS; round++) {
  for (const [n, tree] of trees.entries()) {
    const on = await run(n, 'on');
    const off = await run(n, 'off');
    const a = on.cpuMs / on.requests;
    const b = off.cpuMs / off.requests;
    results[n]!.on.push(a);
    results[n]!.off.push(b);
    results[n]!.share.push(1 - b / a);
    const mainA = on.mainCpuMs / on.requests;
    const mainB = off.mainCpuMs / off.requests;
    results[n]!.mainShare.push(1 - mainB / mainA);
    let own = '';
    if (UNWRITTEN) {
      const unwritten = await run(n, 'unwritten');
      const mainU = unwritten.mainCpuMs / unwritten.requests;
      results[n]!.ownShare.push(1 - mainB / mainU);
      own = `; unwritten ${(mainU * 1000).toFixed(0)} µs/req: own work ${(100 * (1 - mainB / mainU)).toFixed(1)} %, the appends' indirect cost ${(100 * (1 - mainU / mainA)).toFixed(1)} %`;
    }
    console.log(
      `round ${round + 1} ${tree}: on ${Math.round(on.requests / SECONDS)} req/s, ${(a * 1000).toFixed(0)} µs CPU/req; ` +
        `off ${Math.round(off.requests / SECONDS)} req/s, ${(b * 1000).toFixed(0)} µs CPU/req; trail ${(100 * (1 - b / a)).toFixed(1)} %; ` +
        `request thread ${(mainA * 1000).toFixed(0)} → ${(mainB * 1000).toFixed(0)} µs/req, trail ${(100 * (1 - mainB / mainA)).toFixed(1)} %${own}`,
    );
  }
}
for (const [n, tree] of trees.entries()) {
  const r = results[n]!;
  console.log(
    `${tree}: median on ${(median(r.on) * 1000).toFixed(0)} µs/req, off ${(median(r.off) * 1000).toFixed(0)} µs/req, ` +
      `the trail's share (queue, AuditEvents, their writes) ${(100 * median(r.share)).toFixed(1)} % of the process, ` +
      `${(100 * median(r.mainShare)).toFixed(1)} % of the request thread` +
      (UNWRITTEN ? `, of which its own work there ${(100 * median(r.ownShare)).toFixed(1)} %` : ''),
  );
}
for (const [n, tree] of trees.entries()) {
  const profiled = await run(n, 'profile');
  console.log(`--- ${tree}`);
  if (profiled.profile) analyse(profiled.profile);
}
