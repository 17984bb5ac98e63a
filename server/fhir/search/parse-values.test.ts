import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseNumber, parseQuantity, parseUri } from './parse-values.ts';

describe('parse-values', () => {
  it('numbers carry the half-open range of their precision, computed exactly', () => {
    assert.deepEqual(parseNumber('n', '100'), { prefix: 'eq', value: 100, low: 99.5, high: 100.5 });
    assert.deepEqual(parseNumber('n', '5.4'), { prefix: 'eq', value: 5.4, low: 5.35, high: 5.45 });
    assert.deepEqual(parseNumber('n', '-3.25'), { prefix: 'eq', value: -3.25, low: -3.255, high: -3.245 });
    assert.deepEqual(parseNumber('n', '1e2'), { prefix: 'eq', value: 100, low: 50, high: 150 });
    assert.deepEqual(parseNumber('n', 'ap100'), { prefix: 'ap', value: 100, low: 90, high: 110 });
  });

  it('a value with more digits than a double holds still lies inside its own range', () => {
    for (const text of ['67.79766653198749', '35.524181054331216', '-35.524181054331216', '0.30000000000000004']) {
      const { value, low, high } = parseNumber('n', text);
      assert.ok(low <= value && value < high, `${text}: [${low}, ${high})`);
    }
  });

  it('quantities take system and code; bad ones name the parameter', () => {
    assert.deepEqual(parseQuantity('q', 'gt5.4|http://unitsofmeasure.org|mg'), {
      prefix: 'gt',
      value: 5.4,
      low: 5.35,
      high: 5.45,
      system: 'http://unitsofmeasure.org',
      code: 'mg',
    });
    assert.deepEqual(parseQuantity('q', '5||mg').code, 'mg');
    assert.throws(() => parseQuantity('q', '5|http://x|'), /needs a code.*'q'/);
    assert.throws(() => parseNumber('n', 'ten'), /Invalid number 'ten' in 'n'/);
  });

  it(':above lists the value and its path ancestors; :below trims a trailing slash', () => {
    assert.deepEqual(
      parseUri('above', 'http://a.org/fhir/x/y').map((c) => c.value),
      ['http://a.org/fhir/x/y', 'http://a.org/fhir/x', 'http://a.org/fhir', 'http://a.org'],
    );
    assert.deepEqual(parseUri('below', 'http://a.org/fhir/'), [{ match: 'below', value: 'http://a.org/fhir' }]);
  });
});
