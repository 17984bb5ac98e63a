import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Repository } from '../storage/repository.ts';
import { isAggregated, RequestAggregates } from './audit-aggregates.ts';
import { auditEventId } from './audit-event-id.ts';
import { DEFAULT_SOURCE } from './audit-event.ts';
import type { AuditEventSource } from './audit-event.ts';
import type { AuditRecord } from './audit-record.ts';
import { targetContexts } from './audit-targets.ts';
import { isRefusal } from './trail-store.ts';
import type { TrailStore } from './trail-store.ts';

/**
 * The audit trail: requests `record()` what they did (a synchronous push, nothing awaited), and the
 * trail writes the queued records as AuditEvents in batches, each batch in ONE repository
 * transaction, when a batch is full or `flushIntervalMs` after the first queued record.
 *
 * Durability: a record is durable once its batch has committed (then it is as durable as any
 * resource: SQLite synchronous=FULL, MongoDB majority/journaled). Until then it lives only in this
 * process: a crash loses at most the records of the last interval (plus any the store refused while
 * it was failing). close() writes everything queued, so a SIGTERM shutdown loses nothing.
 *
 * When the store fails, the batch goes back to the front of the queue and is retried with
 * exponential back-off (an error is logged each time). The queue is capped: beyond `maxQueue` the
 * oldest records are dropped, loudly and counted. A record the repository refuses as invalid (a bug)
 * is logged and dropped alone, so it cannot block the records behind it.
 *
 * Requests nobody can be held to (no valid token, any 401) and throttled ones (429) are counted, not
 * queued one by one: one AuditEvent per minute, address, status and caller (audit-aggregates.ts),
 * queued when its minute is over.
 *
 * Writing a batch reads first the resources that successful instance-level requests acted on when
 * their record carries no context (audit-targets.ts; rare): their owning practice becomes the
 * event's owner tag and the patients whose compartment they are in its patient entities
 * (audit-event.ts#concernedPractices). Those reads are the trail's own (unscoped repository calls,
 * not HTTP requests): they are not audited. The events then go to `store` (trail-store.ts: on SQLite
 * a thread of its own writes them, docs/decisions/0021-audit-writer-thread.md).
 */
export interface AuditTrailOptions {
  /** The UNSCOPED repository, for the reads above: audit work is the server's own, not any caller's. */
  repo: Repository;
  /** Where the AuditEvents are written (trail-store.ts). */
  store: TrailStore;
  logger: Logger;
  /** The FHIR base URL (config.fhirBaseUrl): compartments are computed from index rows relative to it. */
  fhirBaseUrl: string;
  /** How long a record waits for its batch at most (the crash window). Default 1000 ms. */
  flushIntervalMs?: number;
  /** Records per transaction at most. Default 200. */
  maxBatch?: number;
  /**
   * Longest a batch transaction keeps adding records (ms of work; default 20): a batch that takes
   * longer commits what it has and the rest goes in the next transaction, so that a clinical write
   * waiting for SQLite's write lock waits a bounded time.
   */
  maxTransactionMs?: number;
  /** Hard cap on queued records (memory bound while the store is down). */
  maxQueue?: number;
  /** Most open aggregate counters (audit-aggregates.ts); default 10,000. */
  maxAggregates?: number;
  /** Longest wait between retries after store failures. */
  maxBackoffMs?: number;
  /** Timers (tests drive them by hand); the default ones are unref'd. */
  clock?: TrailClock;
  source?: AuditEventSource;
}

export interface TrailClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Milliseconds since the epoch (Date.now when absent): decides whether a counter's minute is over. */
  now?(): number;
}

