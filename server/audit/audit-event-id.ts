import { getRandomValues } from 'node:crypto';

let lastIdMs = 0;
let idSequence = 0;

/**
 * A new AuditEvent id: a UUID version 7 (RFC 9562): 48 bits of Unix time in ms, a 12-bit sequence
 * within the ms (rand_a, monotonic in this process: ids sort in the order the trail wrote them) and
 * 62 random bits. Ids of one process increase strictly; ids from several processes or across a
 * clock step stay unique (random bits) but not ordered. The id tells the time the event was written,
 * which `recorded` says anyway.
 */
export function auditEventId(): string {
  const now = Date.now();
  if (now > lastIdMs) {
    lastIdMs = now;
    idSequence = 0;
  } else if (++idSequence > 0xfff) {
    // More than 4096 ids in one ms, or the clock went back: borrow the next ms to stay ordered.
    lastIdMs++;
    idSequence = 0;
  }
  const random = getRandomValues(new Uint8Array(8));
  random[0] = ((random[0] as number) & 0x3f) | 0x80; // variant 10
  const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const time = lastIdMs.toString(16).padStart(12, '0');
  const tail = hex(random);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${idSequence.toString(16).padStart(3, '0')}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}
