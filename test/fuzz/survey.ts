import fc from 'fast-check';
import { startTestServer } from '../support/test-server.ts';
import { errorCapture, render, send } from './probe.ts';
import { requestArbitrary } from './requests.ts';
import { SEED_IDS } from './resources.ts';
import { seed } from './seed-data.ts';

/**
 * Not a test: a long fuzzing run that does not stop at the first bad answer. It prints the status
 * codes per kind of request (to see how far the bodies get) and every distinct failure, grouped by
 * the server's stack, with the smallest request that caused it.
 *
 *   node test/fuzz/survey.ts [requests per seed = 5000] [seeds = 3] [first seed = random]
 *   (SURVEY_CONCURRENCY=4: four requests at a time; SURVEY_REASONS=1: the commonest 4xx answers)
 */
const perSeed = Number(process.argv[2] ?? 5000);
const seeds = Number(process.argv[3] ?? 3);
const firstSeed = Number(process.argv[4] ?? Math.floor(Math.random() * 2 ** 31));

const capture = errorCapture();
const server = await startTestServer({}, { logger: capture.logger });
const ids = { ...SEED_IDS, practiceId: server.practice.practiceId };
await seed(server, ids);
const statuses = new Map<string, Map<number, number>>();
const failures = new Map<string, { count: number; example: string; size: number }>();
let total = 0;
const reasons = new Map<string, number>();
const started = Date.now();
try {
  for (let s = 0; s < seeds; s++) {
    const requests = fc.sample(requestArbitrary(ids), { seed: firstSeed + s, numRuns: perSeed });
    // SURVEY_CONCURRENCY=n sends n requests at a time (concurrent writes to the same records).
    const concurrency = Number(process.env.SURVEY_CONCURRENCY ?? 1);
    for (let start = 0; start < requests.length; start += concurrency) {
      const chunk = requests.slice(start, start + concurrency);
      capture.take();
      const outcomes = await Promise.all(chunk.map((request) => send(server.fhirUrl, request)));
      const serverError = capture.take();
      for (const [j, request] of chunk.entries()) {
        const outcome = outcomes[j]!;
        total++;
        const byKind = statuses.get(request.kind) ?? new Map<number, number>();
        byKind.set(outcome.status, (byKind.get(outcome.status) ?? 0) + 1);
        statuses.set(request.kind, byKind);
        if (process.env.SURVEY_REASONS && outcome.status >= 400 && outcome.status < 500) {
          const text = (/"text":"([^"]{0,60})/.exec(outcome.body)?.[1] ?? '').replace(/'[^']*'|\d+/g, '…');
          const key = `${request.kind} ${outcome.status} ${text}`;
          reasons.set(key, (reasons.get(key) ?? 0) + 1);
        }
        if (!outcome.problem) continue;
        const key = `${outcome.problem.replace(/\d+$/, '')} | ${(serverError ?? outcome.body).split('\n').slice(0, 4).join(' | ').slice(0, 400)}`;
        const known = failures.get(key);
        const size = (request.body?.length ?? 0) + request.path.length;
        const example = `${render(request, 1500)}\n  → ${outcome.problem}: ${outcome.body.slice(0, 300)}\n${serverError ?? ''}`;
        if (!known) failures.set(key, { count: 1, example, size });
        else {
          known.count++;
          if (size < known.size) Object.assign(known, { example, size });
        }
      }
    }
    console.log(
      `seed ${firstSeed + s}: ${perSeed} requests (${total} in ${Math.round((Date.now() - started) / 1000)} s)`,
    );
  }
} finally {
  await server.close();
}
for (const [kind, byStatus] of [...statuses].sort()) {
  console.log(
    `${kind.padEnd(20)} ${[...byStatus]
      .sort((a, b) => a[0] - b[0])
      .map(([status, n]) => `${status}×${n}`)
      .join(' ')}`,
  );
}
for (const [key, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 60))
  console.log(`${String(n).padStart(5)} ${key}`);
console.log(`\n${failures.size} distinct failures in ${total} requests (seeds ${firstSeed}..${firstSeed + seeds - 1})`);
for (const [key, { count, example }] of failures) console.log(`\n=== ${count} × ${key}\n${example}`);
