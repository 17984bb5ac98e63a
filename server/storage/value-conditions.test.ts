import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DatePrefix } from '../fhir/search/search-request.ts';
import { dateCondition, evaluate, negated, numberCondition, rangeCondition } from './value-conditions.ts';
import type { Condition, RangeField } from './value-conditions.ts';

type Row = { low: number | null; high: number | null };
const holds = (c: Condition<RangeField>, row: Row): boolean => evaluate(c, (f) => row[f]);

/** Rows against the searched range [10, 20]: where each lies decides every prefix. */
const ROWS: Record<string, Row> = {
  inside: { low: 12, high: 15 },
  same: { low: 10, high: 20 },
  before: { low: 5, high: 9 },
  after: { low: 21, high: 30 },
  touchesLow: { low: 5, high: 10 },
  touchesHigh: { low: 20, high: 25 },
  spans: { low: 5, high: 25 },
};
const NAMES = Object.keys(ROWS);

/** Which rows each prefix selects, for a closed (date) searched range [10, 20]. */
const DATE_TABLE: Record<DatePrefix, string[]> = {
  eq: ['inside', 'same'],
  ne: ['before', 'after', 'touchesLow', 'touchesHigh', 'spans'],
  lt: ['before', 'touchesLow', 'spans'],
  le: ['inside', 'same', 'before', 'touchesLow', 'touchesHigh', 'spans'],
  gt: ['after', 'touchesHigh', 'spans'],
  ge: ['inside', 'same', 'after', 'touchesLow', 'touchesHigh', 'spans'],
  sa: ['after'],
  eb: ['before'],
  ap: ['inside', 'same', 'touchesLow', 'touchesHigh', 'spans'],
};

