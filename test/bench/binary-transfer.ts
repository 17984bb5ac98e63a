import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { pdf } from '../support/document-samples.ts';

/**
 * Document content throughput against a running server (issue 12): a PDF of `sizeBytes` uploaded raw
 * (POST /Binary, streamed in 64 KiB writes) and downloaded (GET /Binary/[id], hashed as it arrives and
 * compared with the upload), `runs` times, one at a time; the server's peak RSS (VmHWM of
 * /proc/<pid>/status) before and after says whether a transfer holds the file in memory. Used by
 * binary-bench.ts (one tree, its own server) and by `npm run bench` (its record store's server).
 */
export interface TransferOptions {
  baseUrl: string;
  /** A backend or practitioner token that may upload for `patientId`. */
  token: string;
  patientId: string;
  /** The server process, for its peak RSS. */
  pid: number;
  sizeBytes: number;
  runs: number;
  /** Called after each run (progress). */
  onRun?: (run: number, upMbPerS: number, downMbPerS: number, peakRssMiB: number) => void;
}

export interface TransferResult {
  /** MB/s of each run (MB = 2^20 bytes). */
  up: number[];
  down: number[];
  rssAtStartMiB: number;
  rssAfterMiB: number;
}

/** Peak RSS (VmHWM) of a process in MiB. */
export function peakRss(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

export async function measureTransfers(options: TransferOptions): Promise<TransferResult> {
  const { baseUrl, token, patientId, pid, sizeBytes, runs } = options;
  const content = pdf(sizeBytes);
  const expected = createHash('sha256').update(content).digest('hex');

  /** Uploads `content` in 64 KiB writes (as a socket would deliver a file); resolves with the Binary id. */
  const upload = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const req = request(`${baseUrl}/fhir/R4/Binary`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/pdf',
          'content-length': String(content.length),
          'x-security-context': `Patient/${patientId}`,
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

  /** Downloads the content, hashing it as it arrives (never holding it whole here either). */
  const download = async (id: string): Promise<void> => {
    const res = await fetch(`${baseUrl}/fhir/R4/Binary/${id}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/pdf' },
    });
    if (res.status !== 200 || !res.body) throw new Error(`download: ${res.status}`);
    const hash = createHash('sha256');
    for await (const part of res.body) hash.update(part);
    if (hash.digest('hex') !== expected) throw new Error('download: the bytes differ from the upload');
  };

  const mbPerSecond = (ms: number): number => sizeBytes / (1024 * 1024) / (ms / 1000);
  const rssAtStartMiB = peakRss(pid);
  const up: number[] = [];
  const down: number[] = [];
  for (let run = 0; run < runs; run++) {
    let started = performance.now();
    const id = await upload();
    up.push(mbPerSecond(performance.now() - started));
    started = performance.now();
    await download(id);
    down.push(mbPerSecond(performance.now() - started));
    options.onRun?.(run, up.at(-1) as number, down.at(-1) as number, peakRss(pid));
  }
  return { up, down, rssAtStartMiB, rssAfterMiB: peakRss(pid) };
}
