import { uuidV7 } from '../ops/uuid-v7.ts';

/**
 * A new AuditEvent id: a UUID version 7 (ops/uuid-v7.ts), so that ids sort in the order the trail
 * wrote them (strictly increasing in this process) and a batch's rows go to the end of the id-led
 * indexes. The same generator makes the request ids (ops/logging.ts), one sequence for both. The id
 * tells the time the event was written, which `recorded` says anyway.
 */
export function auditEventId(): string {
  return uuidV7();
}
