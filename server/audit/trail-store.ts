import { FhirError } from '../fhir/outcomes.ts';
import { AppendRefusedError } from '../storage/appender.ts';
import type { Appender } from '../storage/appender.ts';
import { AUDIT_ENTRIES_PREPARER } from './audit-entries.ts';
import type { AuditEntriesMessage, AuditEventDraft } from './audit-entries.ts';

export type { AuditEventDraft } from './audit-entries.ts';

/**
 * Where the trail's AuditEvents go (docs/decisions/0021-audit-writer-thread.md and
 * 0027-audit-events-built-on-the-append-thread.md): the drafts (record, context, id) and one
 * lastUpdated go to the store's appender as plain data; the appender's preparer (audit-entries.ts)
 * builds each AuditEvent, stamps it as the first version of a new resource, checks it and builds
 * its index rows where the writing happens (on SQLite, the appender's own thread), so none of that
 * costs the request thread.
 *
 * No full validation: the trail writes only what `toAuditEvent` builds, and audit-event.test.ts
 * validates every shape it can build with the server's validator (no error, no warning); validating
 * each event again was half an event's cost (~0.8 ms of ~1.6 ms). What it still refuses (a refusal,
 * so the trail drops the record alone and logs it): an AuditEvent missing a required element, or of
 * a shape the direct row builder (audit-index-rows.ts) does not know.
 */
export interface TrailStore {
  /**
   * Writes the drafts' events in one durable transaction, stopping after `maxMs` of work: how many
   * were written, a prefix. Rejects, writing nothing, with a refusal (`isRefusal`) when one of them
   * is refused; with a VersionConflictError when an id is already in use.
   */
  append(drafts: AuditEventDraft[], options: { maxMs: number }): Promise<number>;
}

export interface TrailStoreDeps {
  appender: Appender;
  now?: () => Date;
}

export function trailStore(deps: TrailStoreDeps): TrailStore {
  return {
    append(drafts, options) {
      if (drafts.length === 0) return Promise.resolve(0);
      const message: AuditEntriesMessage = { lastUpdated: (deps.now?.() ?? new Date()).toISOString(), drafts };
      return deps.appender.appendPrepared(AUDIT_ENTRIES_PREPARER, message, options);
    },
  };
}

/**
 * The store refused the content (a 4xx FhirError, or the preparer's AppendRefusedError): retrying
 * would fail again.
 */
export function isRefusal(err: unknown): boolean {
  return (err instanceof FhirError && err.status < 500) || err instanceof AppendRefusedError;
}
