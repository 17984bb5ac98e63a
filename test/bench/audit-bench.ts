import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AuditEvent, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { pino } from 'pino';
import { indexWithAccess, OWNER_SYSTEM, tombstoneRows } from '../../server/access/access-index.ts';
import { toAuditEvent } from '../../server/audit/audit-event.ts';
import { AuditTrail } from '../../server/audit/audit-trail.ts';
import { trailStore } from '../../server/audit/trail-store.ts';
import type { TrailStore } from '../../server/audit/trail-store.ts';
import { transactionAppender } from '../../server/storage/appender.ts';
import type { AuditRecord } from '../../server/audit/audit-record.ts';
import { openTestStore, TEST_BASE_URL } from '../support/repository-setup.ts';
import { contentRows } from '../../server/fhir/search/content-index.ts';
import type { IndexRow } from '../../server/fhir/search/index-rows.ts';
import type { Repository, RepositoryDeps } from '../../server/storage/repository.ts';
import { VersionedRepository } from '../../server/storage/repository.ts';

/**
 * Audit trail micro-benchmark (`node test/bench/audit-bench.ts`; also the last section of
 * `npm run bench`): how many AuditEvents per second the trail stores on SQLite, and what a sustained
 * audited load costs the requests sharing the process.
 *
 * The records are those the search benchmark produces: a backend client of one practice, 5 of 6
 * type searches with a query string, 1 of 6 a successful read of a Patient (so the trail looks up
 * its owner and compartment). Variants: the events written through a repository as server/app.ts
 * builds it for requests (validation on, the FHIRPath indexer), with and without validation, with the
 * `_content`/`_text` rows AuditEvents had before they were excluded (re-added here to compare); then
 * the trail's own store (trail-store.ts: direct rows, no validation) appending in the request
 * thread's transactions (`transactionAppender`) versus on the SQLite engine's writer thread (what
 * server/app.ts wires, decision 0021).
 *
 * 1. capacity: AUDIT_BENCH_EVENTS records (default 6000) queued at once, then flushed: events/s.
 * AUDIT_BENCH_VARIANTS: a comma-separated subset of before, no-text, no-validation, validated, after (default all).
 * 2. sustained: AUDIT_BENCH_RATE records/s (default 1000) for AUDIT_BENCH_SECONDS (default 8),
 *    arriving as requests would (every 5 ms), with the default trail settings: CPU the trail takes
 *    (% of one core: the whole process, and the request thread alone), event-loop delay (what every request in the process would wait: p50/p99/max),
 *    the largest queue seen, dropped, and whether everything was written by close().
 */
const EVENTS = Number(process.env.AUDIT_BENCH_EVENTS ?? 6000);
const RATE = Number(process.env.AUDIT_BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.AUDIT_BENCH_SECONDS ?? 8);

export interface AuditBenchRow {
  variant: string;
  capacity: number;
  sustained?: {
    rate: number;
    cpuPercent: number;
    /** The main (request) thread's share alone: the writer thread's work excluded. */
    threadCpuPercent: number;
    loopP50: number;
    loopP99: number;
    loopMax: number;
    maxPending: number;
    dropped: number;
    written: number;
    recorded: number;
    batches: number;
  };
}

interface Variant {
  key: string;
  name: string;
  /** Through a repository (validated or not), or the trail's store appending in-process or on the writer thread. */
  path: 'validated-repository' | 'repository' | 'in-process' | 'thread';
  content: boolean;
  /** Random UUIDs (the repository's `create`) instead of the trail's time-ordered ids. */
  randomIds: boolean;
  sustained: boolean;
}

const VARIANTS: Variant[] = [
  {
    key: 'before',
    name: 'before: validated, `_content`/`_text` rows, random ids',
    path: 'validated-repository',
    content: true,
    randomIds: true,
    sustained: true,
  },
  {
    key: 'no-text',
    name: 'validated, no full-text rows, random ids',
    path: 'validated-repository',
    content: false,
    randomIds: true,
    sustained: false,
  },
  {
    key: 'no-validation',
    name: 'repository without per-event validation, no full-text rows, random ids',
    path: 'repository',
    content: false,
    randomIds: true,
    sustained: false,
  },
  {
    key: 'validated',
    name: 'validated, no full-text rows, time-ordered ids',
    path: 'validated-repository',
    content: false,
    randomIds: false,
    sustained: true,
  },
  {
    key: 'in-process',
    name: "trail store (direct rows, no validation), appended in the request thread's transactions",
    path: 'in-process',
    content: false,
    randomIds: false,
    sustained: true,
  },
  {
    key: 'after',
    name: 'after: trail store, appended on the SQLite writer thread (decision 0021)',
    path: 'thread',
    content: false,
    randomIds: false,
    sustained: true,
  },
];

