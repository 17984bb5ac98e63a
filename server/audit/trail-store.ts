import type { AuditEvent, Resource } from '@medplum/fhirtypes';
import { badRequest, FhirError } from '../fhir/outcomes.ts';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import type { Appender, AppendEntry } from '../storage/appender.ts';
import { stamp } from '../storage/version-writes.ts';
import { auditEventRows } from './audit-index-rows.ts';

/**
 * Where the trail's AuditEvents go (docs/decisions/0021-audit-writer-thread.md): each event is
 * stamped as the first version of a new resource, checked, indexed here, and handed to the store's
 * appender (storage/appender.ts), which on SQLite writes it on a thread of its own.
 *
 * No full validation: the trail writes only what `toAuditEvent` builds, and audit-event.test.ts
 * validates every shape it can build with the server's validator (no error, no warning); validating
 * each event again was half an event's cost (~0.8 ms of ~1.6 ms). What it still refuses (400, so the
 * trail drops the record alone and logs it): anything but an AuditEvent — this path must never
 * write clinical data — and an AuditEvent missing a required element.
 *
 * Index rows are built directly from the event (audit-index-rows.ts), the same rows as the server's
 * indexer gives (audit-event.test.ts holds them equal); an event of a shape the direct builder does
 * not know is indexed by `index` (server/app.ts passes the server's indexer).
 */
export interface TrailStore {
  /**
   * Writes the events (ids set by the trail) in one durable transaction, stopping after `maxMs` of
   * work: how many were written, a prefix. Rejects with a 400 FhirError, writing nothing, when one
   * of them is refused; with a VersionConflictError when an id is already in use.
   */
  append(events: AuditEvent[], options: { maxMs: number }): Promise<number>;
}

export interface TrailStoreDeps {
  appender: Appender;
  /** The server's indexer (access-index.ts#indexWithAccess), for events the direct builder does not know. */
  index: (resource: Resource) => IndexRow[];
  now?: () => Date;
}

export function trailStore(deps: TrailStoreDeps): TrailStore {
  return {
    append(events, options) {
      try {
        const lastUpdated = (deps.now?.() ?? new Date()).toISOString();
        return deps.appender.append(
          events.map((event) => entryOf(event, lastUpdated, deps.index)),
          options,
        );
      } catch (err) {
        return Promise.reject(err);
      }
    },
  };
}

function entryOf(event: AuditEvent, lastUpdated: string, index: TrailStoreDeps['index']): AppendEntry {
  const resource = stamp(event, '1', lastUpdated);
  checkAuditEvent(resource);
  const rows = auditEventRows(resource) ?? index(resource);
  return {
    version: {
      resourceType: 'AuditEvent',
      id: resource.id as string,
      versionId: '1',
      lastUpdated,
      deleted: false,
      resource,
    },
    index: rows,
  };
}

function checkAuditEvent(resource: Resource): void {
  if (resource.resourceType !== 'AuditEvent')
    throw badRequest(`The audit trail writes AuditEvents only, not ${resource.resourceType}`);
  const event = resource as { id?: unknown; type?: unknown; recorded?: unknown; agent?: unknown[]; source?: unknown };
  if (
    typeof event.id !== 'string' ||
    !event.type ||
    typeof event.recorded !== 'string' ||
    !event.agent?.length ||
    !event.source
  ) {
    throw badRequest('An AuditEvent needs id, type, recorded, agent and source', 'AuditEvent');
  }
}

/** The store refused the content (FhirError 4xx): retrying would fail again. */
export function isRefusal(err: unknown): boolean {
  return err instanceof FhirError && err.status < 500;
}
