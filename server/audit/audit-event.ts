import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from './audit-marks.ts';
import type { AuditEventContext, AuditRecord, AuditWho } from './audit-record.ts';

/**
 * An AuditRecord as a FHIR R4 AuditEvent, shaped after the IHE Basic Audit Log Patterns (BALP)
 * "RESTful activity" events so that other tools read it: type `rest`, subtype the interaction, one
 * agent for the user (the requestor) and one for the app, the server as observer, the resource or
 * query as entity, the patient(s) concerned as entity (role Patient), and the request id as its own
 * entity (BALP `XrequestId`).
 *
 * The owner tag (server/access/access-index.ts OWNER_SYSTEM) names the practices whose staff may read
 * the event (README "Who can read an AuditEvent"), from the record's `AuditEventContext` (the owner
 * and patients of the resource the request acted on).
 */
export const AUDIT_EVENT_TYPE: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  code: 'rest',
  display: 'RESTful Operation',
};
export const RESTFUL_INTERACTION_SYSTEM = 'http://hl7.org/fhir/restful-interaction';
/** Our operations (`$everything`, `$validate`) as a second subtype. */
export const OPERATION_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/operation';
/** The OAuth client id of the app, as an identifier (clients are not FHIR resources here). */
export const CLIENT_ID_SYSTEM = 'https://patient-portal.example.org/fhir/sid/client-id';
/** The Principal kind (practitioner, patient, related-person, system) or `anonymous`, as agent.role. */
export const PRINCIPAL_KIND_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/principal-kind';
export const RESOURCE_TYPES_SYSTEM = 'http://hl7.org/fhir/resource-types';
export const REQUEST_ID_ENTITY: Coding = {
  system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
  code: 'XrequestId',
  display: 'X-Request-Id',
};

/** A fhirUser whose type R4 does not allow in AuditEvent.agent.who (a patient's `Person/…`) is an identifier in this system. */
export const FHIR_USER_SYSTEM = 'https://patient-portal.example.org/fhir/sid/fhir-user';
/** BALP's patient entity: type Person (audit-entity-type 1), role Patient (object-role 1). */
export const PATIENT_ENTITY_TYPE: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  code: '1',
  display: 'Person',
};
export const PATIENT_ENTITY_ROLE: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/object-role',
  code: '1',
  display: 'Patient',
};

const APPLICATION: Coding = {
  system: 'http://dicom.nema.org/resources/ontology/DCM',
  code: '110150',
  display: 'Application',
};
const HUMAN_USER: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
  code: 'humanuser',
  display: 'human user',
};
const APPLICATION_SERVER: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  code: '4',
  display: 'Application Server',
};
/** AuditEvent.agent.network.type `2`: an IP address. */
const IP_ADDRESS = '2';
const REFERENCE = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/;
/** The types R4 allows in AuditEvent.agent.who. */
const AGENT_TYPES = new Set(['PractitionerRole', 'Practitioner', 'Organization', 'Device', 'Patient', 'RelatedPerson']);
type AgentWho = NonNullable<AuditEventAgent['who']>;
type EntityWhat = NonNullable<AuditEventEntity['what']>;

export interface AuditEventSource {
  /** AuditEvent.source.observer.display: which server recorded the event. */
  observer: string;
}

export const DEFAULT_SOURCE: AuditEventSource = { observer: 'patient-portal FHIR server' };

export type { AuditEventContext } from './audit-record.ts';

/**
 * The practices whose staff may read the event: the owner of the resource when the request
 * succeeded on one (the caller could reach it, so naming its owner discloses nothing to them);
 * otherwise the practices of a practitioner or backend client caller (their own staff's actions,
 * whatever the outcome: this never depends on data the caller could not see). A patient's, family
 * member's or anonymous request that reached no single resource concerns no practice we can name:
 * only the operators (unscoped access) read it.
 */
export function concernedPractices(record: AuditRecord, context: AuditEventContext = record.context ?? {}): string[] {
  if (context.targetOwner) return [context.targetOwner];
  const staff = record.who?.kind === 'practitioner' || record.who?.kind === 'system';
  return staff ? [...new Set(record.who?.practices ?? [])].sort() : [];
}

export function toAuditEvent(
  record: AuditRecord,
  source: AuditEventSource = DEFAULT_SOURCE,
  context: AuditEventContext = record.context ?? {},
): AuditEvent {
  if (record.count !== undefined) return aggregateEvent(record, source);
  const subtype: Coding[] = [];
  if (record.interaction) subtype.push({ system: RESTFUL_INTERACTION_SYSTEM, code: record.interaction });
  if (record.operation)
    subtype.push({ system: OPERATION_SYSTEM, code: record.operation, display: `$${record.operation}` });
  const entity = [
    ...targetEntities(record),
    ...patientEntities(context.patients),
    ...requestIdEntities(record.requestId),
  ];
  const owners = concernedPractices(record, context);
  return {
    resourceType: 'AuditEvent',
    ...(owners.length ? { meta: { tag: owners.map((code) => ({ system: OWNER_SYSTEM, code })) } } : {}),
    type: AUDIT_EVENT_TYPE,
    ...(subtype.length ? { subtype } : {}),
    action: record.action,
    recorded: record.at,
    outcome: outcomeOf(record.outcome),
    outcomeDesc: `HTTP ${record.outcome}${record.aborted ? ' (the client closed the connection first)' : ''}`,
    agent: agentsOf(record),
    source: { observer: { display: source.observer }, type: [APPLICATION_SERVER] },
    ...(entity.length ? { entity } : {}),
  };
}

/** The description of an aggregate's entity (audit-aggregates.ts). */
export const AGGREGATE_DESCRIPTION =
  'requests counted together: without a valid token, or throttled (429), per minute, address, status and caller';
