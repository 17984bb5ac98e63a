import type { AuditEvent } from '@medplum/fhirtypes';
import { trailStore } from '../../server/audit/trail-store.ts';
import type { AuditEventDraft, TrailStore } from '../../server/audit/trail-store.ts';
import { badRequest } from '../../server/fhir/outcomes.ts';
import type { TestStore } from './repository-setup.ts';

/**
 * The trail's real store on a test store's engine (its appender: on SQLite, the writer thread),
 * counting appends, failing every append while `down` is set (as a store that cannot be reached
 * would) and refusing the appends that hold a record whose request id is in `invalid` (as the
 * store's check refuses a malformed event).
 */
export class TestTrailStore implements TrailStore {
  appends = 0;
  down = false;
  readonly invalid = new Set<string>();
  readonly #inner: TrailStore;

  constructor(store: Pick<TestStore, 'engine'>) {
    this.#inner = trailStore({ appender: store.engine.appender });
  }

  append(drafts: AuditEventDraft[], options: { maxMs: number }): Promise<number> {
    this.appends++;
    if (this.down) return Promise.reject(new Error('SQLITE_IOERR: disk I/O error'));
    if (drafts.some((draft) => this.invalid.has(draft.record.requestId ?? '')))
      return Promise.reject(badRequest('invalid AuditEvent'));
    return this.#inner.append(drafts, options);
  }
}

/** The request id an AuditEvent names (its XrequestId entity). */
export function requestIdOf(event: AuditEvent): string | undefined {
  return event.entity?.find((e) => e.type?.code === 'XrequestId')?.what?.identifier?.value;
}
