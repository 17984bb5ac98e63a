import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonDepth, keyProblem, parseJsonBody } from './json-guard.ts';

describe('json-guard', () => {
  it('measures depth outside strings only', () => {
    assert.equal(jsonDepth('{"a":[1,{"b":2}]}'), 3);
    assert.equal(jsonDepth('{"a":"[[[[{{{{"}'), 1);
    assert.equal(jsonDepth('{"a":"\\"[[["}'), 1);
  });

  it('flags operator keys, dotted keys and prototype keys', () => {
    assert.match(keyProblem('$gt') ?? '', /\$/);
    assert.match(keyProblem('a.b') ?? '', /\./);
    assert.ok(keyProblem('__proto__'));
    assert.ok(keyProblem('constructor'));
    assert.equal(keyProblem('family'), undefined);
    assert.equal(keyProblem('valueQuantity'), undefined);
  });

  it('parses good JSON and names the path of a bad key', () => {
    assert.deepEqual(parseJsonBody('{"a":[{"b":1}]}', 10), { a: [{ b: 1 }] });
    assert.throws(() => parseJsonBody('{"a":[{"b":{"$ne":1}}]}', 10), /a\[0\]\.b\.\$ne/);
    assert.throws(() => parseJsonBody('[[[[[[]]]]]]', 5), /nesting/);
    assert.throws(() => parseJsonBody('{', 5), /Invalid JSON/);
  });
});
