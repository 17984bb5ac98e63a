import type { AuditRecord } from './audit-record.ts';

/**
 * Requests nobody could be held to, counted rather than recorded one by one (docs/decisions/0012):
 * anonymous ones (no token, an invalid token, any 401) and throttled ones (429). They cost nothing
 * to send, so a client can make millions; one AuditEvent each (~7.6 KB stored with its index rows)
 * let anyone fill the disk and drown the real trail. They become one AuditEvent per **minute,
 * client address, HTTP status and caller** (the caller is known only for a 429 of a valid token),
 * with the number of requests and the period they span.
 *
 * Memory and the number of events per minute are bounded: beyond `maxBuckets` open counters, the
 * requests of new addresses are counted together, without an address, per minute and status.
 * A counter stays in memory until its minute is over (the trail then writes it; close() and
 * flush() write the open ones too): a hard crash loses at most the last minute of these counts.
 */
export const AGGREGATE_WINDOW_MS = 60_000;
export const DEFAULT_MAX_BUCKETS = 10_000;

/** Whether a record is counted in an aggregate rather than written as its own AuditEvent. */
export function isAggregated(entry: AuditRecord): boolean {
  return entry.who === undefined || entry.outcome === 429;
}

export class RequestAggregates {
  readonly #maxBuckets: number;
  /** Open counters by window start (ms), then by key; each is the AuditRecord it will become. */
  readonly #windows = new Map<number, Map<string, AuditRecord>>();
  #size = 0;

  constructor(maxBuckets = DEFAULT_MAX_BUCKETS) {
    this.#maxBuckets = Math.max(1, maxBuckets);
  }

  /** Open counters (each becomes one AuditEvent). */
  get size(): number {
    return this.#size;
  }

  add(entry: AuditRecord): void {
    const at = Date.parse(entry.at);
    const start = Math.floor((Number.isNaN(at) ? Date.now() : at) / AGGREGATE_WINDOW_MS) * AGGREGATE_WINDOW_MS;
    let window = this.#windows.get(start);
    if (!window) this.#windows.set(start, (window = new Map<string, AuditRecord>()));
    const who = entry.who ? `${entry.who.subject}\u0000${entry.who.clientId}` : '';
    let key = `${entry.ip ?? ''}\u0000${entry.outcome}\u0000${who}`;
    let bucket = window.get(key);
    let overflow = false;
    if (!bucket && this.#size >= this.#maxBuckets) {
      // Too many distinct callers at once: count the rest together (no address, no caller).
      overflow = true;
      key = `\u0000${entry.outcome}\u0000overflow`;
      bucket = window.get(key);
    }
    if (!bucket) {
      bucket = {
        at: entry.at,
        firstAt: entry.at,
        action: 'E',
        outcome: entry.outcome,
        count: 0,
        ...(!overflow && entry.who ? { who: entry.who } : {}),
        ...(!overflow && entry.ip ? { ip: entry.ip } : {}),
      };
      window.set(key, bucket);
      this.#size++;
    }
    bucket.count = (bucket.count ?? 0) + 1;
    if (entry.at > bucket.at) bucket.at = entry.at;
    if (entry.at < (bucket.firstAt ?? entry.at)) bucket.firstAt = entry.at;
  }

  /** When the oldest open window ends (ms since the epoch), or undefined when none is open. */
  nextDue(): number | undefined {
    let first: number | undefined;
    for (const start of this.#windows.keys()) if (first === undefined || start < first) first = start;
    return first === undefined ? undefined : first + AGGREGATE_WINDOW_MS;
  }

  /** Removes and returns the counters of the windows ended by `now` (all of them by default). */
  take(now = Number.POSITIVE_INFINITY): AuditRecord[] {
    const taken: AuditRecord[] = [];
    for (const start of [...this.#windows.keys()].sort((a, b) => a - b)) {
      if (start + AGGREGATE_WINDOW_MS > now) continue;
      const window = this.#windows.get(start) as Map<string, AuditRecord>;
      taken.push(...window.values());
      this.#size -= window.size;
      this.#windows.delete(start);
    }
    return taken;
  }
}
