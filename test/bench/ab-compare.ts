import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type { Patient } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../../server/access/access-index.ts';
import { BackendTokens, provisionPractice } from '../support/practice-client.ts';
import { openAppOn } from '../support/server-process.ts';
import { startTreeServer } from './tree-server.ts';

/**
 * A/B of two checkouts of the server on one store, alternating, to tell a change's cost from the
 * machine's noise (the bench's single runs vary by 10–40 % here). Not a test.
 * Usage: node test/bench/ab-compare.ts <tree A> <tree B> [rounds]
 * Env: AB_ONLY=<part of a measure's name> runs only those measures; CPU_PROF=<dir> starts the servers
 * under `node --cpu-prof` (one profile per server run, for profile-summary.ts).
 */
const [treeA, treeB, roundsArg] = process.argv.slice(2) as [string, string, string?];
const ROUNDS = Number(roundsArg ?? 3);
const PORT = 18_321;
const BASE = `http://127.0.0.1:${PORT}`;
const dataDir = mkdtempSync(join(tmpdir(), 'ab-'));
const PATIENTS = 1000;
const FAMILIES = [
  'smith',
  'johnson',
  'williams',
  'brown',
  'jones',
  'garcia',
  'miller',
  'davis',
  'rodriguez',
  'martinez',
];

const { app, close: closeApp } = await openAppOn(dataDir, BASE);
const client = await provisionPractice(app, 'AB practice', undefined, { managesAccess: false });
const tag = { tag: [{ system: OWNER_SYSTEM, code: client.practiceId }] };
const ids: string[] = [];
for (let i = 0; i < PATIENTS; i += 100) {
  await app.repo.transaction(async (tx) => {
    for (let j = i; j < i + 100; j++) {
      const family = `${FAMILIES[j % FAMILIES.length]}${j % 7 === 0 ? '' : String.fromCharCode(97 + (j % 26))}`;
      const p = (
        await tx.create<Patient>({
          resourceType: 'Patient',
          meta: tag,
          name: [{ family, given: ['Pat'] }],
          birthDate: `${1940 + (j % 60)}-0${1 + (j % 9)}-1${j % 10}`,
        })
      ).resource;
      ids.push(p.id as string);
      for (let k = 0; k < 10; k++) {
        await tx.create({
          resourceType: 'Observation',
          meta: tag,
          status: 'final',
          category: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                  code: k % 3 ? 'vital-signs' : 'laboratory',
                },
              ],
            },
          ],
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          subject: { reference: `Patient/${p.id}` },
          effectiveDateTime: `2026-${String(1 + (k % 11)).padStart(2, '0')}-10`,
          valueQuantity: { value: 60 + k, unit: '/min' },
        });
      }
    }
  });
}
await closeApp();
console.error(`store ready: ${dataDir}`);

const pick = <T>(a: T[]): T => a[Math.floor(Math.random() * a.length)] as T;
const ALL_MEASURES: Array<{ name: string; path: () => string }> = [
  { name: 'read Patient/[id]', path: () => `/fhir/R4/Patient/${pick(ids)}` },
  {
    name: 'Patient?name=[3]&birthdate=ge',
    path: () =>
      `/fhir/R4/Patient?name=${pick(FAMILIES).slice(0, 3)}&birthdate=ge${1940 + Math.floor(Math.random() * 50)}`,
  },
  {
    name: 'Observation vital signs',
    path: () => `/fhir/R4/Observation?patient=${pick(ids)}&category=vital-signs&date=ge2026-03-01&_sort=-date`,
  },
];
/** AB_ONLY=<part of a measure's name> keeps only the matching measures (e.g. for one profile). */
const MEASURES = ALL_MEASURES.filter((m) => !process.env.AB_ONLY || m.name.includes(process.env.AB_ONLY));

async function measure(tree: string): Promise<number[]> {
  const profile = process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : [];
  const server = await startTreeServer(tree, { dataDir, port: PORT, nodeFlags: profile });
  const token = await new BackendTokens(BASE, client).token();
  const results: number[] = [];
  for (const m of MEASURES) {
    const result = await autocannon({
      url: BASE,
      connections: 10,
      duration: 8,
      headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      requests: [{ setupRequest: (req) => ({ ...req, path: m.path() }) }],
    });
    results.push(Math.round(result.requests.average));
  }
  await server.stop();
  return results;
}

const table: Record<string, number[][]> = { A: [], B: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [label, tree] of [
    ['A', treeA],
    ['B', treeB],
  ] as const) {
    const r = await measure(tree);
    table[label]!.push(r);
    console.log(`round ${round + 1} ${label}: ${MEASURES.map((m, i) => `${m.name} ${r[i]}`).join(', ')}`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
for (const [i, m] of MEASURES.entries()) {
  const a = median(table.A!.map((r) => r[i] as number));
  const b = median(table.B!.map((r) => r[i] as number));
  console.log(`${m.name}: A ${a} req/s, B ${b} req/s (${(((b - a) / a) * 100).toFixed(1)} %)`);
}
// The store is ~0.4–1 GiB; set AB_KEEP=1 to keep it (e.g. for EXPLAIN QUERY PLAN).
if (process.env.AB_KEEP === '1') console.error(`store kept: ${dataDir}`);
else rmSync(dataDir, { recursive: true, force: true });
