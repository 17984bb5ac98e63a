import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent } from '@medplum/fhirtypes';
import { indexWithAccess, OWNER_SYSTEM } from '../access/access-index.ts';
import { auditTarget, isAudited } from './audit-interaction.ts';
import {
  CLIENT_ID_SYSTEM,
  concernedPractices,
  FHIR_USER_SYSTEM,
  outcomeOf,
  PATIENT_ENTITY_ROLE,
  REQUEST_ID_ENTITY,
  RESTFUL_INTERACTION_SYSTEM,
  toAuditEvent,
} from './audit-event.ts';
import { auditEventId } from './audit-event-id.ts';
import { auditEventRows } from './audit-index-rows.ts';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import { actionOf } from './audit-record.ts';
import { AUDIT_SHAPES as SHAPES, auditRecord as record, patient } from '../../test/support/audit-shapes.ts';
import { openTestStore, TEST_BASE_URL } from '../../test/support/repository-setup.ts';
import type { TestStore } from '../../test/support/repository-setup.ts';

describe('AuditEvent of a record', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
  });
  after(() => store.close());

  it('maps HTTP statuses to AuditEvent.outcome', () => {
    const cases: Array<[number, string]> = [
      [200, '0'],
      [201, '0'],
      [204, '0'],
      [304, '0'],
      [400, '4'],
      [401, '4'],
      [403, '4'],
      [404, '4'],
      [410, '4'],
      [412, '4'],
      [499, '4'],
      [500, '8'],
      [503, '8'],
    ];
    for (const [status, expected] of cases) {
      assert.equal(outcomeOf(status), expected, `HTTP ${status}`);
      assert.equal(toAuditEvent(record({ outcome: status })).outcome, expected, `event of HTTP ${status}`);
    }
  });

  it('names the user as requestor, the app as a second agent, the target, the request id and the interaction', () => {
    const event = toAuditEvent(record({ query: 'code=1234-5' }));
    assert.deepEqual(event.subtype, [{ system: RESTFUL_INTERACTION_SYSTEM, code: 'read' }]);
    assert.equal(event.action, 'R');
    assert.equal(event.recorded, '2025-01-02T03:04:05.678Z');
    const [user, app] = event.agent;
    assert.equal(event.agent.length, 2);
    assert.deepEqual(user?.who, { reference: 'Practitioner/pr-1' });
    assert.equal(user?.requestor, true);
    assert.equal(user?.altId, 'acct-1');
    assert.deepEqual(user?.network, { address: '127.0.0.1', type: '2' });
    assert.deepEqual(user?.role?.[0]?.coding?.[0]?.code, 'practitioner');
    assert.deepEqual(app?.who?.identifier, { system: CLIENT_ID_SYSTEM, value: 'console' });
    assert.equal(app?.requestor, false);
    const target = event.entity?.find((e) => e.what?.reference === 'Observation/o-1');
    assert.ok(target, 'the target is an entity');
    assert.equal(Buffer.from(target.query as string, 'base64').toString('utf8'), 'code=1234-5');
    const requestId = event.entity?.find((e) => e.type?.code === REQUEST_ID_ENTITY.code);
    assert.equal(requestId?.what?.identifier?.value, 'req-1');
  });

  it('records an anonymous caller as one anonymous requestor', () => {
    const event = toAuditEvent(record({ who: undefined, outcome: 401 }));
    assert.equal(event.agent.length, 1);
    assert.equal(event.agent[0]?.who?.display, 'anonymous');
    assert.equal(event.agent[0]?.requestor, true);
    assert.equal(event.agent[0]?.role?.[0]?.coding?.[0]?.code, 'anonymous');
  });

  it('records a patient (Person, not allowed in agent.who by R4) as an identifier', () => {
    const event = toAuditEvent(record({ who: patient }));
    assert.deepEqual(event.agent[0]?.who, {
      identifier: { system: FHIR_USER_SYSTEM, value: 'Person/pe-1' },
      display: 'Person/pe-1',
    });
  });

  it("tags the owner of a reached resource, else a staff caller's practices, else nothing", () => {
    assert.deepEqual(concernedPractices(record(), { targetOwner: 'org-c' }), ['org-c']);
    assert.deepEqual(concernedPractices(record({ outcome: 404 })), ['org-a', 'org-b']);
    assert.deepEqual(concernedPractices(record({ who: patient })), []);
    assert.deepEqual(concernedPractices(record({ who: undefined })), []);
    const tags = toAuditEvent(record({ outcome: 404 })).meta?.tag;
    assert.deepEqual(tags, [
      { system: OWNER_SYSTEM, code: 'org-a' },
      { system: OWNER_SYSTEM, code: 'org-b' },
    ]);
    assert.equal(toAuditEvent(record({ who: patient })).meta, undefined);
  });

  it('puts the patients concerned in the event and so in their compartment', () => {
    const event = toAuditEvent(record(), undefined, { targetOwner: 'org-a', patients: ['p-1'] });
    const entity = event.entity?.find((e) => e.what?.reference === 'Patient/p-1');
    assert.deepEqual(entity?.role, PATIENT_ENTITY_ROLE);
    const compartment = indexWithAccess(event, TEST_BASE_URL).filter(
      (r) => r.kind === 'reference' && r.param === '_compartment',
    );
    assert.deepEqual(
      compartment.map((r) => r.kind === 'reference' && r.target),
      ['Patient/p-1'],
    );
  });

  it('produces valid R4 AuditEvents for every kind of record (no errors, no warnings)', () => {
    for (const [r, context] of SHAPES) {
      const event: AuditEvent = toAuditEvent(r, undefined, context);
      assert.deepEqual(store.validator.issues(event), [], JSON.stringify(r));
    }
  });

  it("indexes every kind of event directly with exactly the server's rows (search parameters, owner, compartments)", () => {
    const sorted = (rows: IndexRow[]) => rows.map((row) => JSON.stringify(row)).sort();
    for (const [r, context] of SHAPES) {
      // As the repository indexes it: with its id and the server's meta.
      const event = { ...toAuditEvent(r, undefined, context), id: auditEventId() };
      const stored = { ...event, meta: { ...event.meta, versionId: '1', lastUpdated: '2025-01-02T03:04:06.000Z' } };
      const direct = auditEventRows(stored);
      assert.ok(direct, `known shape: ${JSON.stringify(r)}`);
      assert.deepEqual(sorted(direct), sorted(indexWithAccess(stored, TEST_BASE_URL)), JSON.stringify([r, context]));
    }
  });

  it('leaves events of other shapes to the generic indexer', () => {
    const event = toAuditEvent(record());
    assert.equal(auditEventRows({ ...event, site: 'x' } as AuditEvent), undefined);
    assert.equal(auditEventRows({ ...event, agent: [{ requestor: true, name: 'Ann' }] }), undefined);
    assert.equal(
      auditEventRows({ ...event, entity: [{ what: { reference: 'http://elsewhere/Patient/1' } }] }),
      undefined,
    );
    assert.equal(auditEventRows({ ...event, meta: { profile: ['http://x'] } }), undefined);
    assert.equal(auditEventRows({ ...event, recorded: '2025-02-30T03:04:05.678Z' }), undefined);
    assert.equal(
      auditEventRows({ ...event, source: { observer: { reference: 'Device/d' } } } as AuditEvent),
      undefined,
    );
  });
});

