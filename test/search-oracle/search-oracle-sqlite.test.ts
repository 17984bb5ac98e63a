import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { matchesSearchRequest, parseSearchRequest, toTypedValue } from '@medplum/core';
import { searchParametersFor } from '../../server/fhir/definitions.ts';
import type { Oracle } from './oracle-setup.ts';
import { RUNS, runOracle, SEED, setUpOracle, SKIP } from './oracle-setup.ts';
import { httpEngine } from './oracle-runner.ts';
import { queryArbitrary, queryString } from './query-generators.ts';
import type { FeatureName, GenContext, GeneratedQuery } from './query-generators.ts';
import { evaluateExpression, splitOr, termsForType } from './reference-evaluator.ts';

/**
 * The search oracle, SQLite side: real Synthea data loaded through the HTTP API, then generated
 * searches whose result ids (in order, across every page, following `next` links) must equal the
 * independent in-memory evaluation of reference-evaluator.ts. See README.md.
 */
describe('search oracle: SQLite over HTTP', { skip: SKIP }, () => {
  let oracle: Oracle;
  before(async () => {
    oracle = await setUpOracle();
  });
  after(() => oracle?.server.close());

  it(`agrees with the reference evaluator on ${RUNS} generated searches (seed ${SEED})`, (t) =>
    runOracle(t, oracle, httpEngine(oracle.server.fhirUrl), 'sqlite/http'));

  it('the reference evaluator agrees with @medplum/core matchesSearchRequest where that is exact', (t) => {
    // matchesSearchRequest departs from R4 in several places (string: substring instead of prefix,
    // no accent folding; token: case-insensitive, displays match as codes; date eq: overlap; no
    // number/quantity/composite), so it checks the reference evaluator only on the forms where both
    // must agree: token system|code, reference Type/id, _id, with AND and OR.
    const { model } = oracle;
    const sub: GenContext = { ...oracle.ctx, enabled: new Set<FeatureName>(['token', 'reference', 'id', 'and', 'or']) };
    const exact = (g: GeneratedQuery): boolean =>
      g.query.params.every(([key, value]) => {
        if (key === '_id') return true;
        const sp = searchParametersFor(g.query.resourceType).get(key);
        if (sp?.type === 'token') return splitOr(value).every((v) => /^[^|]+\|[^|]+$/.test(v));
        if (sp?.type === 'reference') return splitOr(value).every((v) => /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+$/.test(v));
        return false;
      });
    const queries = fc.sample(queryArbitrary(sub), { seed: SEED, numRuns: 1000 }).filter(exact).slice(0, 300);
    let nonEmpty = 0;
    for (const g of queries) {
      // matchesSearchRequest evaluates whole union expressions (slow): it is compared on the
      // matches and on a spread sample of the other resources of the type.
      const request = parseSearchRequest(`${g.query.resourceType}?${queryString(g.query)}`);
      const ours = new Set(model.evaluate(g.query));
      const all = model.resources(g.query.resourceType);
      const step = Math.max(1, Math.floor(all.length / 60));
      for (const r of all.filter((x, i) => ours.has(x.id as string) || i % step === 0)) {
        assert.equal(
          ours.has(r.id as string),
          matchesSearchRequest(r, request),
          `${g.query.resourceType}/${r.id} and ${g.query.resourceType}?${queryString(g.query)}`,
        );
      }
      if (ours.size) nonEmpty++;
    }
    t.diagnostic(`${queries.length} queries compared with matchesSearchRequest, ${nonEmpty} with results`);
    assert.ok(
      queries.length >= 200 && nonEmpty >= queries.length / 2,
      `${queries.length} compared, ${nonEmpty} non-empty`,
    );
  });

  it('the reference evaluator: union terms kept for a type evaluate like the whole expression', () => {
    // The evaluator keeps only the union terms of an expression that can apply to the resource's
    // type (ten times faster); on a sample of every type that must change no value (as sets: a
    // union removes duplicates, a single term does not; matching is existential).
    let compared = 0;
    for (const [type, resources] of oracle.model.byType) {
      const sample = resources.filter((_, i) => i % Math.max(1, Math.floor(resources.length / 8)) === 0);
      for (const [code, sp] of searchParametersFor(type)) {
        if (!sp.expression || sp.type === 'special') continue;
        const trimmed = termsForType(type, sp.expression);
        for (const r of sample) {
          const set = (expression: string | undefined): string[] =>
            expression
              ? [
                  ...new Set(evaluateExpression(expression, [toTypedValue(r)]).map((v) => JSON.stringify(v.value))),
                ].sort()
              : [];
          assert.deepEqual(set(trimmed), set(sp.expression), `${type}.${code} on ${r.id}`);
          compared++;
        }
      }
    }
    assert.ok(compared > 1000, String(compared));
  });
});
