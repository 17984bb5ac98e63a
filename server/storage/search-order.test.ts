import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SearchRequest, SortKey } from '../fhir/search/search-request.ts';
import { effectiveOrder, seekAfter } from './search-order.ts';
import type { EffectiveOrder } from './search-order.ts';
import { evaluate } from './value-conditions.ts';

interface Row {
  values: Array<string | number | null>;
  id: string;
}

const order = (descending: boolean[], direction?: 'after' | 'before'): EffectiveOrder => {
  const sort: SortKey[] = descending.map((d, i) => ({
    source: { kind: 'index', index: 'string', param: `p${i}` },
    descending: d,
  }));
  const request: SearchRequest = { resourceType: 'Patient', filters: [], sort, count: 10, total: 'none' };
  if (direction) request.page = { position: { values: [], id: '' }, direction };
  return effectiveOrder(request);
};

/**
 * An independent statement of the order a page is read in: per key, values without a value last
 * (first when `nullsFirst`), the others ascending or descending; then the id.
 */
function compare({ keys, idDescending }: EffectiveOrder, a: Row, b: Row): number {
  for (const [i, key] of keys.entries()) {
    const x = a.values[i] ?? null;
    const y = b.values[i] ?? null;
    if (x === null || y === null) {
      if (x !== y) return (x === null) === key.nullsFirst ? -1 : 1;
      continue;
    }
    if (x !== y) return x < y !== key.descending ? -1 : 1;
  }
  if (a.id === b.id) return 0;
  return a.id < b.id !== idDescending ? -1 : 1;
}

const isAfter = (o: EffectiveOrder, position: Row, row: Row): boolean =>
  evaluate(seekAfter(o, position), (f) => (f === 'id' ? row.id : (row.values[f] ?? null)));

/** Every combination of a few values (with null) per key, and two ids. */
function rows(keys: number): Row[] {
  const pools: Array<Array<string | number | null>> = [
    [1, 2, null],
    ['a', 'b', null],
    [7, null],
  ];
  let all: Row[] = [
    { values: [], id: 'x' },
    { values: [], id: 'y' },
  ];
  for (let i = 0; i < keys; i++)
    all = all.flatMap((r) =>
      (pools[i] as Array<string | number | null>).map((v) => ({ values: [...r.values, v], id: r.id })),
    );
  return all;
}

describe('keyset seek in the neutral form', () => {
  for (const keys of [0, 1, 2, 3]) {
    for (const direction of ['after', 'before'] as const) {
      for (const descending of [
        [false, false, false],
        [true, false, true],
        [true, true, false],
      ]) {
        const o = order(descending.slice(0, keys), direction);
        it(`${keys} key(s), ${direction}, ${
          descending
            .slice(0, keys)
            .map((d) => (d ? 'desc' : 'asc'))
            .join('/') || 'id only'
        }: exactly the rows after the position`, () => {
          const all = rows(keys);
          for (const position of all) {
            for (const row of all) {
              assert.equal(
                isAfter(o, position, row),
                compare(o, row, position) > 0,
                `${JSON.stringify(row)} after ${JSON.stringify(position)}`,
              );
            }
          }
        });
      }
    }
  }

  it('pins the expansion (a > x) OR (a = x AND (b null OR b > y)) OR (a = x AND b = y AND id > z)', () => {
    assert.deepEqual(seekAfter(order([false, false]), { values: [1, 'b'], id: 'z' }), {
      any: [
        {
          all: [
            {
              any: [
                { field: 0, isNull: true },
                { field: 0, op: '>', value: 1 },
              ],
            },
          ],
        },
        {
          all: [
            { field: 0, op: '=', value: 1 },
            {
              any: [
                { field: 1, isNull: true },
                { field: 1, op: '>', value: 'b' },
              ],
            },
          ],
        },
        {
          all: [
            { field: 0, op: '=', value: 1 },
            { field: 1, op: '=', value: 'b' },
            { field: 'id', op: '>', value: 'z' },
          ],
        },
      ],
    });
  });

  it('reading backwards, nulls come first and every comparison turns around', () => {
    assert.deepEqual(seekAfter(order([false], 'before'), { values: [null], id: 'z' }), {
      any: [
        { all: [{ field: 0, isNull: false }] },
        {
          all: [
            { field: 0, isNull: true },
            { field: 'id', op: '<', value: 'z' },
          ],
        },
      ],
    });
    assert.deepEqual(seekAfter(order([true], 'before'), { values: [5], id: 'z' }), {
      any: [
        {
          all: [
            {
              all: [
                { field: 0, isNull: false },
                { field: 0, op: '>', value: 5 },
              ],
            },
          ],
        },
        {
          all: [
            { field: 0, op: '=', value: 5 },
            { field: 'id', op: '<', value: 'z' },
          ],
        },
      ],
    });
  });

  it('after a null, reading forwards, only nulls follow: no alternative for the key itself', () => {
    assert.deepEqual(seekAfter(order([false]), { values: [null], id: 'z' }), {
      any: [
        {
          all: [
            { field: 0, isNull: true },
            { field: 'id', op: '>', value: 'z' },
          ],
        },
      ],
    });
  });
});
