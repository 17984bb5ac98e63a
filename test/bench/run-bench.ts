import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import autocannon from 'autocannon';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { practiceOf, startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';
import { syntheaBundles } from '../support/shared-data.ts';
import { authedFetch } from '../support/test-server.ts';
import { auditBench, auditBenchMarkdown } from './audit-bench.ts';
import { loadDirect } from './direct-load.ts';
import { checkGoal, checkGrowth } from './goals.ts';
import type { Measured } from './goals.ts';
import { rawSqliteInsertRate } from './raw-sqlite.ts';
import { measureTransfers, median } from './binary-transfer.ts';
import {
  checkResults,
  RECORD_PATIENTS,
  recordTokens,
  RESULTS_PER_PATIENT,
  resultsPath,
  seedRecordStore,
  SHARE_POOL,
  SHARED_RESULTS,
} from './record-bench.ts';
import {
  clonePatient,
  KEEP,
  loadCloneSource,
  namePrefix,
  requireSyntheaBundles,
  rng,
  transactionEntries,
} from './synthea-clones.ts';
import type { CloneSource } from './synthea-clones.ts';
import { syntheticPatient } from './synthetic-patients.ts';

/**
 * `npm run bench`: a server child process (`node server/main.ts`) on temporary embedded stores,
 * measured with autocannon on loopback. Not a test: the figures go to docs/benchmarks.md.
 *
 * 1. On an empty store: the 7 Synthea transaction Bundles imported through `POST /fhir/R4`
 *    (resources/s), then `POST /Patient` (req/s).
 * 2. On a second store, for each scale: synthetic patients cloned from the Synthea records and
 *    re-identified (synthea-clones.ts) are added up to that many patients (through the API as
 *    transaction Bundles, or, for large steps, directly into the SQLite file: direct-load.ts), then
 *    a read and the searches the apps and US Core clients make most are measured, with requests
 *    varied per request so that no cache flatters them.
 * 3. Issue #12's main requests, on a third store (record-bench.ts: one practice sharing some
 *    results with each patient and not others): a 20 MB PDF uploaded and downloaded (MB/s each
 *    way, binary-transfer.ts, with the server's peak RSS), a patient reading their results as the
 *    portal's record page asks for them, with their own token (the sharing rules in the query), and
 *    a practitioner's `$share` of a document (a write, with its Provenance). No goals: the figures.
 * 4. Raw node:sqlite insert rates, to put the write figures in proportion.
 * 5. The audit trail alone (audit-bench.ts): AuditEvents/s it stores, and what 1,000/s costs.
 *
 * Every row that issue #11 set a goal for (goals.ts) says in its "goal" column whether the goal was met
 * or missed, and the summary at the end lists every verdict, with each search's p50 growth from the
 * smallest to the largest scale.
 *
 * Every request is authenticated, as the practice's backend client that server-process.ts
 * provisions in each data directory (SMART Backend Services, scope system/*.cruds): fetches go
 * through `authedFetch`, autocannon runs get `authorization: Bearer …` with a token fetched just
 * before each run (tokens live 5 minutes; a run lasts BENCH_DURATION s). Everything loaded is owned
 * by that practice (through the API, as the client's writes; the direct load tags the clones with
 * it), so the searches run under that client's access rule, as a practice's integration would.
 * Every request is audited too: after each run the bench counts the AuditEvents in the store (a
 * read-only SQLite connection, as the server's trail commits them) and reports, in the row's notes,
 * how many of the run's requests were audited and how long after the run the trail had caught up;
 * at the end, after each server's graceful stop, the AuditEvents stored against the requests sent.
 *
 * Env: BENCH_SCALES (patients, ascending; default 1000,64000), BENCH_DURATION (s per measurement,
 * also of each issue #12 row; BENCH_DOCUMENT_RUNS: 20 MB round trips, default 3),
 * default 10), BENCH_CONNECTIONS (default 10), BENCH_IMPORT_ROUNDS (times the 7 Synthea Bundles
 * are imported, default 3), BENCH_LOAD (auto | http | direct; auto loads steps of up to 1000
 * patients through the API and larger ones directly), BENCH_KEEP=1 (keep the synthetic store and print
 * its path, e.g. for EXPLAIN QUERY PLAN; it is large: ~0.3 MiB per patient).
 * Needs ../shared/data/synthea-r4-bundles (read at run time; the bench stops with a message if absent).
 */
const SCALES = (process.env.BENCH_SCALES ?? '1000,64000').split(',').map(Number);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const IMPORT_ROUNDS = Number(process.env.BENCH_IMPORT_ROUNDS ?? 3);
const LOAD = process.env.BENCH_LOAD ?? 'auto';
const KEEP_STORE = process.env.BENCH_KEEP === '1';
const DOCUMENT_RUNS = Number(process.env.BENCH_DOCUMENT_RUNS ?? 3);
const DOCUMENT_MB = 20;
/** BENCH_LOAD=auto: steps of at most this many patients go through the API. */
const HTTP_LOAD_MAX = 1000;
const TODAY = new Date().toISOString().slice(0, 10);
/** How long after a run the trail may take to store the run's AuditEvents before the row says it fell behind. */
const AUDIT_CATCH_UP_MS = 10_000;
// The bench measures throughput with one backend token at up to ~6,500 req/s: the per-token rate
// limit (default 120,000 per minute, docs/decisions/0012) is raised so that it never throttles it
// (the limiter still runs on every request, so its cost is measured).
const SERVER_ENV = { SEARCH_MAX_COUNT: '1000', BUNDLE_MAX_ENTRIES: '1000', FHIR_RATE_LIMIT_PER_TOKEN: '1000000000' };
const JSON_HEADERS = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };
const SAMPLES = 20;
/** autocannon's per-request timeout; a timed-out request counts as failed and as slower than this. */
const TIMEOUT_S = 10;