describe('range prefixes in the neutral form', () => {
  for (const [prefix, expected] of Object.entries(DATE_TABLE) as Array<[DatePrefix, string[]]>) {
    it(`${prefix}: selects ${expected.join(', ')}`, () => {
      const c = rangeCondition(prefix, { low: 10, high: 20 }, 'inclusive');
      assert.deepEqual(
        NAMES.filter((n) => holds(c, ROWS[n] as Row)),
        expected,
      );
    });
  }

  it('dates compare ISO instants, both bounds inclusive', () => {
    const day = { low: '2024-03-01T00:00:00.000Z', high: '2024-03-01T23:59:59.999Z' };
    const row = (low: string, high: string) => (f: RangeField) => ({ low, high })[f];
    assert.equal(
      evaluate(dateCondition({ prefix: 'eq', ...day }), row('2024-03-01T23:59:59.999Z', '2024-03-01T23:59:59.999Z')),
      true,
    );
    assert.equal(
      evaluate(dateCondition({ prefix: 'eq', ...day }), row('2024-03-01T12:00:00.000Z', '2024-03-02T00:00:00.000Z')),
      false,
    );
    assert.equal(
      evaluate(dateCondition({ prefix: 'gt', ...day }), row('2024-03-02T00:00:00.000Z', '2024-03-02T00:00:00.000Z')),
      true,
    );
    assert.equal(
      evaluate(dateCondition({ prefix: 'gt', ...day }), row('2024-03-01T23:59:59.999Z', '2024-03-01T23:59:59.999Z')),
      false,
    );
  });

  it('numbers: eq and ne use the half-open precision range, ap its widened range, the others the value', () => {
    const c = (prefix: DatePrefix) => numberCondition({ prefix, value: 100, low: 99.5, high: 100.5 });
    const at = (x: number): Row => ({ low: x, high: x });
    assert.equal(holds(c('eq'), at(99.5)), true);
    assert.equal(holds(c('eq'), at(100.5)), false);
    assert.equal(holds(c('ne'), at(100.5)), true);
    assert.equal(holds(c('ne'), at(100.49)), false);
    assert.equal(holds(c('lt'), at(99.9)), true); // below the value, inside its precision range
    assert.equal(holds(c('le'), at(100)), true);
    assert.equal(holds(c('le'), at(100.1)), false);
    assert.equal(holds(c('gt'), at(100.1)), true);
    assert.equal(holds(c('ge'), at(100)), true);
    assert.equal(holds(c('sa'), at(100)), false);
    assert.equal(holds(c('eb'), at(99.99)), true);
    const ap = numberCondition({ prefix: 'ap', value: 100, low: 90, high: 110 });
    assert.equal(holds(ap, at(110)), true);
    assert.equal(holds(ap, at(110.01)), false);
    assert.equal(holds(ap, at(90)), true);
  });

  it('pins the tree of each shape the engines translate', () => {
    assert.deepEqual(rangeCondition('eq', { low: 1, high: 2 }, 'exclusive'), {
      all: [
        { field: 'low', op: '>=', value: 1 },
        { field: 'high', op: '<', value: 2 },
      ],
    });
    assert.deepEqual(rangeCondition('ne', { low: 1, high: 2 }, 'inclusive'), {
      not: {
        all: [
          { field: 'low', op: '>=', value: 1 },
          { field: 'high', op: '<=', value: 2 },
        ],
      },
    });
    assert.deepEqual(rangeCondition('ap', { low: 1, high: 2 }, 'inclusive'), {
      all: [
        { field: 'low', op: '<=', value: 2 },
        { field: 'high', op: '>=', value: 1 },
      ],
    });
    assert.deepEqual(rangeCondition('le', { low: 1, high: 2 }, 'inclusive'), { field: 'low', op: '<=', value: 2 });
  });

  it('a missing low or high makes its comparisons false, also under ne (as SQL and MongoDB answer)', () => {
    for (const prefix of ['eq', 'ne', 'lt', 'le', 'sa', 'ap'] as const) {
      assert.equal(
        holds(rangeCondition(prefix, { low: 10, high: 20 }, 'inclusive'), { low: null, high: 15 }),
        false,
        `${prefix} without low`,
      );
    }
    for (const prefix of ['gt', 'ge', 'eb'] as const) {
      assert.equal(
        holds(rangeCondition(prefix, { low: 10, high: 20 }, 'inclusive'), { low: 12, high: null }),
        false,
        `${prefix} without high`,
      );
    }
    // ne is true when the bound that is present already lies outside.
    assert.equal(holds(rangeCondition('ne', { low: 10, high: 20 }, 'inclusive'), { low: null, high: 25 }), true);
    assert.equal(holds(rangeCondition('ge', { low: 10, high: 20 }, 'inclusive'), { low: null, high: 15 }), true);
  });
});

describe('negation pushed to the leaves', () => {
  it('applies De Morgan and flips every operator and null test', () => {
    const c: Condition<string> = {
      all: [
        { field: 'a', op: '<', value: 1 },
        { field: 'b', op: '<=', value: 2 },
        {
          any: [
            { field: 'c', op: '>', value: 3 },
            { field: 'd', op: '>=', value: 4 },
            { field: 'e', op: '=', value: 5 },
            { field: 'f', op: '!=', value: 6 },
          ],
        },
        { field: 'g', isNull: true },
        { not: { field: 'h', op: '<', value: 7 } },
      ],
    };
    assert.deepEqual(negated(c), {
      any: [
        { field: 'a', op: '>=', value: 1 },
        { field: 'b', op: '>', value: 2 },
        {
          all: [
            { field: 'c', op: '<=', value: 3 },
            { field: 'd', op: '<', value: 4 },
            { field: 'e', op: '!=', value: 5 },
            { field: 'f', op: '=', value: 6 },
          ],
        },
        { field: 'g', isNull: false },
        { field: 'h', op: '<', value: 7 },
      ],
    });
  });

  it('answers the opposite of the condition wherever every field has a value', () => {
    for (const [prefix] of Object.entries(DATE_TABLE) as Array<[DatePrefix, string[]]>) {
      const c = rangeCondition(prefix, { low: 10, high: 20 }, 'exclusive');
      for (const name of NAMES)
        assert.equal(holds(negated(c), ROWS[name] as Row), !holds(c, ROWS[name] as Row), `${prefix} ${name}`);
    }
  });
});
