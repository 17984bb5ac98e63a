import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startServerProcess } from '../support/server-process.ts';
import { rawSqliteInsertRate } from './raw-sqlite.ts';
import { NAME_PREFIXES, random, syntheticPatient } from './synthetic-patients.ts';

/**
 * `npm run bench`: a server child process on a temporary embedded store, loaded with synthetic
 * patients through the API (transaction Bundles), measured with autocannon on loopback.
 * Env: BENCH_SCALES (default 10000,100000), BENCH_DURATION seconds per measurement (default 10),
 * BENCH_CONNECTIONS (default 10). Not a test: figures go to docs/benchmarks.md.
 */
const SCALES = (process.env.BENCH_SCALES ?? '10000,100000').split(',').map(Number);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const JSON_HEADERS = { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' };

interface Row { measure: string; scale: string; rate: string; p50: string; p99: string }
const rows: Row[] = [];

async function measure(name: string, scale: string, options: autocannon.Options): Promise<void> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...options });
  const bad = result.non2xx + result.errors + result.timeouts;
  rows.push({
    measure: name,
    scale,
    rate: `${Math.round(result.requests.average)} req/s${bad ? ` (${bad} failed)` : ''}`,
    p50: `${result.latency.p50} ms`,
    p99: `${result.latency.p99} ms`,
  });
  console.error(`  ${name} @ ${scale}: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
}

/** Loads patients [from, to) with transaction Bundles of 1000 entries; returns ids and the rate. */
async function load(fhirUrl: string, from: number, to: number, ids: string[]): Promise<number> {
  const start = performance.now();
  for (let i = from; i < to; i += 1000) {
    const entry = [];
    for (let j = i; j < Math.min(to, i + 1000); j++) entry.push({ resource: syntheticPatient(j), request: { method: 'POST', url: 'Patient' } });
    const res = await fetch(fhirUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }) });
    if (res.status !== 200) throw new Error(`load failed: ${res.status} ${(await res.text()).slice(0, 300)}`);
    for (const e of ((await res.json()) as any).entry) ids.push(e.resource.id);
  }
  return (to - from) / ((performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const server = await startServerProcess(dataDir, { SEARCH_MAX_COUNT: '1000', BUNDLE_MAX_ENTRIES: '1000' });
  const ids: string[] = [];
  try {
    console.error(`benchmark: ${DURATION} s per measurement, ${CONNECTIONS} connections, scales ${SCALES.join(', ')}`);
    let created = 0;
    await measure('create Patient (POST)', 'empty store', {
      url: `${server.fhirUrl}/Patient`,
      method: 'POST',
      headers: JSON_HEADERS,
      requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify(syntheticPatient(10_000_000 + created++)) }) }],
    });
    let loaded = 0;
    for (const scale of SCALES) {
      const rate = await load(server.fhirUrl, loaded, scale, ids);
      rows.push({ measure: 'import (transaction Bundles of 1000)', scale: `${loaded}→${scale}`, rate: `${Math.round(rate)} resources/s`, p50: '', p99: '' });
      console.error(`  loaded ${scale} patients at ${Math.round(rate)} resources/s`);
      loaded = scale;
      const pick = random(scale);
      await measure('read Patient/[id]', `${scale} patients`, {
        url: server.fhirUrl,
        requests: [{ setupRequest: (req) => ({ ...req, path: `/fhir/R4/Patient/${ids[Math.floor(pick() * ids.length)]}` }) }],
      });
      await measure('search Patient?name=[3 letters]&_count=20', `${scale} patients`, {
        url: server.fhirUrl,
        requests: [{ setupRequest: (req) => ({ ...req, path: `/fhir/R4/Patient?name=${encodeURIComponent(NAME_PREFIXES[Math.floor(pick() * NAME_PREFIXES.length)] as string)}&_count=20` }) }],
      });
    }
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const single = rawSqliteInsertRate(2000, 1);
  const batched = rawSqliteInsertRate(100_000, 1000);
  rows.push({ measure: 'raw node:sqlite insert, 1 row per transaction', scale: '', rate: `${Math.round(single)} rows/s`, p50: '', p99: '' });
  rows.push({ measure: 'raw node:sqlite insert, 1000 rows per transaction', scale: '', rate: `${Math.round(batched)} rows/s`, p50: '', p99: '' });
  const cpu = cpus();
  console.log(`\n${new Date().toISOString().slice(0, 10)} · ${cpu[0]?.model ?? 'cpu'} · ${cpu.length} cores · ${Math.round(totalmem() / 2 ** 30)} GiB · Node ${process.version} · ${DURATION} s × ${CONNECTIONS} connections\n`);
  console.log('| measure | scale | throughput | p50 | p99 |\n| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.measure} | ${r.scale} | ${r.rate} | ${r.p50} | ${r.p99} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
