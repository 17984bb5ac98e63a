import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { fhirFetch, startTestServer, testServerForSuite } from '../support/test-server.ts';
import type { TestServer } from '../support/test-server.ts';
import { errorCapture, render, send } from './probe.ts';
import type { Outcome } from './probe.ts';
import { requestArbitrary } from './requests.ts';
import { seed } from './seed-data.ts';
import type { FuzzRequest } from './requests.ts';
import { SEED_IDS } from './resources.ts';
import type { FuzzIds } from './resources.ts';

/**
 * Fuzzing the FHIR API with badly-typed bodies and parameters (fast-check): a few thousand requests
 * over every interaction on a real server with a little data. No request may answer 5xx, and every
 * 4xx is a FHIR OperationOutcome. Runs a fixed seed, then one random seed that a failure prints.
 *
 * Reproduce: `FUZZ_SEED=<seed> FUZZ_RUNS=<n> node --test test/fuzz/fhir-fuzz.test.ts` (only that
 * seed runs). A longer local run: `FUZZ_RUNS=20000 FUZZ_RANDOM_RUNS=20000 node --test …`.
 */
const FIXED_SEED = 20261203;
const envSeed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const FIXED_RUNS = Number(process.env.FUZZ_RUNS ?? 2500);
const RANDOM_RUNS = Number(process.env.FUZZ_RANDOM_RUNS ?? 1000);

