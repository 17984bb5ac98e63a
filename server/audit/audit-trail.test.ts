import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { AuditEvent, Observation, Patient } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../access/access-index.ts';
import type { Repository } from '../storage/repository.ts';
import type { AuditRecord } from './audit-record.ts';
import { auditEventId } from './audit-event-id.ts';
import { AuditTrail } from './audit-trail.ts';
import { DEFAULT_SOURCE } from './audit-event.ts';
import { isRefusal, trailStore } from './trail-store.ts';
import type { AuditEventDraft } from './trail-store.ts';
import { captureLog } from '../../test/support/capture-log.ts';
import type { CapturedLog } from '../../test/support/capture-log.ts';
import { eventually } from '../../test/support/eventually.ts';
import { openTestStore, searchIds, TEST_BASE_URL } from '../../test/support/repository-setup.ts';
import type { TestStore } from '../../test/support/repository-setup.ts';
import { manualClock } from '../../test/support/test-clock.ts';
import { requestIdOf, TestTrailStore } from '../../test/support/test-trail-store.ts';
import type { ManualClock } from '../../test/support/test-clock.ts';

const staff: AuditRecord['who'] = {
  subject: 'acct-1',
  kind: 'practitioner',
  fhirUser: 'Practitioner/pr-1',
  clientId: 'console',
  practices: ['org-a'],
};

function record(n: number, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, 0, n)).toISOString(),
    action: 'E',
    interaction: 'search-type',
    outcome: 200,
    who: staff,
    requestId: `req-${n}`,
    entity: 'Observation',
    ...overrides,
  };
}

async function auditEvents(repo: Repository): Promise<AuditEvent[]> {
  const ids = await searchIds(repo, 'AuditEvent', {});
  return Promise.all(ids.map((id) => repo.read<AuditEvent>('AuditEvent', id)));
}

function draft(entry: AuditRecord): AuditEventDraft {
  return { id: auditEventId(), record: entry, context: entry.context ?? {}, source: DEFAULT_SOURCE };
}

function requestIds(events: AuditEvent[]): string[] {
  return events.map((e) => requestIdOf(e) as string).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}

