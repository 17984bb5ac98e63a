import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EpochCache, principalKey, tokenKey } from './access-cache.ts';

const T0 = Date.parse('2026-12-03T10:00:00Z');

describe('the access caches (bounded, timed, tied to the access epoch)', () => {
  it('answers an entry only under the epoch it was filled under', () => {
    const cache = new EpochCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('k', 'v', 'epoch-1', T0);
    assert.equal(cache.get('k', 'epoch-1', T0 + 1), 'v');
    assert.equal(cache.get('k', 'epoch-2', T0 + 2), undefined, 'a new epoch misses');
    assert.equal(cache.get('k', 'epoch-1', T0 + 3), undefined, 'and the stale entry is gone, even for the old epoch');
    assert.equal(cache.size, 0);
  });

  it('expires entries after the time bound', () => {
    const cache = new EpochCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('k', 'v', 'e', T0);
    assert.equal(cache.get('k', 'e', T0 + 59_999), 'v');
    assert.equal(cache.get('k', 'e', T0 + 60_000), undefined);
  });

  it('never keeps an entry past the end of the terms it depends on', () => {
    const cache = new EpochCache<string>({ maxEntries: 10, ttlMs: 60_000 });
    cache.set('role', 'member', 'e', T0, T0 + 10_000);
    assert.equal(cache.get('role', 'e', T0 + 9_999), 'member');
    assert.equal(cache.get('role', 'e', T0 + 10_000), undefined, 'the term ended before the time bound');
    cache.set('over', 'v', 'e', T0, T0);
    assert.equal(cache.get('over', 'e', T0), undefined, 'a term already over is not cached at all');
    assert.equal(cache.size, 0);
  });

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new EpochCache<number>({ maxEntries: 3, ttlMs: 60_000 });
    for (const i of [1, 2, 3]) cache.set(`k${i}`, i, 'e', T0);
    assert.equal(cache.get('k1', 'e', T0), 1, 'k1 is now the most recently used');
    cache.set('k4', 4, 'e', T0);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('k2', 'e', T0), undefined, 'k2 was the least recently used');
    assert.deepEqual(
      ['k1', 'k3', 'k4'].map((k) => cache.get(k, 'e', T0)),
      [1, 3, 4],
    );
    for (let i = 0; i < 1000; i++) cache.set(`flood${i}`, i, 'e', T0);
    assert.equal(cache.size, 3, 'a flood of keys stays within the bound');
  });

  it('keys tokens by a hash that does not contain the token', () => {
    const token = 'eyJhbGciOi-a-token-value-0123456789';
    const key = tokenKey(token);
    assert.equal(key, tokenKey(token));
    assert.notEqual(key, tokenKey(`${token}x`));
    assert.ok(!key.includes(token.slice(0, 10)));
    assert.match(key, /^[A-Za-z0-9_-]{43}$/);
  });

  it('keys principals by everything of the grant they are computed from', () => {
    const grant = { accountId: 'a', clientId: 'c', scope: 'user/*.rs' };
    const keys = new Set(
      [
        grant,
        { ...grant, scope: 'user/*.cruds' },
        { ...grant, clientId: 'c2' },
        { ...grant, accountId: 'b' },
        { ...grant, patient: 'p' },
        { ...grant, clientPractice: 'o' },
        { ...grant, clientManagesAccess: true },
        { clientId: 'c', scope: 'user/*.rs' },
      ].map(principalKey),
    );
    assert.equal(keys.size, 8);
    assert.equal(principalKey({ ...grant }), principalKey(grant));
  });
});