describe('interaction of a request', () => {
  const cases: Array<[string, string, Partial<ReturnType<typeof auditTarget>>, string?]> = [
    ['GET', '/Patient/1', { interaction: 'read', entity: 'Patient/1' }],
    ['HEAD', '/Patient/1', { interaction: 'read', entity: 'Patient/1' }],
    ['GET', '/Patient/1/_history/2', { interaction: 'vread', entity: 'Patient/1' }],
    ['GET', '/Patient/1/_history', { interaction: 'history-instance', entity: 'Patient/1' }],
    ['GET', '/Patient/_history', { interaction: 'history-type', entity: 'Patient' }],
    ['GET', '/_history', { interaction: 'history-system' }],
    ['GET', '/Patient', { interaction: 'search-type', entity: 'Patient' }],
    ['POST', '/Patient/_search', { interaction: 'search-type', entity: 'Patient' }],
    ['GET', '/', { interaction: 'search-system' }],
    ['POST', '/Patient', { interaction: 'create', entity: 'Patient' }],
    ['PUT', '/Patient/1', { interaction: 'update', entity: 'Patient/1' }],
    ['PUT', '/Patient', { interaction: 'update', entity: 'Patient' }],
    ['PATCH', '/Patient/1', { interaction: 'patch', entity: 'Patient/1' }],
    ['DELETE', '/Patient/1', { interaction: 'delete', entity: 'Patient/1' }],
    ['DELETE', '/Patient', { interaction: 'delete', entity: 'Patient' }],
    ['GET', '/Patient/1/$everything', { interaction: 'operation', operation: 'everything', entity: 'Patient/1' }],
    ['GET', '/Patient/1/%24everything', { interaction: 'operation', operation: 'everything', entity: 'Patient/1' }],
    ['POST', '/Patient/$validate', { interaction: 'operation', operation: 'validate', entity: 'Patient' }],
    ['GET', '/patient/1', { interaction: 'read' }],
    ['GET', '/Patient/1/2/3/4/5', {}],
  ];
  for (const [method, path, expected] of cases) {
    it(`${method} ${path}`, () => {
      assert.deepEqual(auditTarget({ method, path }), expected);
    });
  }

  it("takes a create's id from its Location and a Bundle's type from its body", () => {
    assert.deepEqual(
      auditTarget({ method: 'POST', path: '/Patient', location: 'http://x/fhir/R4/Patient/abc/_history/1' }),
      { interaction: 'create', entity: 'Patient/abc' },
    );
    assert.deepEqual(auditTarget({ method: 'POST', path: '/', bundleType: 'transaction' }), {
      interaction: 'transaction',
    });
    assert.deepEqual(auditTarget({ method: 'POST', path: '/', bundleType: 'batch' }), { interaction: 'batch' });
  });

  it('maps interactions to AuditEvent.action', () => {
    assert.equal(actionOf('create'), 'C');
    assert.equal(actionOf('vread'), 'R');
    assert.equal(actionOf('patch'), 'U');
    assert.equal(actionOf('delete'), 'D');
    assert.equal(actionOf('search-type'), 'E');
    assert.equal(actionOf(undefined), 'E');
  });

  it('does not audit the CapabilityStatement', () => {
    assert.equal(isAudited('GET', '/metadata'), false);
    assert.equal(isAudited('GET', '/AuditEvent'), true);
    assert.equal(isAudited('POST', '/metadata'), true);
  });
});
