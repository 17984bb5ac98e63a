import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuditEvent } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../access/access-index.ts';
import { AGGREGATE_WINDOW_MS, isAggregated, RequestAggregates } from './audit-aggregates.ts';
import { AGGREGATE_COUNT, toAuditEvent } from './audit-event.ts';
import type { AuditRecord } from './audit-record.ts';
import { AuditTrail } from './audit-trail.ts';
import { captureLog } from '../../test/support/capture-log.ts';
import { eventually } from '../../test/support/eventually.ts';
import { openTestStore, searchIds, TEST_BASE_URL } from '../../test/support/repository-setup.ts';
import type { TestStore } from '../../test/support/repository-setup.ts';
import { TestTrailStore } from '../../test/support/test-trail-store.ts';
import { manualClock } from '../../test/support/test-clock.ts';
import type { ManualClock } from '../../test/support/test-clock.ts';

const MINUTE = Date.UTC(2025, 0, 1, 10, 0, 0);
const staff: AuditRecord['who'] = {
  subject: 'acct-1',
  kind: 'practitioner',
  fhirUser: 'Practitioner/pr-1',
  clientId: 'console',
  practices: ['org-a'],
};

function anonymous(n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    at: new Date(MINUTE + n).toISOString(),
    action: 'R',
    interaction: 'read',
    outcome: 401,
    ip: '203.0.113.7',
    requestId: `anon-${n}`,
    entity: `Patient/p-${n}`,
    ...overrides,
  };
}

const countOf = (event: AuditEvent): number =>
  Number(event.entity?.[0]?.detail?.find((d) => d.type === AGGREGATE_COUNT)?.valueString);