const PRACTICE = 'org-bench';
const who: AuditRecord['who'] = {
  subject: 'client-bench',
  kind: 'system',
  clientId: 'client-bench',
  practices: [PRACTICE],
};

async function seed(repo: Repository, patients: number): Promise<string[]> {
  const meta = { tag: [{ system: OWNER_SYSTEM, code: PRACTICE }] };
  const ids: string[] = [];
  await repo.transaction(async (tx) => {
    for (let i = 0; i < patients; i++) {
      const p = (
        await tx.create<Patient>({
          resourceType: 'Patient',
          meta,
          name: [{ family: `Bench${i}`, given: ['Ann'] }],
          birthDate: '1970-01-01',
        })
      ).resource;
      ids.push(p.id as string);
      await tx.create<Observation>({
        resourceType: 'Observation',
        meta,
        status: 'final',
        code: { text: 'weight' },
        subject: { reference: `Patient/${p.id}` },
      });
    }
  });
  return ids;
}

function records(patients: string[]): (n: number) => AuditRecord {
  return (n) => {
    const patient = patients[n % patients.length] as string;
    const base = { at: new Date().toISOString(), outcome: 200, who, ip: '127.0.0.1', requestId: `req-${n}` };
    switch (n % 6) {
      case 0:
        return { ...base, action: 'R', interaction: 'read', entity: `Patient/${patient}` };
      case 1:
        return {
          ...base,
          action: 'E',
          interaction: 'search-type',
          entity: 'Observation',
          query: `patient=${patient}&category=vital-signs&date=ge2025-01-01&_sort=-date`,
        };
      case 2:
        return {
          ...base,
          action: 'E',
          interaction: 'search-type',
          entity: 'Appointment',
          query: `patient=${patient}&date=ge2026-01-01`,
        };
      case 3:
        return {
          ...base,
          action: 'E',
          interaction: 'search-type',
          entity: 'Invoice',
          query: `subject=Patient/${patient}&status=issued`,
        };
      case 4:
        return {
          ...base,
          action: 'E',
          interaction: 'search-type',
          entity: 'Patient',
          query: `name=ben&birthdate=ge1960`,
        };
      default:
        return { ...base, action: 'E', interaction: 'search-type', entity: 'Patient', query: `name=smi&_count=20` };
    }
  };
}

/**
 * A TrailStore that writes through a repository (as the trail did before trail-store.ts): `update`
 * with the trail's time-ordered id, or with `randomIds` a `create` (the repository draws a random
 * UUID), one transaction per append, stopping after `maxMs`.
 */
function repositoryStore(repo: Repository, randomIds: boolean): TrailStore {
  return {
    append: (drafts, { maxMs }) =>
      repo.transaction(async (tx) => {
        const began = performance.now();
        let written = 0;
        for (const { id, record, context, source } of drafts) {
          const event = { ...toAuditEvent(record, source, context), id };
          await (randomIds ? tx.create<AuditEvent>(event) : tx.update<AuditEvent>(event));
          written++;
          if (performance.now() - began >= maxMs) break;
          await yieldToLoop();
        }
        return written;
      }),
  };
}

/** The repository deps server/app.ts uses, with the variant's validation and (re-added) full-text rows. */
function depsFor(base: RepositoryDeps, variant: Variant): RepositoryDeps {
  const index = (resource: Resource): IndexRow[] => {
    const rows = indexWithAccess(resource, TEST_BASE_URL);
    if (variant.content && resource.resourceType === 'AuditEvent') contentRows(resource, rows);
    return rows;
  };
  return { ...base, index };
}

function storeFor(variant: Variant, deps: RepositoryDeps, engine: RepositoryDeps['engine']): TrailStore {
  switch (variant.path) {
    case 'validated-repository':
      return repositoryStore(new VersionedRepository(deps), variant.randomIds);
    case 'repository':
      return repositoryStore(new VersionedRepository({ ...deps, validate: () => undefined }), variant.randomIds);
    case 'in-process':
      return trailStore({ appender: transactionAppender(engine) });
    case 'thread':
      return trailStore({ appender: engine.appender });
  }
}

