import type { AuditEvent, Resource } from '@medplum/fhirtypes';
import { badRequest, FhirError } from '../fhir/outcomes.ts';
import { VersionedRepository } from '../storage/repository.ts';
import type { Repository, RepositoryDeps } from '../storage/repository.ts';
import { auditEventRows } from './audit-index-rows.ts';

/**
 * The repository the trail should write through: the server's (same engine, same index, unscoped)
 * but without per-event validation, which was half of an AuditEvent's cost (~0.8 ms of ~1.6 ms on
 * SQLite). Safe because the trail writes only what `toAuditEvent` builds, and audit-event.test.ts
 * validates every shape it can build with the server's validator (no error, no warning). What it
 * still refuses (400, so the trail drops the record alone and logs it): anything but an AuditEvent
 * — this repository must never write clinical data — and an AuditEvent missing a required element.
 *
 * Its index rows are built directly from the event (audit-index-rows.ts), not by FHIRPath: the
 * same rows as `deps.index` gives (audit-index-rows.test.ts holds them equal), at a fraction of the
 * cost; an event of a shape the direct builder does not know is indexed by `deps.index`.
 *
 * server/app.ts: `new AuditTrail({ repo: trailRepository(repoDeps), … })` with the deps of its
 * VersionedRepository.
 */
export function trailRepository(deps: RepositoryDeps): Repository {
  return new VersionedRepository({
    ...deps,
    validate: checkAuditEvent,
    index: (resource) => auditIndex(resource, deps),
  });
}

function auditIndex(resource: Resource, deps: RepositoryDeps) {
  return (resource.resourceType === 'AuditEvent' && auditEventRows(resource as AuditEvent)) || deps.index(resource);
}

function checkAuditEvent(resource: Resource): void {
  if (resource.resourceType !== 'AuditEvent')
    throw badRequest(`The audit trail writes AuditEvents only, not ${resource.resourceType}`);
  const event = resource as { type?: unknown; recorded?: unknown; agent?: unknown[]; source?: unknown };
  if (!event.type || typeof event.recorded !== 'string' || !event.agent?.length || !event.source) {
    throw badRequest('An AuditEvent needs type, recorded, agent and source', 'AuditEvent');
  }
}

/** The repository refused the content (FhirError 4xx: validation): retrying would fail again. */
export function isRefusal(err: unknown): boolean {
  return err instanceof FhirError && err.status < 500;
}
