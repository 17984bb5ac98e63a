import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uuidV7 } from './uuid-v7.ts';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('makes UUIDs of version 7 and variant 10 that increase strictly, even many in one ms', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidV7());
    for (const id of ids) assert.match(id, V7);
    assert.ok(
      ids.every((id, i) => i === 0 || id > (ids[i - 1] as string)),
      'each id sorts after the one before',
    );
  });

  it('starts with the time in ms and ends with random bits', () => {
    const before = Date.now();
    const [a, b] = [uuidV7(), uuidV7()] as [string, string];
    const ms = Number.parseInt(a.replace('-', '').slice(0, 12), 16);
    // Not before the call; ahead of the clock only by what earlier bursts borrowed (≤ 1 ms per 4096 ids).
    assert.ok(ms >= before && ms - before < 1000, `${ms} vs ${before}`);
    assert.notEqual(a.slice(19), b.slice(19), 'the random tails differ');
  });
});