async function measure(variant: Variant): Promise<AuditBenchRow> {
  const store = await openTestStore();
  try {
    const base: RepositoryDeps = {
      engine: store.engine,
      validate: (resource) => store.validator.validate(resource),
      index: (resource) => indexWithAccess(resource, TEST_BASE_URL),
      tombstoneIndex: (resource) => tombstoneRows(resource, TEST_BASE_URL),
    };
    const deps = depsFor(base, variant);
    const events = storeFor(variant, deps, store.engine);
    const repo = new VersionedRepository(base);
    const patients = await seed(repo, 200);
    const make = records(patients);
    const logger = pino({ level: 'warn' });

    // 1. Capacity: everything queued, then written as fast as the trail goes.
    const warm = new AuditTrail({ repo, store: events, logger, fhirBaseUrl: TEST_BASE_URL });
    for (let n = 0; n < 300; n++) warm.record(make(n));
    await warm.close();
    const capacityTrail = new AuditTrail({
      repo,
      store: events,
      logger,
      fhirBaseUrl: TEST_BASE_URL,
      flushIntervalMs: 60_000,
    });
    for (let n = 0; n < EVENTS; n++) capacityTrail.record(make(n));
    const start = performance.now();
    await capacityTrail.flush();
    const capacity = EVENTS / ((performance.now() - start) / 1000);
    await capacityTrail.close();
    const row: AuditBenchRow = { variant: variant.name, capacity };
    console.error(`  audit ${variant.name}: ${Math.round(capacity)} events/s (${EVENTS} queued at once)`);

    // 2. Sustained: RATE records/s for SECONDS, default trail settings.
    if (variant.sustained) {
      const trail = new AuditTrail({ repo, store: events, logger, fhirBaseUrl: TEST_BASE_URL });
      const loop = monitorEventLoopDelay({ resolution: 1 });
      let recorded = 0;
      let maxPending = 0;
      const tickMs = 5;
      const cpu = process.cpuUsage();
      const threadCpu = process.threadCpuUsage();
      const begin = performance.now();
      loop.enable();
      while (performance.now() - begin < SECONDS * 1000) {
        // Records due by now (catching up after a stall, as requests queued meanwhile would).
        const due = Math.floor(((performance.now() - begin) / 1000) * RATE);
        while (recorded < due) trail.record(make(recorded++));
        maxPending = Math.max(maxPending, trail.pending);
        await new Promise((resolve) => setTimeout(resolve, tickMs));
      }
      loop.disable();
      const elapsed = (performance.now() - begin) / 1000;
      const used = process.cpuUsage(cpu);
      const threadUsed = process.threadCpuUsage(threadCpu);
      await trail.close();
      const stats = trail.stats;
      row.sustained = {
        rate: recorded / elapsed,
        cpuPercent: ((used.user + used.system) / 1e6 / elapsed) * 100,
        threadCpuPercent: ((threadUsed.user + threadUsed.system) / 1e6 / elapsed) * 100,
        loopP50: loop.percentile(50) / 1e6,
        loopP99: loop.percentile(99) / 1e6,
        loopMax: loop.max / 1e6,
        maxPending,
        dropped: stats.dropped,
        written: stats.written,
        recorded,
        batches: stats.batches,
      };
      const s = row.sustained;
      console.error(
        `    sustained ${Math.round(s.rate)} records/s for ${SECONDS} s: trail CPU ${Math.round(s.cpuPercent)} % of a core (request thread ${Math.round(s.threadCpuPercent)} %), event-loop delay p50 ${s.loopP50.toFixed(1)} ms p99 ${s.loopP99.toFixed(1)} ms max ${s.loopMax.toFixed(0)} ms, max queued ${s.maxPending}, ${s.batches} batches, written ${s.written}/${s.recorded}, dropped ${s.dropped}`,
      );
    }
    await yieldToLoop();
    return row;
  } finally {
    await store.close();
  }
}

export async function auditBench(): Promise<AuditBenchRow[]> {
  const rows: AuditBenchRow[] = [];
  const wanted = process.env.AUDIT_BENCH_VARIANTS?.split(',');
  for (const variant of VARIANTS.filter((v) => !wanted || wanted.includes(v.key))) rows.push(await measure(variant));
  return rows;
}

export function auditBenchMarkdown(rows: AuditBenchRow[]): string[] {
  const lines = [
    `| audit trail variant (SQLite) | capacity (${EVENTS} queued) | sustained ${RATE}/s × ${SECONDS} s: trail CPU (request thread) | event-loop delay p50 / p99 / max | max queued | written / recorded, dropped |`,
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const s = r.sustained;
    lines.push(
      `| ${r.variant} | ${Math.round(r.capacity)} events/s | ${s ? `${Math.round(s.cpuPercent)} % of a core (${Math.round(s.threadCpuPercent)} %)` : ''} | ${s ? `${s.loopP50.toFixed(1)} / ${s.loopP99.toFixed(1)} / ${Math.round(s.loopMax)} ms` : ''} | ${s ? s.maxPending : ''} | ${s ? `${s.written} / ${s.recorded}, ${s.dropped}` : ''} |`,
    );
  }
  return lines;
}

if (import.meta.main) {
  const rows = await auditBench();
  console.log(auditBenchMarkdown(rows).join('\n'));
}
