import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../../server/access/access-index.ts';
import { BackendTokens, provisionPractice } from '../support/practice-client.ts';
import { pdf } from '../support/document-samples.ts';
import { openAppOn } from '../support/server-process.ts';
import { startTreeServer } from './tree-server.ts';

/**
 * Document content throughput (issue 12): a real server process (this checkout's, or the tree given)
 * on a fresh SQLite store; a 20 MB PDF uploaded raw (POST /Binary, streamed) and downloaded
 * (GET /Binary/[id], streamed) N times, one at a time. Prints MB/s each way (median of the runs) and
 * the server's peak RSS (VmHWM from /proc/<pid>/status) before and after, which says whether a
 * transfer holds the file in memory. Not a test; the machine is shared, so compare runs, not numbers.
 * Usage: node test/bench/binary-bench.ts [runs=5] [tree=.]
 * Env: BINARY_BENCH_MB=<size> another file size (above 50, raise BINARY_LIMIT_BYTES too, which the
 * server inherits): the peak RSS should not grow with it.
 */
const RUNS = Number(process.argv[2] ?? 5);
const TREE = process.argv[3] ?? join(import.meta.dirname, '../..');
const SIZE = Number(process.env.BINARY_BENCH_MB ?? 20) * 1024 * 1024;
const PORT = 18_333;
const BASE = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'binary-bench-'));

const { app, close } = await openAppOn(dataDir, BASE);
const client = await provisionPractice(app, 'Bench practice', undefined, { managesAccess: false });
const patient = (
  await app.repo.create<Patient>({
    resourceType: 'Patient',
    meta: { tag: [{ system: OWNER_SYSTEM, code: client.practiceId }] },
    name: [{ family: 'Bench' }],
  })
).resource;
await close();

const server = await startTreeServer(TREE, { dataDir, port: PORT });
const pid = server.child.pid as number;
const peakRss = (): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
const token = await new BackendTokens(BASE, client).token();
const content = pdf(SIZE);
const expected = createHash('sha256').update(content).digest('hex');

/** Uploads `content` in 64 KiB writes (as a socket would deliver a file); resolves with the Binary id. */
function upload(): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${BASE}/fhir/R4/Binary`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/pdf',
        'content-length': String(content.length),
        'x-security-context': `Patient/${patient.id}`,
        accept: 'application/fhir+json',
        prefer: 'return=minimal',
      },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        const location = res.headers.location ?? '';
        if (res.statusCode !== 201) reject(new Error(`upload: ${res.statusCode}`));
        else resolve(/\/Binary\/([^/]+)\//.exec(location)?.[1] as string);
      });
    });
    req.on('error', reject);
    (async () => {
      for (let offset = 0; offset < content.length; offset += 65_536) {
        if (!req.write(content.subarray(offset, offset + 65_536)))
          await new Promise((drained) => req.once('drain', drained));
      }
      req.end();
    })().catch(reject);
  });
}

/** Downloads the content, hashing it as it arrives (never holding it whole here either). */
async function download(id: string): Promise<void> {
  const res = await fetch(`${BASE}/fhir/R4/Binary/${id}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/pdf' },
  });
  if (res.status !== 200 || !res.body) throw new Error(`download: ${res.status}`);
  const hash = createHash('sha256');
  for await (const part of res.body) hash.update(part);
  if (hash.digest('hex') !== expected) throw new Error('download: the bytes differ from the upload');
}

const mbPerSecond = (ms: number): number => SIZE / (1024 * 1024) / (ms / 1000);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const rssAtStart = peakRss();
const up: number[] = [];
const down: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    let started = performance.now();
    const id = await upload();
    up.push(mbPerSecond(performance.now() - started));
    started = performance.now();
    await download(id);
    down.push(mbPerSecond(performance.now() - started));
    console.log(
      `run ${run + 1}: upload ${up.at(-1)?.toFixed(1)} MB/s, download ${down.at(-1)?.toFixed(1)} MB/s, peak RSS ${peakRss().toFixed(0)} MiB`,
    );
  }
  console.log(
    `${SIZE / 1024 / 1024} MB document, ${RUNS} runs: upload ${median(up).toFixed(1)} MB/s, download ${median(down).toFixed(1)} MB/s (medians); ` +
      `server peak RSS ${rssAtStart.toFixed(0)} MiB after start-up, ${peakRss().toFixed(0)} MiB after the runs`,
  );
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