/** Real timers that never keep the process alive on their own (main.ts closes the trail). */
export const UNREF_TIMERS: TrailClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class AuditTrail {
  readonly #repo: Repository;
  readonly #store: TrailStore;
  readonly #logger: Logger;
  readonly #fhirBaseUrl: string;
  readonly #interval: number;
  readonly #maxBatch: number;
  readonly #maxTransactionMs: number;
  readonly #maxQueue: number;
  readonly #maxBackoff: number;
  readonly #clock: TrailClock;
  readonly #source: AuditEventSource;
  #queue: AuditRecord[] = [];
  /** Anonymous and throttled requests, counted until their minute is over. */
  readonly #aggregates: RequestAggregates;
  /** The one pending timer and when it fires (ms since the epoch). */
  #timer: { handle: unknown; at: number } | undefined;
  /** Writes run one after another, in record order. */
  #chain: Promise<void> = Promise.resolve();
  /** Consecutive failed writes: sets the back-off. */
  #failures = 0;
  /** Records dropped by the cap since the store last accepted a batch. */
  #dropped = 0;
  #closed = false;
  /** Records taken from the queue for the batch being written (still not durable). */
  #inFlight = 0;
  #written = 0;
  #droppedTotal = 0;
  #batches = 0;

  constructor(options: AuditTrailOptions) {
    this.#repo = options.repo;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#fhirBaseUrl = options.fhirBaseUrl;
    this.#interval = options.flushIntervalMs ?? 1000;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 200);
    this.#maxTransactionMs = options.maxTransactionMs ?? 20;
    this.#maxQueue = Math.max(this.#maxBatch, options.maxQueue ?? 100_000);
    this.#maxBackoff = options.maxBackoffMs ?? 30_000;
    this.#clock = options.clock ?? UNREF_TIMERS;
    this.#source = options.source ?? DEFAULT_SOURCE;
    this.#aggregates = new RequestAggregates(options.maxAggregates);
  }

  /** AuditEvents queued, being written or counting (aggregates), not yet committed (what a crash now would lose). */
  get pending(): number {
    return this.#queue.length + this.#inFlight + this.#aggregates.size;
  }

  /** Counters for the benchmark and the logs. */
  get stats(): { pending: number; written: number; dropped: number; batches: number; failures: number } {
    return {
      pending: this.pending,
      written: this.#written,
      dropped: this.#droppedTotal,
      batches: this.#batches,
      failures: this.#failures,
    };
  }

  /** Queues a record. Synchronous and never throws: auditing must not fail or slow the request. */
  record(entry: AuditRecord): void {
    try {
      if (this.#closed) {
        this.#logger.error(
          { requestId: entry.requestId },
          'audit: a record arrived after the trail was closed and is not written',
        );
        return;
      }
      if (isAggregated(entry)) this.#aggregates.add(entry);
      else {
        this.#queue.push(entry);
        this.#enforceCap();
      }
      this.#schedule();
    } catch (err) {
      this.#logQuietly(err);
    }
  }

  /**
   * Writes every record queued now, and the aggregates still counting, a batch per transaction.
   * Rejects with the store's error when a batch fails (its records stay queued and a retry is
   * scheduled).
   */
  flush(): Promise<void> {
    return this.#write(Number.POSITIVE_INFINITY);
  }

  /** The timer's write: the queue, and the aggregates whose minute is over. */
  #write(aggregatesEndedBy: number): Promise<void> {
    const run = this.#chain.then(() => {
      this.#queue.push(...this.#aggregates.take(aggregatesEndedBy));
      this.#enforceCap();
      return this.#writeQueued();
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops the timer and writes everything queued (call it after the HTTP server stopped and before
   * the engine closes). A failing store gets `attempts` tries, `retryDelayMs` apart; after that the
   * records still queued are logged as lost. Never rejects.
   */
  async close(options: { attempts?: number; retryDelayMs?: number } = {}): Promise<void> {
    this.#closed = true;
    this.#disarm();
    const attempts = Math.max(1, options.attempts ?? 3);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.flush();
        this.#disarm();
        return;
      } catch (err) {
        this.#disarm();
        if (attempt >= attempts) {
          this.#logger.error(
            { err, lost: this.#queue.length },
            'audit: records could not be written before shutdown and are lost',
          );
          return;
        }
        await sleep(options.retryDelayMs ?? 200);
      }
    }
  }

  async #writeQueued(): Promise<void> {
    let remaining = this.#queue.length;
    while (remaining > 0 && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, Math.min(this.#maxBatch, remaining));
      remaining -= batch.length;
      this.#inFlight = batch.length;
      let written: number;
      try {
        written = await this.#writeBatch(batch);
      } finally {
        this.#inFlight = 0;
      }
      if (written < batch.length) {
        // The transaction reached maxTransactionMs: the rest goes first in the next one.
        const rest = batch.slice(written);
        this.#queue.unshift(...rest);
        remaining += rest.length;
      }
    }
    this.#schedule();
  }

  /** Writes the first records of `batch` (all, unless the transaction ran out of time): how many. */
  async #writeBatch(batch: AuditRecord[]): Promise<number> {
    let written = batch.length;
    try {
      written = await this.#writeEvents(batch);
      this.#written += written;
    } catch (err) {
      if (!isRefusal(err)) return this.#failed(batch, err);
      // One record the repository refuses (invalid: a bug) must not hold back the others.
      await this.#writeOneByOne(batch);
    }
    this.#succeeded();
    return written;
  }

  async #writeOneByOne(batch: AuditRecord[]): Promise<void> {
    for (const [i, entry] of batch.entries()) {
      try {
        await this.#writeEvents([entry]);
        this.#written++;
      } catch (err) {
        if (!isRefusal(err)) return this.#failed(batch.slice(i), err);
        this.#logger.error(
          { err, requestId: entry.requestId, interaction: entry.interaction },
          'audit: the store refused a record as invalid; it is dropped',
        );
      }
    }
  }

  /**
   * The targets' owners and compartments (only records without a context need a read), then one
   * AuditEvent per record in one transaction of the store, which stops after maxTransactionMs of
   * work: returns how many were written. The events are built by the store's side
   * (trail-store.ts, audit-entries.ts): what goes there is the record, its context and the id.
   *
   * Each AuditEvent gets a time-ordered id (auditEventId): its rows then land at the end of every
   * id-led b-tree (history, resources, the `_by_owner` indexes) instead of on random pages, which
   * made the commit of a 200-event batch ~10× shorter (docs/benchmarks.md). An id already in use
   * (never expected: 62 random bits) fails the batch, written not at all; the retry draws new ids.
   */
  async #writeEvents(batch: AuditRecord[]): Promise<number> {
    const contexts = await targetContexts(this.#repo, batch, this.#fhirBaseUrl);
    const source = this.#source;
    const drafts = batch.map((record, i) => ({ id: auditEventId(), record, context: contexts[i] ?? {}, source }));
    const written = await this.#store.append(drafts, { maxMs: this.#maxTransactionMs });
    this.#batches++;
    return written;
  }

  /** Puts the batch back in front, schedules the retry and rethrows (for flush()'s caller). */
  #failed(batch: AuditRecord[], err: unknown): never {
    this.#queue = batch.concat(this.#queue);
    this.#failures++;
    this.#enforceCap();
    const retryInMs = this.#backoffMs();
    this.#logger.error(
      { err, queued: this.#queue.length, failures: this.#failures, dropped: this.#dropped, retryInMs },
      'audit: writing audit events failed; they stay queued',
    );
    this.#disarm();
    this.#schedule();
    throw err;
  }

  #succeeded(): void {
    if (this.#dropped > 0)
      this.#logger.error(
        { dropped: this.#dropped },
        'audit: the store accepts audit events again; records were dropped while it failed',
      );
    this.#failures = 0;
    this.#dropped = 0;
  }

  /** Beyond the cap the oldest records go; the first drop of an outage is logged at once, the rest with each failure. */
  #enforceCap(): void {
    const excess = this.#queue.length - this.#maxQueue;
    if (excess <= 0) return;
    this.#queue.splice(0, excess);
    this.#droppedTotal += excess;
    if (this.#dropped === 0)
      this.#logger.error(
        { dropped: excess, maxQueue: this.#maxQueue },
        'audit: the queue is full (the store is failing); dropping the oldest records',
      );
    this.#dropped += excess;
  }

  /**
   * Arms the one timer: at once when a batch is full, else after the interval (or the back-off after
   * a failure); with only aggregates counting, when the oldest one's minute is over. A timer already
   * armed to fire sooner is kept.
   */
  #schedule(): void {
    if (this.#closed) return;
    const ms = this.#nextWriteInMs();
    if (ms === undefined) return;
    const at = this.#now() + ms;
    if (this.#timer && this.#timer.at <= at) return;
    this.#disarm();
    const handle = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      // Background write: a failure is already logged and rescheduled by #failed.
      this.#write(this.#now()).catch(() => undefined);
    }, ms);
    this.#timer = { handle, at };
  }

  /** Milliseconds until the next background write, or undefined when nothing waits. */
  #nextWriteInMs(): number | undefined {
    if (this.#queue.length > 0) {
      if (this.#failures > 0) return this.#backoffMs();
      return this.#queue.length >= this.#maxBatch ? 0 : this.#interval;
    }
    const due = this.#aggregates.nextDue();
    if (due === undefined) return undefined;
    return this.#failures > 0 ? this.#backoffMs() : Math.max(0, due - this.#now());
  }

  #now(): number {
    return this.#clock.now?.() ?? Date.now();
  }

  #disarm(): void {
    if (this.#timer) this.#clock.clearTimeout(this.#timer.handle);
    this.#timer = undefined;
  }

  #backoffMs(): number {
    const base = Math.max(this.#interval, 100);
    return Math.min(this.#maxBackoff, base * 2 ** Math.min(this.#failures - 1, 20));
  }

  #logQuietly(err: unknown): void {
    try {
      this.#logger.error({ err }, 'audit: recording failed');
    } catch {
      // Nothing else can be done without risking the request.
    }
  }
}
