import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { Oracle } from './oracle-setup.ts';
import { RUNS, runOracle, SEED, setUpOracle, SKIP } from './oracle-setup.ts';
import { mingoDocuments, mingoEngine, mingoSource, partitionedSource } from './mingo-engine.ts';
import type { DocumentSource } from '../../server/storage/mongo/compile-search.ts';
import type { CurrentDocument } from '../../server/storage/mongo/documents.ts';
import { queryArbitrary } from './query-generators.ts';

/**
 * The search oracle, MongoDB side (no MongoDB server needed): the same data and generated searches,
 * answered by the MongoDB engine's real aggregation pipelines (search-runner.ts) executed by mingo
 * over the engine's own documents, paged by keyset positions like the REST layer does.
 */
describe('search oracle: MongoDB pipelines under mingo', { skip: SKIP }, () => {
  let oracle: Oracle;
  let docs: CurrentDocument[];
  let source: DocumentSource;
  before(async () => {
    oracle = await setUpOracle();
    docs = mingoDocuments([...oracle.model.byKey.values()], oracle.server.fhirUrl);
    source = partitionedSource(docs);
  });
  after(() => oracle?.server.close());

  it(`agrees with the reference evaluator on ${RUNS} generated searches (seed ${SEED})`, (t) =>
    runOracle(t, oracle, mingoEngine(source, oracle.server.fhirUrl), 'mongo/mingo'));

  it('the per-type source answers like test/support/mingo-source.ts over all documents', async () => {
    // partitionedSource saves time (one type's documents, no deep copies); on a sample that favours
    // chains and _has (which read other types), the answers must be those of the plain source.
    // The plain source deep-copies every document per aggregation: a subset (the first 150
    // documents of each type) keeps this affordable; both sources see the same subset.
    const seen = new Map<string, number>();
    const subset = docs.filter((d) => {
      seen.set(d.type, (seen.get(d.type) ?? 0) + 1);
      return (seen.get(d.type) as number) <= 150;
    });
    const plain = mingoEngine(mingoSource(subset), oracle.server.fhirUrl);
    const fast = mingoEngine(partitionedSource(subset), oracle.server.fhirUrl);
    const sample = fc.sample(queryArbitrary(oracle.ctx), { seed: SEED + 1, numRuns: 200 });
    const picked = [
      ...sample.filter((g) => g.features.some((f) => f.startsWith('chain') || f.startsWith('has'))).slice(0, 12),
      ...sample.slice(0, 12),
    ];
    let nonEmpty = 0;
    for (const g of picked) {
      const count = Math.max(1, Math.ceil(oracle.model.evaluate(g.query).length / 3));
      const expected = await plain(g, count, 10);
      assert.deepEqual(await fast(g, count, 10), expected, JSON.stringify(g.query));
      if (expected.ids.length) nonEmpty++;
    }
    assert.ok(nonEmpty >= picked.length / 3, `${nonEmpty} of ${picked.length} non-empty`);
  });
});
