import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { epochAfter, issuedBeforeEpoch, untilEpoch } from './credentials-epoch.ts';

describe('credentials epoch', () => {
  it('starts at the whole second after the change, so the second of the change is refused too', () => {
    assert.equal(epochAfter(1_700_000_000_000), 1_700_000_001);
    assert.equal(epochAfter(1_700_000_000_999), 1_700_000_001);
  });

  it('refuses what was issued before it, accepts what was issued from it on', () => {
    const account = { sessionsValidAfter: 1_000 };
    assert.equal(issuedBeforeEpoch(account, 999), true);
    assert.equal(issuedBeforeEpoch(account, 1_000), false);
    assert.equal(issuedBeforeEpoch(account, 1_001), false);
  });

  it('refuses when any of the instants predates it (a refresh token rotated after a sign-in before the change)', () => {
    const account = { sessionsValidAfter: 1_000 };
    assert.equal(issuedBeforeEpoch(account, 1_005, 990, 1_002), true, 'iat after, iiat before');
    assert.equal(issuedBeforeEpoch(account, 1_005, undefined, 999), true, 'authTime before');
    assert.equal(issuedBeforeEpoch(account, 1_005, undefined, 1_001), false);
  });

  it('fails closed when there is an epoch but no instant to compare', () => {
    assert.equal(issuedBeforeEpoch({ sessionsValidAfter: 1_000 }), true);
    assert.equal(issuedBeforeEpoch({ sessionsValidAfter: 1_000 }, undefined, 'x', Number.NaN), true);
  });

  it('restricts nothing while the password never changed', () => {
    assert.equal(issuedBeforeEpoch({}, 1), false);
    assert.equal(issuedBeforeEpoch({}), false);
  });

  it('waits until the epoch has begun, and not when it already has', async () => {
    let now = 10_000_400;
    const started = performance.now();
    await untilEpoch(epochAfter(now), () => now);
    assert.ok(performance.now() - started >= 550, 'waited for the rest of the second');
    now = 10_001_000;
    const again = performance.now();
    await untilEpoch(10_001, () => now);
    assert.ok(performance.now() - again < 50);
  });
});