describe('FHIR API fuzzing: wrongly-typed input is a 4xx OperationOutcome, never a 5xx', () => {
  let server: TestServer;
  let ids: FuzzIds;
  const capture = errorCapture();

  before(async () => {
    server = await startTestServer({}, { logger: capture.logger });
    ids = { ...SEED_IDS, practiceId: server.practice.practiceId };
    await seed(server, ids);
  });
  after(() => server.close());

  async function fuzz(seed: number, numRuns: number): Promise<void> {
    const failures = new WeakMap<FuzzRequest, Outcome>();
    const property = fc.asyncProperty(requestArbitrary(ids), async (request) => {
      capture.take();
      const outcome = await send(server.fhirUrl, request);
      if (outcome.problem) {
        failures.set(request, { ...outcome, serverError: capture.take() });
        throw new Error(outcome.problem);
      }
    });
    const details = await fc.check(property, { seed, numRuns });
    if (!details.failed) return;
    const request = details.counterexample?.[0];
    const outcome = request ? failures.get(request) : undefined;
    assert.fail(
      [
        `Fuzzing found a bad answer. Reproduce with FUZZ_SEED=${seed} FUZZ_RUNS=${numRuns} (fast-check path ${details.counterexamplePath}).`,
        request ? `Request (shrunk):\n${render(request)}` : `Error: ${String(details.errorInstance)}`,
        outcome ? `Answer: ${outcome.problem}\n  ${outcome.body.slice(0, 1500)}` : '',
        outcome?.serverError ? `Server log:\n${outcome.serverError}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
  }

  if (envSeed !== undefined) {
    it(`seed ${envSeed} from FUZZ_SEED (${FIXED_RUNS} requests)`, () => fuzz(envSeed, FIXED_RUNS));
  } else {
    it(`fixed seed ${FIXED_SEED} (${FIXED_RUNS} requests)`, () => fuzz(FIXED_SEED, FIXED_RUNS));
    it(`a random seed (${RANDOM_RUNS} requests; printed on failure)`, () => fuzz(randomInt(2 ** 31), RANDOM_RUNS));
  }
});

/**
 * The wrongly-typed fields of issue 9 (finding 8) that reached storage and access code before
 * validation: each is a 400 whose OperationOutcome names the path, and nothing is stored, whether it
 * comes in a create, an update, a conditional update, a PATCH, or an entry of a transaction or batch.
 */
describe('wrongly-typed fields are a 400 naming the path, and nothing is stored', () => {
  const suite = testServerForSuite();
  before(async () => {
    const setup = [
      fhirFetch(`${suite.F}/Patient/wt-patient`, {
        method: 'PUT',
        body: { resourceType: 'Patient', id: 'wt-patient', name: [{ family: 'Typed' }] },
      }),
      fhirFetch(`${suite.F}/Observation/wt-obs`, {
        method: 'PUT',
        body: {
          resourceType: 'Observation',
          id: 'wt-obs',
          status: 'final',
          code: { text: 'x' },
          subject: { reference: 'Patient/wt-patient' },
        },
      }),
    ];
    for (const res of await Promise.all(setup)) assert.equal(res.status, 201, JSON.stringify(res.body));
  });

  const versions = async (): Promise<number> =>
    (await suite.server.repo.history({ count: 10_000 })).filter((v) => v.resourceType !== 'AuditEvent').length;
  const patient = { resourceType: 'Patient', id: 'wt-patient', name: [{ family: 'Typed' }] };
  const observation = {
    resourceType: 'Observation',
    id: 'wt-obs',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Patient/wt-patient' },
  };
  const cases = [
    // A PATCH of the id is refused before any type matters (422: a patch may not change the id).
    { name: '"id": []', resource: { ...patient, id: [] }, path: 'id', patch: undefined },
    {
      name: 'meta.tag: "x"',
      resource: { ...patient, meta: { tag: 'x' } },
      path: 'meta.tag',
      patch: { op: 'add', path: '/meta', value: { tag: 'x' } },
    },
    {
      name: 'subject.reference: []',
      resource: { ...observation, subject: { reference: [] } },
      path: 'subject.reference',
      patch: { op: 'replace', path: '/subject/reference', value: [] },
    },
  ];

  /** Sends the request; asserts a 400 OperationOutcome with an issue at `expression`, and no new version. */
  async function rejected(expression: string, ...request: Parameters<typeof fhirFetch>): Promise<void> {
    const before = await versions();
    const res = await fhirFetch(...request);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body?.resourceType, 'OperationOutcome');
    const expressions: string[] = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
    assert.ok(
      expressions.includes(expression),
      `expected an issue at ${expression}, got ${JSON.stringify(res.body.issue)}`,
    );
    assert.equal(await versions(), before, 'nothing stored');
  }

  for (const c of cases) {
    const type = c.resource.resourceType;
    const id = type === 'Patient' ? 'wt-patient' : 'wt-obs';
    const at = `${type}.${c.path}`;
    it(`${c.name}: create`, () => rejected(at, `${suite.F}/${type}`, { method: 'POST', body: c.resource }));
    it(`${c.name}: update`, () => rejected(at, `${suite.F}/${type}/${id}`, { method: 'PUT', body: c.resource }));
    it(`${c.name}: conditional update`, () =>
      rejected(at, `${suite.F}/${type}?_id=${id}`, { method: 'PUT', body: c.resource }));
    if (c.patch)
      it(`${c.name}: PATCH`, () =>
        rejected(at, `${suite.F}/${type}/${id}`, {
          method: 'PATCH',
          body: [c.patch],
          headers: { 'content-type': 'application/json-patch+json' },
        }));
    it(`${c.name}: in a transaction`, () =>
      rejected(`Bundle.entry[1].resource.${c.path}`, `${suite.F}/`, {
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            {
              request: { method: 'POST', url: 'Patient' },
              resource: { resourceType: 'Patient', name: [{ family: 'Would be stored' }] },
            },
            { request: { method: 'PUT', url: `${type}/${id}` }, resource: c.resource },
          ],
        },
      }));
    it(`${c.name}: in a batch, that entry alone fails`, async () => {
      const before = await versions();
      const res = await fhirFetch(`${suite.F}/`, {
        method: 'POST',
        body: {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [{ request: { method: 'POST', url: type }, resource: c.resource }],
        },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const { response } = res.body.entry[0];
      assert.match(response.status, /^400/);
      assert.ok(
        response.outcome.issue.some((i: { expression?: string[] }) =>
          i.expression?.includes(`Bundle.entry[0].resource.${c.path}`),
        ),
        JSON.stringify(response.outcome),
      );
      assert.equal(await versions(), before, 'nothing stored');
    });
  }

  it('the records are unchanged', async () => {
    for (const path of ['Patient/wt-patient', 'Observation/wt-obs']) {
      const res = await fhirFetch(`${suite.F}/${path}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.meta.versionId, '1', path);
    }
  });
});
