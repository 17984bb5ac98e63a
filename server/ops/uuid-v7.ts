import { randomUUID } from 'node:crypto';

/** The Unix time in ms of the ids being made now (ahead of the clock after a burst or a clock step back). */
let lastMs = 0;
/** rand_a: the id's rank within `lastMs`. */
let sequence = 0;
/** `lastMs` as the id's first 13 characters plus the version digit, made once per ms. */
let timePrefix = '';

/**
 * A new UUID version 7 (RFC 9562): 48 bits of Unix time in ms, a 12-bit sequence within the ms
 * (rand_a, monotonic in this process) and 62 random bits. Ids of one process increase strictly, so
 * what is keyed by them lands at the end of an index (b-tree) rather than on a random page: the
 * AuditEvent ids (audit/audit-event-id.ts) and the request ids (logging.ts) the trail indexes. Ids
 * from several processes or across a clock step stay unique (random bits) but not ordered. An id
 * tells the time it was made.
 */
export function uuidV7(): string {
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
    timePrefix = '';
  } else if (++sequence > 0xfff) {
    // More than 4096 ids in one ms, or the clock went back: borrow the next ms to stay ordered.
    lastMs++;
    sequence = 0;
    timePrefix = '';
  }
  if (!timePrefix) {
    const time = lastMs.toString(16).padStart(12, '0');
    timePrefix = `${time.slice(0, 8)}-${time.slice(8)}-7`;
  }
  // A v4 UUID's last 17 characters are the variant (10) and 62 random bits: randomUUID draws them
  // from Node's buffered entropy, cheaper than a getRandomValues call and hex encoding per id.
  return `${timePrefix}${sequence.toString(16).padStart(3, '0')}-${randomUUID().slice(19)}`;
}
