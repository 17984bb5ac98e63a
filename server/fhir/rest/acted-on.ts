import type { Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';

/**
 * The resource a request read or changed, left on the exchange (`res.locals`) for what records the
 * request once it is answered: the audit trail (server/audit/audit-middleware.ts) derives the
 * event's owner tag and patients from it instead of looking the target up again
 * (docs/decisions/0020-audit-cost.md). The handlers of one resource set it: read, vread, create,
 * update, patch, delete (the version deleted), the versions of an instance history, and the
 * resource an instance operation read. Nothing else reads it; it changes no response.
 */
const ACTED_ON = 'actedOn';

/** Records what the request acted on: one resource, or the versions of one resource a history shows (newest first). */
export function setActedOn(res: Response, ...resources: Resource[]): void {
  if (resources.length) res.locals[ACTED_ON] = resources;
}

/** What the request acted on, from the exchange's locals (empty when no handler set it). */
export function actedOn(locals: Record<string, unknown>): readonly Resource[] {
  const value = locals[ACTED_ON];
  return Array.isArray(value) ? (value as Resource[]) : [];
}
