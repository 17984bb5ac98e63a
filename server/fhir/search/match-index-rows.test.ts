import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IndexRow } from './index-rows.ts';
import { evaluableInMemory, rowsMatch } from './match-index-rows.ts';
import type { SearchFilter } from './search-request.ts';

const ROWS: IndexRow[] = [
  { kind: 'token', param: '_tag', system: 'https://owner', code: 'x', text: null },
  { kind: 'token', param: 'category', system: 'http://cat', code: 'vital-signs', text: 'vital signs' },
  { kind: 'reference', param: '_compartment', target: 'Patient/a', targetType: 'Patient' },
  { kind: 'string', param: 'name', value: 'garcia', exact: 'García' },
  { kind: 'uri', param: 'url', value: 'http://a/b/c' },
  { kind: 'date', param: 'effective', low: '2024-03-01T00:00:00.000Z', high: '2024-03-01T23:59:59.999Z' },
  { kind: 'number', param: 'probability', low: 0.25, high: 0.25 },
  { kind: 'quantity', param: 'value-quantity', system: 'http://unitsofmeasure.org', code: 'kg', low: 70.5, high: 70.5 },
];
const me = { id: 'r1' };

describe("matching a filter against one version's index rows", () => {
  it('answers all, none, id, token, reference, string and uri filters as the engines do', () => {
    assert.equal(rowsMatch('all', me, []), true);
    assert.equal(rowsMatch('none', me, ROWS), false);
    assert.equal(rowsMatch({ kind: 'id', ids: ['r1'] }, me, []), true);
    assert.equal(
      rowsMatch({ kind: 'token', param: '_tag', any: [{ system: 'https://owner', code: 'x' }] }, me, ROWS),
      true,
    );
    assert.equal(
      rowsMatch({ kind: 'token', param: '_tag', any: [{ system: 'https://owner', code: 'y' }] }, me, ROWS),
      false,
    );
    assert.equal(rowsMatch({ kind: 'token', param: 'category', any: [{ code: 'vital-signs' }] }, me, ROWS), true);
    assert.equal(
      rowsMatch({ kind: 'token', param: 'category', any: [{ system: null, code: 'vital-signs' }] }, me, ROWS),
      false,
    );
    assert.equal(rowsMatch({ kind: 'token', param: 'category', any: [{ system: 'http://cat' }] }, me, ROWS), true);
    assert.equal(rowsMatch({ kind: 'token', param: 'category', any: [{ text: 'sig' }] }, me, ROWS), true);
    assert.equal(
      rowsMatch(
        { kind: 'reference', param: '_compartment', any: [{ target: 'Patient/b' }, { target: 'Patient/a' }] },
        me,
        ROWS,
      ),
      true,
    );
    assert.equal(
      rowsMatch({ kind: 'reference', param: '_compartment', any: [{ target: 'Patient/b' }] }, me, ROWS),
      false,
    );
    assert.equal(
      rowsMatch({ kind: 'string', param: 'name', any: [{ match: 'prefix', value: 'gar' }] }, me, ROWS),
      true,
    );
    assert.equal(
      rowsMatch({ kind: 'string', param: 'name', any: [{ match: 'exact', value: 'garcia' }] }, me, ROWS),
      false,
    );
    assert.equal(
      rowsMatch({ kind: 'uri', param: 'url', any: [{ match: 'below', value: 'http://a/b' }] }, me, ROWS),
      true,
    );
    assert.equal(
      rowsMatch({ kind: 'uri', param: 'url', any: [{ match: 'below', value: 'http://a/b/' }] }, me, ROWS),
      false,
    );
  });

  it('combines with and, or, not and missing', () => {
    const owner: SearchFilter = { kind: 'token', param: '_tag', any: [{ system: 'https://owner', code: 'x' }] };
    const other: SearchFilter = { kind: 'reference', param: '_compartment', any: [{ target: 'Patient/b' }] };
    assert.equal(rowsMatch({ kind: 'and', filters: [owner, other] }, me, ROWS), false);
    assert.equal(rowsMatch({ kind: 'or', filters: [owner, other] }, me, ROWS), true);
    assert.equal(rowsMatch({ kind: 'not', filter: other }, me, ROWS), true);
    assert.equal(rowsMatch({ kind: 'missing', index: 'date', param: 'date', missing: true }, me, ROWS), true);
  });

  it("answers date, number and quantity filters by the engines' prefix rules", () => {
    const day = (prefix: 'eq' | 'ne' | 'lt' | 'ge' | 'sa' | 'ap', d: string): SearchFilter => ({
      kind: 'date',
      param: 'effective',
      any: [{ prefix, low: `${d}T00:00:00.000Z`, high: `${d}T23:59:59.999Z` }],
    });
    assert.equal(rowsMatch(day('eq', '2024-03-01'), me, ROWS), true);
    assert.equal(rowsMatch(day('ne', '2024-03-01'), me, ROWS), false);
    assert.equal(rowsMatch(day('lt', '2024-03-01'), me, ROWS), false);
    assert.equal(rowsMatch(day('ge', '2024-03-01'), me, ROWS), true);
    assert.equal(rowsMatch(day('sa', '2024-02-29'), me, ROWS), true);
    assert.equal(rowsMatch(day('ap', '2024-03-02'), me, ROWS), false);
    assert.equal(
      rowsMatch(
        {
          kind: 'date',
          param: 'other',
          any: [{ prefix: 'ge', low: '2000-01-01T00:00:00.000Z', high: '2000-01-01T23:59:59.999Z' }],
        },
        me,
        ROWS,
      ),
      false,
    );
    // eq uses the precision range [0.245, 0.255), lt the value itself.
    assert.equal(
      rowsMatch(
        { kind: 'number', param: 'probability', any: [{ prefix: 'eq', value: 0.25, low: 0.245, high: 0.255 }] },
        me,
        ROWS,
      ),
      true,
    );
    assert.equal(
      rowsMatch(
        { kind: 'number', param: 'probability', any: [{ prefix: 'lt', value: 0.25, low: 0.245, high: 0.255 }] },
        me,
        ROWS,
      ),
      false,
    );
    assert.equal(
      rowsMatch(
        { kind: 'number', param: 'probability', any: [{ prefix: 'le', value: 0.25, low: 0.245, high: 0.255 }] },
        me,
        ROWS,
      ),
      true,
    );
    const kg = { prefix: 'gt' as const, value: 70, low: 69.5, high: 70.5 };
    assert.equal(
      rowsMatch({ kind: 'quantity', param: 'value-quantity', any: [{ ...kg, code: 'kg' }] }, me, ROWS),
      true,
    );
    assert.equal(
      rowsMatch({ kind: 'quantity', param: 'value-quantity', any: [{ ...kg, code: 'g' }] }, me, ROWS),
      false,
    );
    assert.equal(
      rowsMatch({ kind: 'quantity', param: 'value-quantity', any: [{ ...kg, system: 'urn:other' }] }, me, ROWS),
      false,
    );
    assert.equal(
      rowsMatch({ kind: 'quantity', param: 'value-quantity', any: [{ ...kg, prefix: 'sa' }] }, me, ROWS),
      true,
    );
    assert.equal(
      rowsMatch({ kind: 'quantity', param: 'value-quantity', any: [{ ...kg, prefix: 'eb' }] }, me, ROWS),
      false,
    );
  });

  it('answers false for kinds it does not evaluate (the safe side: an older version stays hidden)', () => {
    assert.equal(
      rowsMatch(
        {
          kind: 'lastUpdated',
          any: [{ prefix: 'ge', low: '2000-01-01T00:00:00.000Z', high: '2000-01-01T23:59:59.999Z' }],
        },
        me,
        ROWS,
      ),
      false,
    );
    assert.equal(rowsMatch({ kind: 'chain', param: 'subject', targets: [] }, me, ROWS), false);
    assert.equal(rowsMatch({ kind: 'has', sourceType: 'Observation', param: 'subject', filters: [] }, me, ROWS), false);
  });
});

