import { setTimeout as sleep, setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Resource } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { compartmentsOf, indexWithAccess, ownerOf } from '../auth/access-index.ts';
import { badRequest, FhirError } from '../fhir/outcomes.ts';
import { VersionedRepository } from '../storage/repository.ts';
import type { Repository, RepositoryDeps } from '../storage/repository.ts';
import { DEFAULT_SOURCE, toAuditEvent } from './audit-event.ts';
import type { AuditEventContext, AuditEventSource } from './audit-event.ts';
import type { AuditRecord } from './audit-record.ts';

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
 * Writing a batch also reads, in the same transaction, the resources that successful instance-level
 * requests acted on: their owning practice becomes the event's owner tag and the patients whose
 * compartment they are in its patient entities (audit-event.ts#concernedPractices). Those reads are
 * the trail's own (unscoped repository calls, not HTTP requests): they are not audited.
 */
export interface AuditTrailOptions {
  /** The UNSCOPED repository: audit writes are the server's own, not any caller's. */
  repo: Repository;
  logger: Logger;
  /** The FHIR base URL (config.fhirBaseUrl): compartments are computed from index rows relative to it. */
  fhirBaseUrl: string;
  /** How long a record waits for its batch at most (the crash window). Default 1000 ms. */
  flushIntervalMs?: number;
  /** Records per transaction. Default 200. */
  maxBatch?: number;
  /** Hard cap on queued records (memory bound while the store is down). */
  maxQueue?: number;
  /** Longest wait between retries after store failures. */
  maxBackoffMs?: number;
  /** Timers (tests drive them by hand); the default ones are unref'd. */
  clock?: TrailClock;
  source?: AuditEventSource;
}

export interface TrailClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real timers that never keep the process alive on their own (main.ts closes the trail). */
export const UNREF_TIMERS: TrailClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class AuditTrail {
  readonly #repo: Repository;
  readonly #logger: Logger;
  readonly #fhirBaseUrl: string;
  readonly #interval: number;
  readonly #maxBatch: number;
  readonly #maxQueue: number;
  readonly #maxBackoff: number;
  readonly #clock: TrailClock;
  readonly #source: AuditEventSource;
  #queue: AuditRecord[] = [];
  /** The one pending timer; `immediate` when armed because a batch is full. */
  #timer: { handle: unknown; immediate: boolean } | undefined;
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
    this.#logger = options.logger;
    this.#fhirBaseUrl = options.fhirBaseUrl;
    this.#interval = options.flushIntervalMs ?? 1000;
    this.#maxBatch = Math.max(1, options.maxBatch ?? 200);
    this.#maxQueue = Math.max(this.#maxBatch, options.maxQueue ?? 100_000);
    this.#maxBackoff = options.maxBackoffMs ?? 30_000;
    this.#clock = options.clock ?? UNREF_TIMERS;
    this.#source = options.source ?? DEFAULT_SOURCE;
  }

  /** Records queued or being written, not yet committed (what a crash now would lose). */
  get pending(): number {
    return this.#queue.length + this.#inFlight;
  }

  /** Counters for the benchmark and the logs. */
  get stats(): { pending: number; written: number; dropped: number; batches: number; failures: number } {
    return { pending: this.pending, written: this.#written, dropped: this.#droppedTotal, batches: this.#batches, failures: this.#failures };
  }

  /** Queues a record. Synchronous and never throws: auditing must not fail or slow the request. */
  record(entry: AuditRecord): void {
    try {
      if (this.#closed) {
        this.#logger.error({ requestId: entry.requestId }, 'audit: a record arrived after the trail was closed and is not written');
        return;
      }
      this.#queue.push(entry);
      this.#enforceCap();
      this.#schedule();
    } catch (err) {
      this.#logQuietly(err);
    }
  }

  /**
   * Writes every record queued now, a batch per transaction. Rejects with the store's error when a
   * batch fails (its records stay queued and a retry is scheduled).
   */
  flush(): Promise<void> {
    const run = this.#chain.then(() => this.#writeQueued());
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
          this.#logger.error({ err, lost: this.#queue.length }, 'audit: records could not be written before shutdown and are lost');
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
      try {
        await this.#writeBatch(batch);
      } finally {
        this.#inFlight = 0;
      }
    }
    this.#schedule();
  }

  async #writeBatch(batch: AuditRecord[]): Promise<void> {
    try {
      await this.#store(batch);
      this.#written += batch.length;
    } catch (err) {
      if (!isRefusal(err)) return this.#failed(batch, err);
      // One record the repository refuses (invalid: a bug) must not hold back the others.
      await this.#writeOneByOne(batch);
    }
    this.#succeeded();
  }

  async #writeOneByOne(batch: AuditRecord[]): Promise<void> {
    for (const [i, entry] of batch.entries()) {
      try {
        await this.#store([entry]);
        this.#written++;
      } catch (err) {
        if (!isRefusal(err)) return this.#failed(batch.slice(i), err);
        this.#logger.error({ err, requestId: entry.requestId, interaction: entry.interaction }, 'audit: the store refused a record as invalid; it is dropped');
      }
    }
  }

  /**
   * One transaction: the targets' owners and compartments, then one AuditEvent per record. The
   * loop yields to the event loop every YIELD_EVERY records so that validating and indexing a large
   * batch does not hold up requests (reads go on meanwhile; other writes wait for the transaction).
   */
  #store(batch: AuditRecord[]): Promise<void> {
    return this.#repo.transaction(async (tx) => {
      const contexts = await this.#contexts(tx, batch);
      for (const [i, entry] of batch.entries()) {
        await tx.create(toAuditEvent(entry, this.#source, contexts[i]));
        if ((i + 1) % YIELD_EVERY === 0) await yieldToLoop();
      }
      this.#batches++;
    });
  }

  /** Owner and patients of each record's target, read with one search per resource type. */
  async #contexts(tx: Repository, batch: AuditRecord[]): Promise<AuditEventContext[]> {
    const wanted = new Map<string, Set<string>>();
    for (const entry of batch) {
      const target = lookupTarget(entry);
      if (target) wanted.set(target.type, (wanted.get(target.type) ?? new Set()).add(target.id));
    }
    const found = new Map<string, Resource>();
    for (const [type, ids] of wanted) {
      for (const [id, resource] of await this.#lookup(tx, type, [...ids])) found.set(`${type}/${id}`, resource);
    }
    return batch.map((entry) => {
      const target = lookupTarget(entry);
      const resource = target && found.get(`${target.type}/${target.id}`);
      if (!resource) return {};
      const owner = ownerOf(resource);
      const patients = compartmentsOf(resource, indexWithAccess(resource, this.#fhirBaseUrl));
      return { ...(owner ? { targetOwner: owner } : {}), ...(patients.length ? { patients } : {}) };
    });
  }

  /** The current resources (the last live version of a deleted one) among `ids`. */
  async #lookup(tx: Repository, type: string, ids: string[]): Promise<Array<[string, Resource]>> {
    try {
      const page = await tx.search({ resourceType: type, filters: [{ kind: 'id', ids }], sort: [], count: ids.length, total: 'none', includeDeleted: true });
      const result: Array<[string, Resource]> = [];
      for (const version of page.versions) {
        const resource = version.resource ?? (await tx.history({ resourceType: type, id: version.id, count: 2 })).find((v) => v.resource)?.resource;
        if (resource) result.push([version.id, resource]);
      }
      return result;
    } catch (err) {
      // A type the store refuses to search (it cannot have answered 2xx): no context, not a failure.
      if (isRefusal(err)) return [];
      throw err;
    }
  }

  /** Puts the batch back in front, schedules the retry and rethrows (for flush()'s caller). */
  #failed(batch: AuditRecord[], err: unknown): never {
    this.#queue = batch.concat(this.#queue);
    this.#failures++;
    this.#enforceCap();
    const retryInMs = this.#backoffMs();
    this.#logger.error({ err, queued: this.#queue.length, failures: this.#failures, dropped: this.#dropped, retryInMs }, 'audit: writing audit events failed; they stay queued');
    this.#disarm();
    this.#schedule();
    throw err;
  }

  #succeeded(): void {
    if (this.#dropped > 0) this.#logger.error({ dropped: this.#dropped }, 'audit: the store accepts audit events again; records were dropped while it failed');
    this.#failures = 0;
    this.#dropped = 0;
  }

  /** Beyond the cap the oldest records go; the first drop of an outage is logged at once, the rest with each failure. */
  #enforceCap(): void {
    const excess = this.#queue.length - this.#maxQueue;
    if (excess <= 0) return;
    this.#queue.splice(0, excess);
    this.#droppedTotal += excess;
    if (this.#dropped === 0) this.#logger.error({ dropped: excess, maxQueue: this.#maxQueue }, 'audit: the queue is full (the store is failing); dropping the oldest records');
    this.#dropped += excess;
  }

  /** Arms the one timer: at once when a batch is full, else after the interval (or the back-off after a failure). */
  #schedule(): void {
    if (this.#closed || this.#queue.length === 0) return;
    const full = this.#failures === 0 && this.#queue.length >= this.#maxBatch;
    if (this.#timer && (this.#timer.immediate || !full)) return;
    this.#disarm();
    const ms = full ? 0 : this.#failures > 0 ? this.#backoffMs() : this.#interval;
    const handle = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      // Background write: a failure is already logged and rescheduled by #failed.
      this.flush().catch(() => undefined);
    }, ms);
    this.#timer = { handle, immediate: full };
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

