import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../../server/access/access-index.ts';
import { BackendTokens, provisionPractice } from '../support/practice-client.ts';
import { openAppOn } from '../support/server-process.ts';
import { measureTransfers, median } from './binary-transfer.ts';
import { startTreeServer } from './tree-server.ts';

/**
 * Document content throughput (issue 12): a real server process (this checkout's, or the tree given)
 * on a fresh SQLite store; a 20 MB PDF uploaded raw (POST /Binary, streamed) and downloaded
 * (GET /Binary/[id], streamed) N times, one at a time (binary-transfer.ts, which `npm run bench`
 * runs too). Prints MB/s each way (median of the runs) and the server's peak RSS (VmHWM from
 * /proc/<pid>/status) before and after, which says whether a transfer holds the file in memory.
 * Not a test; the machine is shared, so compare runs, not numbers.
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
try {
  const result = await measureTransfers({
    baseUrl: BASE,
    token: await new BackendTokens(BASE, client).token(),
    patientId: patient.id as string,
    pid: server.child.pid as number,
    sizeBytes: SIZE,
    runs: RUNS,
    onRun: (run, up, down, rss) =>
      console.log(
        `run ${run + 1}: upload ${up.toFixed(1)} MB/s, download ${down.toFixed(1)} MB/s, peak RSS ${rss.toFixed(0)} MiB`,
      ),
  });
  console.log(
    `${SIZE / 1024 / 1024} MB document, ${RUNS} runs: upload ${median(result.up).toFixed(1)} MB/s, download ${median(result.down).toFixed(1)} MB/s (medians); ` +
      `server peak RSS ${result.rssAtStartMiB.toFixed(0)} MiB after start-up, ${result.rssAfterMiB.toFixed(0)} MiB after the runs`,
  );
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