/** `entity.detail.type` of the number of requests an aggregate counts. */
export const AGGREGATE_COUNT = 'requests';

/**
 * Requests counted together (audit-aggregates.ts): no subtype, target, query or request id; the
 * caller (anonymous unless a valid token was throttled) and address as usual; `period` from the
 * first to the last request; the count in `entity.detail` and `outcomeDesc`.
 */
function aggregateEvent(record: AuditRecord, source: AuditEventSource): AuditEvent {
  const owners = concernedPractices(record);
  const count = record.count ?? 0;
  return {
    resourceType: 'AuditEvent',
    ...(owners.length ? { meta: { tag: owners.map((code) => ({ system: OWNER_SYSTEM, code })) } } : {}),
    type: AUDIT_EVENT_TYPE,
    action: 'E',
    period: { start: record.firstAt ?? record.at, end: record.at },
    recorded: record.at,
    outcome: outcomeOf(record.outcome),
    outcomeDesc: `HTTP ${record.outcome}, ${count} request${count === 1 ? '' : 's'}${record.ip ? '' : ' from addresses not counted one by one'}`,
    agent: agentsOf(record),
    source: { observer: { display: source.observer }, type: [APPLICATION_SERVER] },
    entity: [{ description: AGGREGATE_DESCRIPTION, detail: [{ type: AGGREGATE_COUNT, valueString: String(count) }] }],
  };
}

/**
 * 0 success (1xx-3xx), 4 minor failure (the client's: 4xx, and 499 for a client that went away),
 * 8 serious failure (the server's: 5xx). 12 (major failure) is never used: HTTP has no status worse
 * than a 5xx, and a request that never got one is not audited by a response listener anyway.
 */
export function outcomeOf(status: number): AuditEvent['outcome'] {
  if (status >= 500) return '8';
  return status >= 400 ? '4' : '0';
}

function agentsOf(record: AuditRecord): AuditEventAgent[] {
  const network = nonEmpty(record.ip) ? { network: { address: record.ip, type: IP_ADDRESS } as const } : {};
  if (!record.who) {
    return [{ role: [kindRole('anonymous')], who: { display: 'anonymous' }, requestor: true, ...network }];
  }
  return [userAgent(record.who, network), appAgent(record.who.clientId)];
}

/** The requestor: the user (their fhirUser) or, for a backend client, the client itself. */
function userAgent(who: AuditWho, network: Pick<AuditEventAgent, 'network'>): AuditEventAgent {
  return {
    type: { coding: [who.kind === 'system' || (!who.kind && !who.fhirUser) ? APPLICATION : HUMAN_USER] },
    role: [kindRole(who.kind ?? 'unresolved')],
    who: userReference(who),
    ...(nonEmpty(who.subject) ? { altId: who.subject } : {}),
    requestor: true,
    ...network,
  };
}

/** The app the call came through (for a backend client the same client as the requestor). */
function appAgent(clientId: string): AuditEventAgent {
  return { type: { coding: [APPLICATION] }, who: clientReference(clientId), requestor: false };
}

/** `Practitioner/…` or `RelatedPerson/…` as a reference; a `Person/…` (not allowed there in R4) as an identifier. */
function userReference(who: AuditWho): AgentWho {
  const fhirUser = who.fhirUser;
  if (!fhirUser || !REFERENCE.test(fhirUser)) return clientReference(who.clientId);
  const type = fhirUser.split('/')[0] as string;
  return AGENT_TYPES.has(type)
    ? { reference: fhirUser }
    : { identifier: { system: FHIR_USER_SYSTEM, value: fhirUser }, display: fhirUser };
}

function clientReference(clientId: string): AgentWho {
  return nonEmpty(clientId)
    ? { identifier: { system: CLIENT_ID_SYSTEM, value: clientId }, display: clientId }
    : { display: 'unknown client' };
}

function kindRole(kind: string): { coding: Coding[] } {
  return { coding: [{ system: PRINCIPAL_KIND_SYSTEM, code: kind }] };
}

/** The resource (`what`) or type acted on, with the query (base64) of a search or conditional request. */
function targetEntities(record: AuditRecord): AuditEventEntity[] {
  const query = nonEmpty(record.query) ? { query: Buffer.from(record.query, 'utf8').toString('base64') } : {};
  const cut =
    nonEmpty(record.query) && record.queryTruncated ? { description: 'query cut at its first 2048 characters' } : {};
  const entity = record.entity ?? '';
  const type = entity.split('/')[0] as string;
  const typed = /^[A-Z][A-Za-z]{1,63}$/.test(type) ? { type: { system: RESOURCE_TYPES_SYSTEM, code: type } } : {};
  const what = REFERENCE.test(entity) ? { what: { reference: entity } as EntityWhat } : {};
  const result: AuditEventEntity = { ...what, ...typed, ...query, ...cut };
  return Object.keys(result).length ? [result] : [];
}

/** BALP's patient entity, one per patient whose compartment the target is in. */
function patientEntities(patients: string[] | undefined): AuditEventEntity[] {
  return [...new Set(patients ?? [])]
    .filter((id) => REFERENCE.test(`Patient/${id}`))
    .sort()
    .map((id) => ({
      what: { reference: `Patient/${id}` } as EntityWhat,
      type: PATIENT_ENTITY_TYPE,
      role: PATIENT_ENTITY_ROLE,
    }));
}

function requestIdEntities(requestId: string | undefined): AuditEventEntity[] {
  return nonEmpty(requestId) ? [{ what: { identifier: { value: requestId } }, type: REQUEST_ID_ENTITY }] : [];
}

/** FHIR strings may not be empty (nor whitespace only): such values are left out. */
function nonEmpty(value: string | undefined): value is string {
  return typeof value === 'string' && value.trim() !== '';
}