describe('AuditTrail', () => {
  let store: TestStore;
  let flaky: TestTrailStore;
  let log: CapturedLog;
  let clock: ManualClock;
  let trail: AuditTrail | undefined;

  beforeEach(async () => {
    store = await openTestStore();
    flaky = new TestTrailStore(store);
    log = captureLog();
    clock = manualClock();
  });
  afterEach(async () => {
    flaky.down = false;
    await trail?.close({ attempts: 1 });
    trail = undefined;
    await store.close();
  });

  function newTrail(
    options: { maxBatch?: number; maxQueue?: number; flushIntervalMs?: number; maxTransactionMs?: number } = {},
  ): AuditTrail {
    // No time cap by default: these tests count transactions, and a loaded machine must not split them.
    trail = new AuditTrail({
      repo: store.repo,
      store: flaky,
      logger: log.logger,
      fhirBaseUrl: TEST_BASE_URL,
      clock,
      flushIntervalMs: 1000,
      maxBatch: 200,
      maxTransactionMs: Infinity,
      ...options,
    });
    return trail;
  }

  it('writes nothing on the request path: record() only queues and arms the interval timer', async () => {
    const t = newTrail();
    for (let i = 0; i < 5; i++) t.record(record(i));
    assert.equal(flaky.appends, 0);
    assert.equal(t.pending, 5);
    assert.deepEqual(clock.pending, [1000], 'one timer, the interval');
    clock.fire();
    await t.flush();
    assert.equal(flaky.appends, 1, 'the five records in one transaction');
    assert.equal(t.pending, 0);
    assert.deepEqual(requestIds(await auditEvents(store.repo)), ['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
  });

  it('batches: 450 records are three transactions of at most 200, the full ones written at once', async () => {
    const t = newTrail({ maxBatch: 200 });
    for (let i = 0; i < 450; i++) t.record(record(i));
    assert.deepEqual(clock.pending, [0], 'a full batch arms an immediate write');
    clock.fire();
    await t.flush();
    assert.equal(flaky.appends, 3);
    assert.equal(t.stats.batches, 3);
    assert.equal(t.stats.written, 450);
    assert.equal((await auditEvents(store.repo)).length, 450);
  });

  it('ends a transaction that reaches maxTransactionMs and writes the rest, in order, in the next ones', async () => {
    const t = newTrail({ maxTransactionMs: 0 });
    for (let i = 0; i < 4; i++) t.record(record(i));
    await t.flush();
    assert.equal(flaky.appends, 4, 'one record per transaction when every transaction is out of time at once');
    assert.equal(t.stats.written, 4);
    assert.equal(t.pending, 0);
    const events = await auditEvents(store.repo);
    assert.deepEqual(requestIds(events), ['req-0', 'req-1', 'req-2', 'req-3']);
    const byId = [...events].sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : 1));
    assert.deepEqual(
      byId.map((e) => requestIds([e])[0]),
      ['req-0', 'req-1', 'req-2', 'req-3'],
      'ids sort in writing order',
    );
  });

  it('gives AuditEvents time-ordered ids (UUID v7), strictly increasing, valid FHIR ids', () => {
    const ids = Array.from({ length: 10_000 }, () => auditEventId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(
      ids.every((id, i) => i === 0 || id > (ids[i - 1] as string)),
      'strictly increasing, even 10,000 in a few ms',
    );
    const ms = Number.parseInt((ids[0] as string).replace('-', '').slice(0, 12), 16);
    assert.ok(Math.abs(ms - Date.now()) < 5000, 'the first 48 bits are the time in ms');
  });

  it('trailStore writes AuditEvents without the validator, built on the append thread', async () => {
    const t = new AuditTrail({
      repo: store.repo,
      store: trailStore({ appender: store.engine.appender }),
      logger: log.logger,
      fhirBaseUrl: TEST_BASE_URL,
      clock,
    });
    t.record(record(1));
    await t.close();
    assert.equal(t.stats.written, 1);
    const [written] = await auditEvents(store.repo);
    assert.equal(written?.meta?.versionId, '1');
    assert.deepEqual(store.validator.issues(written as AuditEvent), [], 'a valid R4 AuditEvent as stored');
  });

  it('trailStore refuses a draft whose event it cannot index or is incomplete, writing nothing of the append', async () => {
    const events = trailStore({ appender: store.engine.appender });
    const good = draft(record(1));
    for (const bad of [record(2, { at: 'yesterday' }), record(3, { at: undefined as unknown as string })]) {
      await assert.rejects(events.append([good, draft(bad)], { maxMs: 100 }), (err: Error) => isRefusal(err));
    }
    assert.deepEqual(await auditEvents(store.repo), [], 'a refused append writes none of its events');
  });

  it('the real store drops the record it refuses alone, logged, and writes the rest of the batch', async () => {
    const real = trailStore({ appender: store.engine.appender });
    const t = new AuditTrail({ repo: store.repo, store: real, logger: log.logger, fhirBaseUrl: TEST_BASE_URL, clock });
    trail = t;
    for (let i = 0; i < 5; i++) t.record(record(i, i === 2 ? { at: 'not an instant' } : {}));
    await t.flush();
    assert.deepEqual(requestIds(await auditEvents(store.repo)), ['req-0', 'req-1', 'req-3', 'req-4']);
    assert.equal(t.stats.written, 4);
    assert.equal(t.stats.failures, 0, 'a refusal is not a store failure: nothing is retried');
    assert.ok(log.lines.some((l) => /refused a record as invalid/.test(l.msg) && l.requestId === 'req-2'));
  });

  it('an id already in use fails the whole append, and the retry writes every record under new ids', async () => {
    const t = newTrail();
    t.record(record(1));
    await t.flush();
    const [first] = await auditEvents(store.repo);
    const events = trailStore({ appender: store.engine.appender });
    await assert.rejects(
      events.append([draft(record(2)), { ...draft(record(1)), id: first?.id as string }], { maxMs: 100 }),
      /written concurrently/,
    );
    assert.equal((await auditEvents(store.repo)).length, 1, 'nothing of the failed append is stored');
  });

  it('close() writes everything still queued, before the interval, and later records are refused', async () => {
    const t = newTrail();
    for (let i = 0; i < 3; i++) t.record(record(i));
    await t.close();
    assert.equal(t.pending, 0);
    assert.deepEqual(clock.pending, [], 'no timer left behind');
    assert.equal((await auditEvents(store.repo)).length, 3);
    t.record(record(99));
    assert.equal(t.pending, 0);
    assert.ok(log.lines.some((l) => /after the trail was closed/.test(l.msg)));
  });

  it('keeps the records while the store fails, retries with back-off, and writes them once it is back', async () => {
    const t = newTrail();
    flaky.down = true;
    for (let i = 0; i < 10; i++) assert.doesNotThrow(() => t.record(record(i)));
    await assert.rejects(t.flush(), /disk I\/O/);
    assert.equal(t.pending, 10, 'nothing lost');
    assert.ok(
      log.lines.some((l) => l.level === 50 && /writing audit events failed/.test(l.msg)),
      'logged as an error',
    );
    assert.deepEqual(clock.pending, [1000], 'a retry is scheduled');
    clock.fire(); // the retry: fails again
    await eventually(() => flaky.appends === 2 && clock.pending.length === 1);
    assert.deepEqual(clock.pending, [2000], 'the back-off doubles');
    flaky.down = false;
    clock.fire(); // the next retry succeeds
    await eventually(() => t.pending === 0);
    assert.equal(flaky.appends, 3);
    assert.equal(t.pending, 0);
    assert.deepEqual(
      requestIds(await auditEvents(store.repo)),
      Array.from({ length: 10 }, (_, i) => `req-${i}`),
      'all written, in order',
    );
    assert.deepEqual(clock.pending, [], 'back to idle');
  });

  it('bounds the queue while the store is down: the oldest records go, counted and logged', async () => {
    const t = newTrail({ maxBatch: 10, maxQueue: 20 });
    flaky.down = true;
    for (let i = 0; i < 25; i++) t.record(record(i));
    assert.equal(t.pending, 20);
    assert.equal(t.stats.dropped, 5);
    const full = log.lines.find((l) => /queue is full/.test(l.msg));
    assert.ok(full, 'the first drop is logged at once');
    assert.equal(full.level, 50);
    flaky.down = false;
    await t.flush();
    assert.deepEqual(
      requestIds(await auditEvents(store.repo)),
      Array.from({ length: 20 }, (_, i) => `req-${i + 5}`),
      'the newest 20 kept',
    );
    assert.ok(
      log.lines.some((l) => /accepts audit events again/.test(l.msg) && l.dropped === 5),
      'the total dropped is reported on recovery',
    );
  });

  it('drops only the record the store refuses as invalid, not its batch', async () => {
    const t = newTrail();
    flaky.invalid.add('req-2');
    for (let i = 0; i < 5; i++) t.record(record(i));
    await t.flush();
    assert.deepEqual(requestIds(await auditEvents(store.repo)), ['req-0', 'req-1', 'req-3', 'req-4']);
    assert.ok(log.lines.some((l) => /refused a record as invalid/.test(l.msg) && l.requestId === 'req-2'));
  });

  it('close() retries a failing store, then logs what is lost; it never rejects', async () => {
    const t = newTrail();
    flaky.down = true;
    t.record(record(1));
    await t.close({ attempts: 3, retryDelayMs: 1 });
    assert.equal(flaky.appends, 3);
    assert.ok(log.lines.some((l) => /lost/.test(l.msg) && l.lost === 1));
  });

  it('is not recursive: writing AuditEvents records nothing, a second flush writes nothing', async () => {
    const t = newTrail();
    for (let i = 0; i < 4; i++) t.record(record(i));
    await t.flush();
    await t.flush();
    clock.fire();
    await t.flush();
    assert.equal(flaky.appends, 1);
    assert.equal((await auditEvents(store.repo)).length, 4);
  });

  it("tags the owner and names the patient of a resource the caller reached; failures and searches keep the caller's practices", async () => {
    const owned = { tag: [{ system: OWNER_SYSTEM, code: 'org-b' }] };
    const patient = (await store.repo.create<Patient>({ resourceType: 'Patient', meta: owned })).resource;
    const obs = (
      await store.repo.create<Observation>({
        resourceType: 'Observation',
        meta: owned,
        status: 'final',
        code: { text: 'x' },
        subject: { reference: `Patient/${patient.id}` },
      })
    ).resource;
    const gone = (
      await store.repo.create<Observation>({
        resourceType: 'Observation',
        meta: owned,
        status: 'final',
        code: { text: 'y' },
        subject: { reference: `Patient/${patient.id}` },
      })
    ).resource;
    await store.repo.delete('Observation', gone.id as string);
    const multi = { ...staff, practices: ['org-a', 'org-b'] } as AuditRecord['who'];
    const t = newTrail();
    t.record(record(1, { interaction: 'read', action: 'R', who: multi, entity: `Observation/${obs.id}` }));
    t.record(record(2, { interaction: 'read', action: 'R', entity: `Observation/${obs.id}`, outcome: 404 }));
    t.record(record(3, { interaction: 'delete', action: 'D', who: multi, entity: `Observation/${gone.id}` }));
    t.record(record(4, { interaction: 'search-type', who: multi, entity: 'Observation' }));
    t.record(
      record(5, {
        interaction: 'read',
        action: 'R',
        who: { subject: 'acct-2', kind: 'patient', fhirUser: 'Person/pe', clientId: 'portal' },
        entity: `Patient/${patient.id}`,
      }),
    );
    t.record(
      record(6, {
        interaction: 'read',
        action: 'R',
        who: { subject: 'acct-2', kind: 'patient', fhirUser: 'Person/pe', clientId: 'portal' },
        entity: 'Patient/unknown',
        outcome: 404,
      }),
    );
    await t.flush();
    const byRequest = new Map((await auditEvents(store.repo)).map((e) => [requestIds([e])[0], e]));
    const owners = (id: string) =>
      (byRequest.get(id)?.meta?.tag ?? []).filter((tag) => tag.system === OWNER_SYSTEM).map((tag) => tag.code);
    const patients = (id: string) =>
      (byRequest.get(id)?.entity ?? []).filter((e) => e.role?.code === '1').map((e) => e.what?.reference);
    assert.deepEqual(owners('req-1'), ['org-b'], 'a successful read: the resource owner only');
    assert.deepEqual(patients('req-1'), [`Patient/${patient.id}`]);
    assert.deepEqual(owners('req-2'), ['org-a'], "a 404: the caller's practices, never the (hidden) owner");
    assert.deepEqual(patients('req-2'), []);
    assert.deepEqual(owners('req-3'), ['org-b'], 'a delete: the owner of the last version');
    assert.deepEqual(patients('req-3'), [`Patient/${patient.id}`]);
    assert.deepEqual(owners('req-4'), ['org-a', 'org-b'], "a staff search: the caller's practices");
    assert.deepEqual(owners('req-5'), ['org-b'], 'a patient reading their record: its owner');
    assert.deepEqual(patients('req-5'), [`Patient/${patient.id}`]);
    assert.deepEqual(owners('req-6'), [], "a patient's failed read: no practice");
    // Staff of org-b find who accessed the patient's records through the compartment.
    assert.deepEqual((await searchIds(store.repo, 'AuditEvent', { patient: `Patient/${patient.id}` })).length, 3);
  });
});