describe('aggregated audit of anonymous and throttled requests', () => {
  it('aggregates requests without a caller and throttled ones; keeps everything else one by one', () => {
    assert.equal(isAggregated(anonymous(1)), true, 'no caller (no token, invalid token, any 401)');
    assert.equal(
      isAggregated(anonymous(1, { outcome: 200, interaction: 'search-type' })),
      true,
      'an anonymous directory search',
    );
    assert.equal(isAggregated(anonymous(1, { outcome: 429, who: staff })), true, 'a throttled token');
    assert.equal(isAggregated(anonymous(1, { outcome: 200, who: staff })), false);
    assert.equal(
      isAggregated(anonymous(1, { outcome: 404, who: staff })),
      false,
      'an authenticated failure stays an event of its own',
    );
  });

  it('counts per minute, address, status and caller', () => {
    const aggregates = new RequestAggregates();
    for (let i = 0; i < 100; i++) aggregates.add(anonymous(i));
    for (let i = 0; i < 30; i++) aggregates.add(anonymous(i, { ip: '198.51.100.1' }));
    for (let i = 0; i < 20; i++) aggregates.add(anonymous(i, { outcome: 200 }));
    for (let i = 0; i < 10; i++) aggregates.add(anonymous(i, { outcome: 429, who: staff }));
    for (let i = 0; i < 5; i++) aggregates.add(anonymous(AGGREGATE_WINDOW_MS + i));
    assert.equal(aggregates.size, 5);
    assert.equal(aggregates.nextDue(), MINUTE + AGGREGATE_WINDOW_MS);
    const first = aggregates.take(MINUTE + AGGREGATE_WINDOW_MS);
    assert.deepEqual(
      first.map((r) => [r.ip, r.outcome, r.who?.subject, r.count]).sort(),
      [
        ['198.51.100.1', 401, undefined, 30],
        ['203.0.113.7', 200, undefined, 20],
        ['203.0.113.7', 401, undefined, 100],
        ['203.0.113.7', 429, 'acct-1', 10],
      ].sort(),
    );
    const counted = first.find((r) => r.count === 100) as AuditRecord;
    assert.equal(counted.firstAt, new Date(MINUTE).toISOString());
    assert.equal(counted.at, new Date(MINUTE + 99).toISOString());
    assert.equal(counted.entity, undefined, 'no target');
    assert.equal(counted.requestId, undefined, 'no request id');
    assert.equal(aggregates.size, 1, 'the next minute is still counting');
    assert.deepEqual(
      aggregates.take().map((r) => r.count),
      [5],
    );
    assert.equal(aggregates.nextDue(), undefined);
  });

  it('bounds the open counters: beyond the cap, new addresses are counted together', () => {
    const aggregates = new RequestAggregates(10);
    for (let i = 0; i < 1000; i++) aggregates.add(anonymous(i, { ip: `10.0.${Math.floor(i / 250)}.${i % 250}` }));
    assert.equal(aggregates.size, 11, '10 addresses and one counter for the rest');
    const records = aggregates.take();
    assert.equal(
      records.reduce((sum, r) => sum + (r.count ?? 0), 0),
      1000,
      'every request counted',
    );
    assert.equal(records.filter((r) => r.ip === undefined).length, 1);
    assert.equal(records.find((r) => r.ip === undefined)?.count, 990);
  });

  it('an aggregate is a valid R4 AuditEvent: period, count, anonymous agent with its address; a throttled token names its caller and practice', async () => {
    const store = await openTestStore();
    try {
      const aggregates = new RequestAggregates();
      for (let i = 0; i < 3; i++) aggregates.add(anonymous(i));
      aggregates.add(anonymous(5, { outcome: 429, who: staff }));
      const [anon, throttled] = aggregates
        .take()
        .sort((a, b) => a.outcome - b.outcome)
        .map((r) => toAuditEvent(r));
      for (const event of [anon, throttled] as AuditEvent[]) assert.deepEqual(store.validator.issues(event), []);
      assert.equal(countOf(anon as AuditEvent), 3);
      assert.deepEqual(anon?.period, {
        start: new Date(MINUTE).toISOString(),
        end: new Date(MINUTE + 2).toISOString(),
      });
      assert.equal(anon?.outcome, '4');
      assert.equal(anon?.outcomeDesc, 'HTTP 401, 3 requests');
      assert.equal(anon?.agent[0]?.who?.display, 'anonymous');
      assert.deepEqual(anon?.agent[0]?.network, { address: '203.0.113.7', type: '2' });
      assert.equal(anon?.subtype, undefined);
      assert.equal(anon?.meta, undefined, 'no practice tag: operators only');
      assert.equal(throttled?.agent[0]?.who?.reference, 'Practitioner/pr-1');
      assert.deepEqual(
        throttled?.meta?.tag?.filter((t) => t.system === OWNER_SYSTEM).map((t) => t.code),
        ['org-a'],
        'the practice sees its own throttled staff',
      );
    } finally {
      await store.close();
    }
  });

  describe('in the trail', () => {
    let store: TestStore;
    let clock: ManualClock;
    let trail: AuditTrail;
    beforeEach(async () => {
      store = await openTestStore();
      // The trail's clock stands 30 s into the current minute: no minute ends while a test runs.
      clock = manualClock(Math.floor(Date.now() / AGGREGATE_WINDOW_MS) * AGGREGATE_WINDOW_MS + 30_000);
      trail = new AuditTrail({
        repo: store.repo,
        store: new TestTrailStore(store),
        logger: captureLog().logger,
        fhirBaseUrl: TEST_BASE_URL,
        clock,
        flushIntervalMs: 1000,
        maxTransactionMs: Infinity,
      });
    });
    afterEach(async () => {
      await trail.close({ attempts: 1 });
      await store.close();
    });

    it('200 anonymous requests become one AuditEvent, written when its minute is over; authenticated ones stay one each', async () => {
      // The trail's time stands still in the middle of a minute, so the minute cannot end during the test.
      const now = clock.now();
      for (let i = 0; i < 200; i++) trail.record(anonymous(i, { at: new Date(now).toISOString() }));
      assert.equal(trail.pending, 1, 'one counter, nothing queued');
      const minuteEnds = Math.floor(now / AGGREGATE_WINDOW_MS) * AGGREGATE_WINDOW_MS + AGGREGATE_WINDOW_MS;
      assert.deepEqual(clock.pending, [minuteEnds - now], 'the timer fires when the minute is over');
      trail.record({
        at: new Date(now).toISOString(),
        action: 'R',
        interaction: 'read',
        outcome: 200,
        who: staff,
        ip: '203.0.113.7',
        requestId: 'staff-1',
        entity: 'Observation/o-1',
      });
      assert.deepEqual(clock.pending, [1000], 'an authenticated record brings the write forward to the interval');
      clock.fire();
      await eventually(() => trail.stats.written === 1);
      assert.equal(trail.pending, 1, 'the interval write leaves the open minute counting');
      await trail.flush();
      const ids = await searchIds(store.repo, 'AuditEvent', {});
      const events = await Promise.all(ids.map((id) => store.repo.read<AuditEvent>('AuditEvent', id)));
      assert.equal(events.length, 2, 'one aggregate, one event of its own');
      assert.equal(
        events
          .map(countOf)
          .filter((n) => !Number.isNaN(n))
          .join(),
        '200',
      );
      assert.equal(trail.pending, 0);
    });

    it('the timer writes a counter once its minute is over, without flush() or close()', async () => {
      const past = clock.now() - 2 * AGGREGATE_WINDOW_MS;
      for (let i = 0; i < 20; i++) trail.record(anonymous(i, { at: new Date(past + i).toISOString() }));
      assert.deepEqual(clock.pending, [0], 'due at once');
      clock.fire();
      await eventually(() => trail.stats.written === 1);
      assert.equal(trail.pending, 0);
      const events = await Promise.all(
        (await searchIds(store.repo, 'AuditEvent', {})).map((id) => store.repo.read<AuditEvent>('AuditEvent', id)),
      );
      assert.deepEqual(events.map(countOf), [20]);
    });

    it('close() writes the counters of the minute still open', async () => {
      for (let i = 0; i < 50; i++) trail.record(anonymous(i, { at: new Date().toISOString() }));
      await trail.close();
      const events = await Promise.all(
        (await searchIds(store.repo, 'AuditEvent', {})).map((id) => store.repo.read<AuditEvent>('AuditEvent', id)),
      );
      assert.deepEqual(events.map(countOf), [50]);
    });
  });
});