interface Row {
  measure: string;
  scale: string;
  rate: string;
  p50: string;
  p99: string;
  /** The goal's verdict (goals.ts), empty for rows without a goal. */
  goal: string;
  notes: string;
}
interface Result {
  rps: number;
  p50: number;
  p99: number;
  failed: number;
  requests: number;
}
interface Patient {
  id: string;
  family: string;
}

const rows: Row[] = [];
const warnings: string[] = [];
/** Verdicts of every goal checked, in order, for the summary. */
const verdicts: string[] = [];
/** Read and search results by query key and scale, for the flatness check. */
const searches = new Map<string, { name: string; byScale: Map<number, Result & { ignored: boolean }> }>();

const ms = (x: number): string =>
  Number.isNaN(x) ? '–' : x === Infinity ? `> ${TIMEOUT_S} s` : `${x < 10 ? x.toFixed(1) : Math.round(x)} ms`;
const int = (rnd: () => number, min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));
const addDays = (day: string, days: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function warn(text: string): void {
  warnings.push(text);
  console.error(`  WARNING: ${text}`);
}

/**
 * autocannon with the latency of every response kept (its own histogram rounds to whole ms);
 * requests that timed out count as infinitely slow, so a percentile among them reads "> 10 s".
 */
function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const instance = autocannon(
      { connections: CONNECTIONS, duration: DURATION, timeout: TIMEOUT_S, ...options },
      (err, result) => {
        if (err) return reject(err);
        for (let k = 0; k < result.timeouts; k++) latencies.push(Infinity);
        latencies.sort((a, b) => a - b);
        const at = (q: number): number =>
          latencies.length
            ? (latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] as number)
            : NaN;
        resolve({
          rps: result.requests.average,
          p50: at(0.5),
          p99: at(0.99),
          failed: result.non2xx + result.errors + result.timeouts,
          requests: result.requests.total,
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, time) => latencies.push(time));
  });
}

