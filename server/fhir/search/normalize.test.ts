import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateRange, normalizeString } from './normalize.ts';

describe('normalizeString', () => {
  it('folds case and removes diacritics', () => {
    assert.equal(normalizeString('Zoë GARCÍA Ångström'), 'zoe garcia angstrom');
  });
});

describe('dateRange', () => {
  const cases: Array<[string, string, string]> = [
    ['2020', '2020-01-01T00:00:00.000Z', '2020-12-31T23:59:59.999Z'],
    ['2024-02', '2024-02-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z'],
    ['2023-02-28', '2023-02-28T00:00:00.000Z', '2023-02-28T23:59:59.999Z'],
    ['2020-03-04T10:05', '2020-03-04T10:05:00.000Z', '2020-03-04T10:05:59.999Z'],
    ['2020-03-04T10:05:06Z', '2020-03-04T10:05:06.000Z', '2020-03-04T10:05:06.999Z'],
    ['2020-03-04T10:05:06.5+02:00', '2020-03-04T08:05:06.500Z', '2020-03-04T08:05:06.599Z'],
    ['2020-03-04T10:05:06.123-05:30', '2020-03-04T15:35:06.123Z', '2020-03-04T15:35:06.123Z'],
  ];
  for (const [value, low, high] of cases) {
    it(`${value} → [${low}, ${high}]`, () => assert.deepEqual(dateRange(value), { low, high }));
  }
  for (const bad of [
    '',
    'notadate',
    '2020-13',
    '2023-02-29',
    '2020-01-01T25:00',
    '2020-1-1',
    '20200101',
    '2020-01-01T10',
  ]) {
    it(`rejects '${bad}'`, () => assert.equal(dateRange(bad), undefined));
  }
});