describe('which filters the in-memory matcher answers exactly', () => {
  const token: SearchFilter = { kind: 'token', param: '_tag', any: [{ system: 's', code: 'c' }] };
  const lastUpdated: SearchFilter = { kind: 'lastUpdated', any: [{ prefix: 'ge', value: '2020-01-01' }] as never };
  const chain = { kind: 'chain', param: 'subject', targets: [] } as unknown as SearchFilter;

  it('access-rule kinds and their combinations', () => {
    assert.equal(evaluableInMemory('all'), true);
    assert.equal(evaluableInMemory('none'), true);
    assert.equal(evaluableInMemory({ kind: 'or', filters: [token, { kind: 'id', ids: ['a'] }] }), true);
    assert.equal(evaluableInMemory({ kind: 'not', filter: token }), true);
  });

  it('not _lastUpdated, chains or _has, even nested under a not (where "false" would become "true")', () => {
    assert.equal(evaluableInMemory(lastUpdated), false);
    assert.equal(evaluableInMemory({ kind: 'not', filter: lastUpdated }), false);
    assert.equal(evaluableInMemory({ kind: 'and', filters: [token, { kind: 'or', filters: [chain] }] }), false);
    assert.equal(evaluableInMemory({ kind: 'has', sourceType: 'Observation', param: 'subject', filters: [] }), false);
  });
});
