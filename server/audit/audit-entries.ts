import type { AuditEvent } from '@medplum/fhirtypes';
import { AppendRefusedError } from '../storage/appender.ts';
import type { AppendEntry } from '../storage/appender.ts';
import { stamp } from '../storage/version-writes.ts';
import { toAuditEvent } from './audit-event.ts';
import type { AuditEventSource } from './audit-event.ts';
import { auditEventRows } from './audit-index-rows.ts';
import type { AuditEventContext, AuditRecord } from './audit-record.ts';

/*
 * The trail's preparer (storage/appender.ts#appendPrepared, docs/decisions/0027-audit-events-built-on-the-append-thread.md):
 * the request thread sends plain drafts (the record, its resolved context, the event's id) and the
 * appender builds here, on its own thread on SQLite, the AuditEvents, their stamp and their index
 * rows. Everything that decides the event's content (id, lastUpdated, context, source) was decided
 * by the request thread, so the event is the same wherever this runs.
 *
 * This module is loaded by the SQLite append thread: it must stay light (no FHIRPath, no FHIR
 * definitions; audit-marks.ts) and pure.
 */

/** One AuditEvent to write, as the trail decided it. */
export interface AuditEventDraft {
  /** The event's id (audit-event-id.ts: time-ordered, decided by the trail). */
  id: string;
  record: AuditRecord;
  /** The owner and patients of the record's target (audit-targets.ts). */
  context: AuditEventContext;
  source: AuditEventSource;
}

/** What the trail store sends to the appender (structured-cloned to the SQLite thread). */
export interface AuditEntriesMessage {
  /** meta.lastUpdated of every event of the append. */
  lastUpdated: string;
  drafts: AuditEventDraft[];
}

/** This module's URL: the `preparer` the trail store names to the appender. */
export const AUDIT_ENTRIES_PREPARER = import.meta.url;

/** The AuditEvent a draft stands for, stamped as version 1 (what is stored). */
export function auditEventOf(draft: AuditEventDraft, lastUpdated: string): AuditEvent {
  return stamp({ ...toAuditEvent(draft.record, draft.source, draft.context), id: draft.id }, '1', lastUpdated);
}

/**
 * One entry per draft, in order. Refuses (AppendRefusedError: nothing of the append is written,
 * and the trail drops the refused record alone) an event without the elements R4 requires or one
 * the direct row builder does not know. toAuditEvent builds only known shapes (audit-event.test.ts,
 * audit-index-rows tests); the one way to get an unknown one is a record whose `at` is no instant,
 * a bug upstream: refused loudly rather than indexed by the generic FHIRPath indexer, which this
 * thread does not load.
 */
export function prepare(message: AuditEntriesMessage): AppendEntry[] {
  const { lastUpdated, drafts } = message;
  return drafts.map((draft) => {
    const resource = auditEventOf(draft, lastUpdated);
    checkAuditEvent(resource);
    const index = auditEventRows(resource);
    if (!index)
      throw new AppendRefusedError(
        `An AuditEvent of a shape the direct indexer does not know (request ${draft.record.requestId ?? 'without id'}, recorded ${String(resource.recorded)})`,
      );
    const version = { resourceType: 'AuditEvent', id: draft.id, versionId: '1', lastUpdated, deleted: false, resource };
    return { version, index };
  });
}

/** The minimal check of decision 0010: R4's required elements (and an id). */
function checkAuditEvent(event: AuditEvent): void {
  if (
    typeof event.id !== 'string' ||
    !event.type ||
    typeof event.recorded !== 'string' ||
    !event.agent?.length ||
    !event.source
  ) {
    throw new AppendRefusedError('An AuditEvent needs id, type, recorded, agent and source');
  }
}