/** `authorization` for the server's backend client: a fresh token (5 minutes) for each load run. */
async function bearer(server: ServerProcess): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await server.tokens.token()}` };
}

/** FHIR requests the bench sent to each data directory (all audited but /metadata, which it never calls). */
const sent = new Map<string, number>();
const count = (dataDir: string, n = 1): void => void sent.set(dataDir, (sent.get(dataDir) ?? 0) + n);

/** AuditEvents stored in a data directory's SQLite file (read-only; the server may be running: WAL). */
function auditEventsIn(dataDir: string): number {
  const db = new DatabaseSync(join(dataDir, 'fhir.sqlite'), { readOnly: true });
  try {
    return Number(
      (db.prepare("SELECT COUNT(*) AS n FROM resources WHERE type = 'AuditEvent'").get() as { n: number }).n,
    );
  } finally {
    db.close();
  }
}

/**
 * After a load run of `requests` requests that began with `before` AuditEvents stored: waits until
 * the trail has stored them all (or AUDIT_CATCH_UP_MS) and says how long that took after the run.
 */
async function auditCaughtUp(dataDir: string, before: number, requests: number): Promise<string> {
  const start = performance.now();
  for (;;) {
    const audited = auditEventsIn(dataDir) - before;
    const waited = performance.now() - start;
    if (audited >= requests)
      return `audit: ${audited} events for ${requests} requests, stored ${waited < 50 ? 'by the end of the run' : `${(waited / 1000).toFixed(1)} s after it`}`;
    if (waited > AUDIT_CATCH_UP_MS) {
      warn(
        `the audit trail stored ${audited} AuditEvents for ${requests} requests ${AUDIT_CATCH_UP_MS / 1000} s after the run: it falls behind`,
      );
      return `⚠ audit: only ${audited} events for ${requests} requests ${AUDIT_CATCH_UP_MS / 1000} s after the run`;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** After a graceful stop (the trail wrote everything queued): AuditEvents stored against requests sent. */
function auditTotal(dataDir: string, label: string): void {
  const stored = auditEventsIn(dataDir);
  const requests = sent.get(dataDir) ?? 0;
  const line = `${label}: ${stored} AuditEvents stored for ${requests} FHIR requests sent${stored < requests ? ` (**${requests - stored} missing**)` : ''}`;
  auditLines.push(line);
  if (stored < requests) warn(line);
  console.error(`  ${line}`);
}
const auditLines: string[] = [];

/** The goal column of a row of measure `key`, checked only at the smallest scale (goals.ts). */
function goalFor(key: string, atSmallestScale: boolean, unit: string, measured: Measured, label: string): string {
  const verdict = atSmallestScale ? checkGoal(key, unit, measured) : undefined;
  if (!verdict) return '';
  verdicts.push(`- ${label}: ${verdict.text}`);
  return verdict.text;
}

function record(
  key: string,
  measure: string,
  scale: string,
  result: Result,
  unit: string,
  notes: string[],
  atSmallestScale = true,
): void {
  if (result.failed) notes.unshift(`**${result.failed} failed (non-2xx, errors or timeouts after ${TIMEOUT_S} s)**`);
  const measured = { rate: result.rps, p99: result.p99, failed: result.failed };
  rows.push({
    measure,
    scale,
    rate: `${Math.round(result.rps)} ${unit}${result.failed ? ` (${result.failed} failed)` : ''}`,
    p50: ms(result.p50),
    p99: ms(result.p99),
    goal: goalFor(key, atSmallestScale, unit, measured, `${measure} @ ${scale}`),
    notes: notes.join('; '),
  });
  console.error(
    `  ${measure} @ ${scale}: ${Math.round(result.rps)} ${unit}, p50 ${ms(result.p50)}, p99 ${ms(result.p99)}${result.failed ? `, ${result.failed} FAILED` : ''}`,
  );
}

/** A read or search as clients send it; `path` draws a new request each time. */
interface Query {
  key: string;
  name: string;
  /** Send `Prefer: handling=strict` (unknown parameters are 400) rather than lenient handling. */
  strict: boolean;
  path: (rnd: () => number) => string;
  note?: string;
  /** A problem with a sample result, if any. */
  check?: (bundle: Bundle) => string | undefined;
}

function queries(patients: Patient[]): Query[] {
  const patient = (rnd: () => number): Patient => patients[Math.floor(rnd() * patients.length)] as Patient;
  const prefixes = new Map<string, number>();
  for (const p of patients) prefixes.set(namePrefix(p.family), (prefixes.get(namePrefix(p.family)) ?? 0) + 1);
  const broad = [...prefixes].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const broadShare = broad.reduce((sum, [, n]) => sum + n, 0) / broad.length / patients.length;
  const resources = (b: Bundle) =>
    (b.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource as any);
  return [
    {
      key: 'read',
      name: 'read Patient/[id]',
      strict: false,
      path: (rnd) => `/fhir/R4/Patient/${patient(rnd).id}`,
    },
    {
      key: 'broad',
      name: 'search Patient?name=[3 letters]&_count=20',
      strict: false,
      note: `the 12 commonest prefixes, each ~${(broadShare * 100).toFixed(1)}% of patients`,
      path: (rnd) => `/fhir/R4/Patient?name=${broad[Math.floor(rnd() * broad.length)]?.[0]}&_count=20`,
    },
    {
      key: 'vitals',
      name: 'Observation?patient=X&category=vital-signs&date=ge[date]&_sort=-date',
      strict: false,
      path: (rnd) =>
        `/fhir/R4/Observation?patient=${patient(rnd).id}&category=vital-signs&date=ge${addDays(TODAY, -int(rnd, 30, 730))}&_sort=-date`,
      check: (b) => {
        const dates = resources(b).map((o) => String(o.effectiveDateTime ?? ''));
        if (dates.some((d, i) => i > 0 && d > (dates[i - 1] as string))) return 'not sorted by -date';
        return resources(b).every((o) => JSON.stringify(o.category).includes('vital-signs'))
          ? undefined
          : 'an Observation without category vital-signs';
      },
    },
    {
      key: 'appointments',
      name: 'Appointment?patient=X&date=ge[today]',
      strict: false,
      path: (rnd) => `/fhir/R4/Appointment?patient=${patient(rnd).id}&date=ge${TODAY}`,
      check: (b) => (resources(b).every((a) => String(a.start) >= TODAY) ? undefined : 'an Appointment before today'),
    },
    {
      key: 'invoices',
      name: 'Invoice?subject=Patient/X&status=issued',
      strict: false,
      path: (rnd) => `/fhir/R4/Invoice?subject=Patient/${patient(rnd).id}&status=issued`,
      check: (b) => (resources(b).every((i) => i.status === 'issued') ? undefined : 'an Invoice not issued'),
    },
    {
      key: 'patients',
      name: 'Patient?name=[3 letters]&birthdate=ge[year]',
      strict: false,
      // Prefixes as a front desk types them: the first letters of a patient's surname.
      path: (rnd) => `/fhir/R4/Patient?name=${namePrefix(patient(rnd).family)}&birthdate=ge${int(rnd, 1940, 1990)}`,
    },
  ];
}

/**
 * Sends a few requests of the query before it is measured: they must succeed and pass the query's
 * check, and a Bundle entry with search.mode 'outcome' (a parameter the server ignored) is reported.
 */
async function sample(
  server: ServerProcess,
  dataDir: string,
  query: Query,
  headers: Record<string, string>,
  seed: number,
): Promise<string[]> {
  const rnd = rng(seed, 99);
  const ignored = new Set<string>();
  const problems = new Set<string>();
  let matches = 0;
  let pages = 0;
  const deadline = performance.now() + 15_000;
  for (let k = 0; k < SAMPLES && (k < 3 || performance.now() < deadline); k++) {
    const path = query.path(rnd);
    const res = await authedFetch(`${server.baseUrl}${path}`, { headers });
    count(dataDir);
    const text = await res.text();
    if (res.status !== 200) {
      problems.add(`HTTP ${res.status} for ${path}: ${text.slice(0, 300)}`);
      continue;
    }
    const body = JSON.parse(text) as Bundle;
    if (body.resourceType !== 'Bundle') continue;
    pages++;
    for (const e of body.entry ?? []) {
      if (e.search?.mode === 'match') matches++;
      if (e.search?.mode === 'outcome')
        for (const issue of (e.resource as any)?.issue ?? [])
          ignored.add(issue.details?.text ?? issue.diagnostics ?? 'an outcome entry');
    }
    const problem = query.check?.(body);
    if (problem) problems.add(`${problem} (${path})`);
  }
  const notes: string[] = query.note ? [query.note] : [];
  if (pages) notes.push(`${(matches / pages).toFixed(1)} matches/page`);
  if (ignored.size) {
    warn(`${query.name}: the server reported ignored parameters: ${[...ignored].join(' | ')}`);
    notes.push(`⚠ server ignored parameters: ${[...ignored].join(' | ')}`);
  }
  for (const problem of problems) {
    warn(`${query.name}: ${problem}`);
    notes.push(`⚠ ${problem.slice(0, 200)}`);
  }
  return notes;
}

async function measureQueries(
  server: ServerProcess,
  dataDir: string,
  patients: Patient[],
  scale: number,
): Promise<void> {
  for (const query of queries(patients)) {
    const headers = { accept: 'application/fhir+json', prefer: `handling=${query.strict ? 'strict' : 'lenient'}` };
    const notes = await sample(server, dataDir, query, headers, scale);
    const rnd = rng(scale, 42);
    const audited = auditEventsIn(dataDir);
    const result = await run({
      url: server.baseUrl,
      headers: { ...headers, ...(await bearer(server)) },
      requests: [{ setupRequest: (req) => ({ ...req, path: query.path(rnd) }) }],
    });
    count(dataDir, result.requests);
    notes.push(await auditCaughtUp(dataDir, audited, result.requests));
    record(query.key, query.name, `${scale} patients`, result, 'req/s', notes, scale === SCALES[0]);
    const entry = searches.get(query.key) ?? { name: query.name, byScale: new Map() };
    entry.byScale.set(scale, { ...result, ignored: notes.some((n) => n.startsWith('⚠')) });
    searches.set(query.key, entry);
  }
}

async function postBundle(server: ServerProcess, body: string): Promise<Bundle> {
  const res = await authedFetch(server.fhirUrl, { method: 'POST', headers: JSON_HEADERS, body });
  count(dataDirs.get(server) as string);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`transaction failed: HTTP ${res.status} ${text.slice(0, 1000)}`);
  return JSON.parse(text) as Bundle;
}

/** The data directory of each server process started. */
const dataDirs = new Map<ServerProcess, string>();

async function startServer(dataDir: string): Promise<ServerProcess> {
  const server = await startServerProcess(dataDir, SERVER_ENV);
  dataDirs.set(server, dataDir);
  return server;
}

/** The 7 Synthea Bundles as they are, `IMPORT_ROUNDS` times, one after the other. */
async function importSynthea(server: ServerProcess): Promise<number> {
  const bundles = syntheaBundles();
  const times: number[] = [];
  let resources = 0;
  for (let round = 0; round < IMPORT_ROUNDS; round++) {
    for (const { name, text } of bundles) {
      const start = performance.now();
      const response = await postBundle(server, text).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
      times.push(performance.now() - start);
      resources += response.entry?.length ?? 0;
    }
  }
  const seconds = times.reduce((a, b) => a + b, 0) / 1000;
  const rate = resources / seconds;
  times.sort((a, b) => a - b);
  rows.push({
    measure: 'import the Synthea transaction Bundles (POST /fhir/R4)',
    scale: 'empty store',
    rate: `${Math.round(rate)} resources/s`,
    p50: '',
    p99: '',
    goal: goalFor('import', true, 'resources/s', { rate }, 'Synthea transaction import'),
    notes: `${bundles.length} Bundles × ${IMPORT_ROUNDS} rounds, ${resources} resources, one at a time; median Bundle ${ms(times[Math.floor(times.length / 2)] as number)}, slowest ${ms(times.at(-1) as number)}`,
  });
  console.error(`  Synthea import: ${resources} resources at ${Math.round(rate)} resources/s`);
  return rate;
}

/** The Synthea practices (Organization, Practitioner) once, with their Synthea ids. */
async function loadPractices(server: ServerProcess, source: CloneSource): Promise<void> {
  const entry = source.practices.map((resource) => ({
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
  }));
  await postBundle(server, JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }));
}

/** Synthetic patients [from, to) through the API: transaction Bundles of whole patients, ≤ 1000 entries. */
async function loadHttp(
  server: ServerProcess,
  source: CloneSource,
  from: number,
  to: number,
  patients: Patient[],
): Promise<{ resources: number; seconds: number }> {
  let resources = 0;
  let busy = 0;
  for (let i = from; i < to;) {
    const entry: BundleEntry[] = [];
    const clones: Array<{ family: string; at: number }> = [];
    while (i < to) {
      const clone = clonePatient(source, i, TODAY);
      const entries = transactionEntries(clone);
      if (entry.length && entry.length + entries.length > 1000) break;
      clones.push({ family: clone.family, at: entry.length });
      entry.push(...entries);
      i++;
    }
    const body = JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry });
    const start = performance.now();
    const response = await postBundle(server, body);
    busy += performance.now() - start;
    for (const c of clones) patients.push({ id: response.entry?.[c.at]?.resource?.id as string, family: c.family });
    resources += entry.length;
  }
  return { resources, seconds: busy / 1000 };
}

function storeSize(dataDir: string): string {
  const bytes = ['fhir.sqlite', 'fhir.sqlite-wal']
    .map((f) => join(dataDir, f))
    .filter(existsSync)
    .reduce((sum, f) => sum + statSync(f).size, 0);
  return bytes > 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}

/**
 * Issue #12's main requests on their own store (record-bench.ts). The documents go first: the peak
 * RSS read is the server process's since it started, so it then says what the transfers cost.
 */
async function measureRecord(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-record-'));
  const store = await seedRecordStore(dir);
  const server = await startServer(dir);
  try {
    const transfers = await measureTransfers({
      baseUrl: server.baseUrl,
      token: await server.tokens.token(),
      patientId: (store.patients[0] as { id: string }).id,
      pid: server.child.pid as number,
      sizeBytes: DOCUMENT_MB * 1024 * 1024,
      runs: DOCUMENT_RUNS,
    });
    count(dir, 2 * DOCUMENT_RUNS);
    const rss = `server peak RSS ${Math.round(transfers.rssAtStartMiB)} MiB after start-up, ${Math.round(transfers.rssAfterMiB)} MiB after the transfers`;
    for (const [measure, speeds] of [
      [`upload a ${DOCUMENT_MB} MB PDF (POST /Binary, streamed)`, transfers.up],
      [`download it (GET /Binary/[id], streamed, SHA-256 checked)`, transfers.down],
    ] as const) {
      rows.push({
        measure,
        scale: 'one at a time',
        rate: `${median(speeds).toFixed(1)} MB/s`,
        p50: '',
        p99: '',
        goal: '',
        notes: `median of ${DOCUMENT_RUNS} runs (${speeds.map((x) => x.toFixed(0)).join(', ')} MB/s); ${rss}`,
      });
      console.error(`  ${measure}: ${median(speeds).toFixed(1)} MB/s; ${rss}`);
    }

    const tokens = await recordTokens(server, store);
    const patients = store.patients.map(({ id }, p) => ({ id, authorization: `Bearer ${tokens.patients[p]}` }));
    const notes: string[] = [];
    for (const { id, authorization } of patients) {
      const res = await authedFetch(`${server.baseUrl}${resultsPath(id)}`, {
        headers: { accept: 'application/fhir+json', authorization },
      });
      count(dir);
      const text = await res.text();
      const problem =
        res.status === 200
          ? checkResults(JSON.parse(text) as Bundle, SHARED_RESULTS)
          : `HTTP ${res.status}: ${text.slice(0, 300)}`;
      if (problem && !notes.length) {
        warn(`patient results: ${problem}`);
        notes.push(`⚠ ${problem.slice(0, 200)}`);
      }
    }
    let k = 0;
    let audited = auditEventsIn(dir);
    const results = await run({
      url: server.baseUrl,
      headers: { accept: 'application/fhir+json' },
      requests: [
        {
          setupRequest: (req) => {
            const patient = patients[k++ % patients.length] as { id: string; authorization: string };
            return {
              ...req,
              path: resultsPath(patient.id),
              headers: { ...req.headers, authorization: patient.authorization },
            };
          },
        },
      ],
    });
    count(dir, results.requests);
    notes.push(
      `${RESULTS_PER_PATIENT} laboratory results each, ${SHARED_RESULTS} marked shared (each answer checked: exactly those); the practice shares allergies and immunizations by default, not results`,
      await auditCaughtUp(dir, audited, results.requests),
    );
    record(
      'record-results',
      'patient reads their results (portal: Observation?patient=Patient/X&_count=100, patient token)',
      `${RECORD_PATIENTS} patients`,
      results,
      'req/s',
      notes,
    );

    // Each request shares the next document of the pool; past its end, unshares them in turn, so
    // that every request is a change (a Provenance and a new version), never a no-op.
    let s = 0;
    const parameters = JSON.stringify({
      resourceType: 'Parameters',
      parameter: [{ name: 'audience', valueCode: 'patient' }],
    });
    audited = auditEventsIn(dir);
    const shares = await run({
      url: server.baseUrl,
      method: 'POST',
      headers: { ...JSON_HEADERS, authorization: `Bearer ${tokens.practitioner}` },
      body: parameters,
      requests: [
        {
          setupRequest: (req) => {
            const i = s++;
            const op = Math.floor(i / SHARE_POOL) % 2 === 0 ? 'share' : 'unshare';
            return { ...req, path: `/fhir/R4/DocumentReference/${store.documents[i % SHARE_POOL]}/$${op}` };
          },
        },
      ],
    });
    count(dir, shares.requests);
    record(
      'record-share',
      'practitioner shares a document with the patient (POST DocumentReference/[id]/$share)',
      `${SHARE_POOL} documents`,
      shares,
      'req/s',
      [
        'practitioner token; each a new version and a Provenance in one transaction; past the pool, $unshare in turn',
        await auditCaughtUp(dir, audited, shares.requests),
      ],
    );
  } finally {
    await server.stop();
    auditTotal(dir, 'clinical record store (documents, results, $share)');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every goal's verdict: the per-row ones, then each search's flatness from the smallest to the largest scale. */
function checks(): string[] {
  const lines = [...verdicts];
  const smallest = SCALES[0] as number;
  const largest = SCALES.at(-1) as number;
  if (largest === smallest) return lines;
  for (const [, { name, byScale }] of searches) {
    const small = byScale.get(smallest);
    const large = byScale.get(largest);
    if (!small || !large) continue;
    const verdict = checkGrowth(small.p50, large.p50, large.failed);
    lines.push(
      `- ${name}, p50 ${ms(small.p50)} at ${smallest} → ${ms(large.p50)} at ${largest} patients: ${verdict.text}${large.ignored ? ' (⚠ see warnings)' : ''}`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  if (!SCALES.every((s, i) => Number.isInteger(s) && s > 0 && (i === 0 || s > (SCALES[i - 1] as number))))
    throw new Error(`BENCH_SCALES must be ascending positive integers, got '${process.env.BENCH_SCALES}'`);
  if (!['auto', 'http', 'direct'].includes(LOAD))
    throw new Error(`BENCH_LOAD must be auto, http or direct, got '${LOAD}'`);
  requireSyntheaBundles();
  const source = loadCloneSource();
  const benchStart = performance.now();
  console.error(
    `benchmark: ${DURATION} s per measurement, ${CONNECTIONS} connections, scales ${SCALES.join(', ')}, today ${TODAY}`,
  );

  // 1. An empty store: Synthea import, then single creates.
  const emptyDir = mkdtempSync(join(tmpdir(), 'bench-empty-'));
  let server = await startServer(emptyDir);
  try {
    await importSynthea(server);
    let created = 0;
    const audited = auditEventsIn(emptyDir);
    const result = await run({
      url: `${server.fhirUrl}/Patient`,
      method: 'POST',
      headers: { ...JSON_HEADERS, ...(await bearer(server)) },
      requests: [
        { setupRequest: (req) => ({ ...req, body: JSON.stringify(syntheticPatient(10_000_000 + created++)) }) },
      ],
    });
    count(emptyDir, result.requests);
    record('create', 'create Patient (POST)', 'empty store', result, 'req/s', [
      await auditCaughtUp(emptyDir, audited, result.requests),
    ]);
  } finally {
    await server.stop();
    auditTotal(emptyDir, 'empty store (import, creates)');
    rmSync(emptyDir, { recursive: true, force: true });
  }

  // 2. Synthetic patients, scale by scale.
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const patients: Patient[] = [];
  let cloned = 0;
  server = await startServer(dataDir);
  try {
    await loadPractices(server, source);
    let loaded = 0;
    for (const scale of SCALES) {
      const direct = LOAD === 'direct' || (LOAD === 'auto' && scale - loaded > HTTP_LOAD_MAX);
      if (direct) {
        await server.stop();
        const result = await loadDirect(
          dataDir,
          server.fhirUrl,
          TODAY,
          loaded,
          scale,
          (await practiceOf(dataDir)).practiceId,
        );
        patients.push(...result.patients);
        cloned += result.resources;
        server = await startServer(dataDir);
        rows.push({
          measure: `load clones directly into SQLite (bench process, ${result.workers} worker threads; not the API)`,
          scale: `${loaded}→${scale}`,
          rate: `${Math.round(result.resources / result.seconds)} resources/s`,
          p50: '',
          p99: '',
          goal: '',
          notes: `${result.resources} resources, including ${Math.round(result.indexSeconds)} s re-creating the indexes; store ${storeSize(dataDir)}`,
        });
        console.error(
          `  loaded ${loaded}→${scale} patients directly: ${result.resources} resources in ${Math.round(result.seconds)} s`,
        );
      } else {
        const result = await loadHttp(server, source, loaded, scale, patients);
        cloned += result.resources;
        rows.push({
          measure: 'load clones through the API (transaction Bundles of ≤ 1000 entries)',
          scale: `${loaded}→${scale}`,
          rate: `${Math.round(result.resources / result.seconds)} resources/s`,
          p50: '',
          p99: '',
          goal: '',
          notes: `${result.resources} resources; store ${storeSize(dataDir)}`,
        });
        console.error(
          `  loaded ${loaded}→${scale} patients through the API: ${result.resources} resources at ${Math.round(result.resources / result.seconds)} resources/s`,
        );
      }
      loaded = scale;
      await measureQueries(server, dataDir, patients, scale);
    }
  } finally {
    await server.stop();
    auditTotal(dataDir, 'synthetic patients store (loads, samples, load runs)');
    if (KEEP_STORE) console.error(`  kept the store of ${patients.length} synthetic patients: ${dataDir}`);
    else rmSync(dataDir, { recursive: true, force: true });
  }

  // 3. Issue #12: the clinical record.
  console.error('clinical record (issue #12): documents, a patient reading their results, $share');
  await measureRecord();

  // 4. What the storage alone allows.
  const single = rawSqliteInsertRate(2000, 1);
  const batched = rawSqliteInsertRate(100_000, 1000);
  rows.push({
    measure: 'raw node:sqlite insert, 1 row per transaction',
    scale: '',
    rate: `${Math.round(single)} rows/s`,
    p50: '',
    p99: '',
    goal: '',
    notes: '',
  });
  rows.push({
    measure: 'raw node:sqlite insert, 1000 rows per transaction',
    scale: '',
    rate: `${Math.round(batched)} rows/s`,
    p50: '',
    p99: '',
    goal: '',
    notes: '',
  });

  // 5. The audit trail alone.
  console.error('audit trail micro-benchmark (test/bench/audit-bench.ts)');
  const audit = await auditBench();

  const cpu = cpus();
  console.log(
    `\n${TODAY} · ${cpu[0]?.model ?? 'cpu'} · ${cpu.length} cores · ${Math.round(totalmem() / 2 ** 30)} GiB · Node ${process.version} · ${DURATION} s × ${CONNECTIONS} connections · ${Math.round((performance.now() - benchStart) / 60_000)} min in all\n`,
  );
  console.log(
    `Synthetic patients: clones of the ${source.records.length} Synthea records, ${(cloned / patients.length).toFixed(1)} resources each on average (Patient, ≤ ${KEEP.vitalSigns} vital-signs and ≤ ${KEEP.otherObservations} other Observations, ≤ ${KEEP.conditions} Conditions, ≤ ${KEEP.encounters} Encounters, ${KEEP.appointments} Appointments, ${KEEP.invoices} Invoices).\n`,
  );
  console.log(
    '| measure | scale | throughput | p50 | p99 | goal (issue #11) | notes |\n| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const r of rows)
    console.log(`| ${r.measure} | ${r.scale} | ${r.rate} | ${r.p50} | ${r.p99} | ${r.goal} | ${r.notes} |`);
  console.log('\nAudit (every FHIR request above was audited):\n');
  for (const line of auditLines) console.log(`- ${line}`);
  console.log('');
  for (const line of auditBenchMarkdown(audit)) console.log(line);
  console.log('\nGoals (test/bench/goals.ts, issue #11): met / missed\n');
  for (const line of checks()) console.log(line);
  if (warnings.length) {
    console.log('\nWarnings:\n');
    for (const w of warnings) console.log(`- ${w}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