/**
 * The repository the trail should write through: the server's (same engine, same index, unscoped)
 * but without per-event validation, which was half of an AuditEvent's cost (~0.8 ms of ~1.6 ms on
 * SQLite). Safe because the trail writes only what `toAuditEvent` builds, and audit-event.test.ts
 * validates every shape it can build with the server's validator (no error, no warning). What it
 * still refuses (400, so the trail drops the record alone and logs it): anything but an AuditEvent
 * — this repository must never write clinical data — and an AuditEvent missing a required element.
 *
 * server/app.ts: `new AuditTrail({ repo: trailRepository(repoDeps), … })` with the deps of its
 * VersionedRepository.
 */
export function trailRepository(deps: RepositoryDeps): Repository {
  return new VersionedRepository({ ...deps, validate: checkAuditEvent });
}

function checkAuditEvent(resource: Resource): void {
  if (resource.resourceType !== 'AuditEvent') throw badRequest(`The audit trail writes AuditEvents only, not ${resource.resourceType}`);
  const event = resource as { type?: unknown; recorded?: unknown; agent?: unknown[]; source?: unknown };
  if (!event.type || typeof event.recorded !== 'string' || !event.agent?.length || !event.source) {
    throw badRequest('An AuditEvent needs type, recorded, agent and source', 'AuditEvent');
  }
}

/** Records written between two yields to the event loop inside a batch transaction. */
const YIELD_EVERY = 5;

/** The one resource a successful instance-level request or create acted on, if any. */
function lookupTarget(entry: AuditRecord): { type: string; id: string } | undefined {
  if (entry.outcome < 200 || entry.outcome > 299 || !entry.entity) return undefined;
  const [type, id, ...rest] = entry.entity.split('/');
  return type && id && rest.length === 0 ? { type, id } : undefined;
}

/** The repository refused the content (FhirError 4xx: validation): retrying would fail again. */
function isRefusal(err: unknown): boolean {
  return err instanceof FhirError && err.status < 500;
}
