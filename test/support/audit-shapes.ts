import type { AuditEventContext } from '../../server/audit/audit-event.ts';
import type { AuditRecord } from '../../server/audit/audit-record.ts';

/*
 * Audit records of every kind the trail turns into AuditEvents (server/audit/audit-event.test.ts
 * validates and indexes them; audit-entries.test.ts builds them on the append thread).
 */

export const practitioner: AuditRecord['who'] = {
  subject: 'acct-1',
  kind: 'practitioner',
  fhirUser: 'Practitioner/pr-1',
  clientId: 'console',
  practices: ['org-b', 'org-a'],
};
export const patient: AuditRecord['who'] = {
  subject: 'acct-2',
  kind: 'patient',
  fhirUser: 'Person/pe-1',
  clientId: 'portal',
};

export function auditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    at: '2025-01-02T03:04:05.678Z',
    action: 'R',
    interaction: 'read',
    outcome: 200,
    who: practitioner,
    ip: '127.0.0.1',
    requestId: 'req-1',
    entity: 'Observation/o-1',
    ...overrides,
  };
}

/** Every kind of record the trail turns into an AuditEvent, with the contexts a request can give it. */
export const AUDIT_SHAPES: Array<[AuditRecord, AuditEventContext | undefined]> = [
  auditRecord(),
  auditRecord({ who: patient, entity: 'Patient/p-1' }),
  auditRecord({ who: { subject: 'acct-3', kind: 'patient', fhirUser: 'Patient/p-9', clientId: 'portal' } }),
  auditRecord({
    who: { subject: 'acct-4', kind: 'related-person', fhirUser: 'RelatedPerson/rp-1', clientId: 'portal' },
  }),
  auditRecord({
    who: undefined,
    outcome: 401,
    ip: undefined,
    requestId: undefined,
    entity: undefined,
    interaction: undefined,
    action: 'E',
  }),
  auditRecord({
    who: { subject: 'client-1', kind: 'system', clientId: 'client-1', practices: ['org-a'] },
    interaction: 'search-type',
    action: 'E',
    entity: 'Observation',
    query: 'patient=Patient/p-1&_count=10',
  }),
  auditRecord({
    who: { subject: 'acct-9', clientId: 'app' },
    interaction: 'operation',
    operation: 'everything',
    entity: 'Patient/p-1',
    outcome: 500,
    aborted: true,
  }),
  auditRecord({ interaction: 'transaction', action: 'E', entity: undefined, outcome: 200 }),
  auditRecord({ query: 'x'.repeat(2048), queryTruncated: true, interaction: 'search-type', entity: 'Patient' }),
  auditRecord({ ip: '::ffff:127.0.0.1', interaction: 'delete', action: 'D', entity: 'Observation/o-2' }),
  auditRecord({ who: { subject: 'acct-5', clientId: 'console', fhirUser: 'Practitioner/pr-2' }, outcome: 406 }),
  auditRecord({ at: '2025-01-02T03:04:05Z' }),
  auditRecord({ at: '2025-01-02T04:04:05.6789+01:00' }),
  auditRecord({ who: undefined, outcome: 401, count: 137, firstAt: '2025-01-02T03:04:00.000Z' }),
  auditRecord({
    who: { ...practitioner, practices: ['org-a'] } as AuditRecord['who'],
    outcome: 429,
    ip: undefined,
    count: 1,
    firstAt: '2025-01-02T03:04:05.000Z',
  }),
].flatMap((r): Array<[AuditRecord, AuditEventContext | undefined]> => [
  [r, undefined],
  [r, { targetOwner: 'org-a' }],
  [r, { targetOwner: 'org-a', patients: ['p-1'] }],
  [r, { targetOwner: 'org-c', patients: ['p-2', 'p-1', 'p-2'] }],
]);
