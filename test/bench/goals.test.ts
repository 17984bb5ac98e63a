import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGoal, checkGrowth } from './goals.ts';

describe('bench goals (issue #11)', () => {
  it('a row meets its goal only with the rate, the p99 and no failures', () => {
    assert.equal(checkGoal('vitals', 'req/s', { rate: 1600, p99: 20 })?.met, true);
    assert.equal(checkGoal('vitals', 'req/s', { rate: 1400, p99: 20 })?.met, false);
    assert.equal(checkGoal('vitals', 'req/s', { rate: 1600, p99: 26 })?.met, false);
    assert.equal(checkGoal('vitals', 'req/s', { rate: 1600, p99: 20, failed: 1 })?.met, false);
    assert.equal(checkGoal('read', 'req/s', { rate: 5000 })?.met, true);
  });

  it('says what was wanted, the verdict and what was measured', () => {
    assert.equal(
      checkGoal('broad', 'req/s', { rate: 1210.4, p99: 31 })?.text,
      '≥ 2,000 req/s, p99 ≤ 25 ms: **missed** (1,210 req/s, p99 31.0 ms)',
    );
    assert.equal(
      checkGoal('import', 'resources/s', { rate: 1700 })?.text,
      '≥ 1,500 resources/s: met (1,700 resources/s)',
    );
  });

  it('measures without a goal get none', () => {
    assert.equal(checkGoal('load', 'resources/s', { rate: 1 }), undefined);
    // Issue #12's rows (run-bench.ts measureRecord) print figures: the issue names no goal.
    assert.equal(checkGoal('record-results', 'req/s', { rate: 1 }), undefined);
    assert.equal(checkGoal('record-share', 'req/s', { rate: 1 }), undefined);
  });

  it('flatness: p50 at the largest scale at most 1.5× the smallest; timeouts never meet it', () => {
    assert.equal(checkGrowth(10, 15).met, true);
    assert.equal(checkGrowth(10, 15.1).met, false);
    assert.equal(checkGrowth(10, Infinity).met, false);
    assert.equal(checkGrowth(10, 12, 3).met, false);
    assert.equal(checkGrowth(10, 12).text, 'p50 growth ≤ 1.5×: met (1.20×)');
  });
});
