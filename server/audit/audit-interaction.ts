import type { RestfulInteraction } from './audit-record.ts';

/**
 * What a FHIR request was asked to do, read from its method and path (relative to the FHIR base),
 * independently of the route table: requests no route serves are audited too (as attempts).
 */
export interface AuditTarget {
  interaction?: RestfulInteraction;
  /** The operation name without `$`. */
  operation?: string;
  /** `Type/id`, `Type`, or absent at system level (or when the path does not name a valid one). */
  entity?: string;
}

export interface RequestFacts {
  method: string;
  /** The path below the FHIR base, e.g. `/Patient/123/_history/2`. */
  path: string;
  /** For `POST /`: Bundle.type of the body, when it could be read. */
  bundleType?: string;
  /** The Location header of the response (a create's new `Type/id`). */
  location?: string;
}

const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const OPERATION = /^\$([A-Za-z][A-Za-z0-9\-_]{0,63})$/;

/** /metadata is not audited: the CapabilityStatement is public and says nothing about anyone. */
export function isAudited(method: string, path: string): boolean {
  return !(isRead(method) && /^\/metadata\/?$/.test(path));
}

export function auditTarget(facts: RequestFacts): AuditTarget {
  const segments = facts.path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
  const method = isRead(facts.method) ? 'GET' : facts.method.toUpperCase();
  switch (segments.length) {
    case 0:
      return systemLevel(method, facts.bundleType);
    case 1:
      return oneSegment(method, segments[0] as string, facts.location);
    case 2:
      return twoSegments(method, segments[0] as string, segments[1] as string);
    case 3:
      return threeSegments(method, segments[0] as string, segments[1] as string, segments[2] as string);
    case 4:
      return segments[2] === '_history' && method === 'GET'
        ? { interaction: 'vread', ...instance(segments[0] as string, segments[1] as string) }
        : {};
    default:
      return {};
  }
}

/**
 * The console's API (server/console-api/), below `/api`:
 * each call is an operation on the practice (Organization) or, for an EHR launch, on the patient.
 */
export function apiAuditTarget(facts: RequestFacts, body: unknown): AuditTarget {
  const segments = facts.path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeSegment);
  const method = isRead(facts.method) ? 'GET' : facts.method.toUpperCase();
  if (segments.length === 1 && segments[0] === 'ehr-launch' && method === 'POST') {
    const patient = (body as { patient?: unknown } | undefined)?.patient;
    return {
      interaction: 'operation',
      operation: 'ehr-launch',
      ...(typeof patient === 'string' && ID.test(patient) ? { entity: `Patient/${patient}` } : {}),
    };
  }
  const [practices, practice, collection] = segments;
  if (practices !== 'practices' || !practice || !ID.test(practice)) return {};
  const entity = `Organization/${practice}`;
  const operation =
    collection === 'apps' && segments.length === 3 && method === 'GET'
      ? 'list-apps'
      : collection === 'clients' && segments.length === 3 && method === 'GET'
        ? 'list-clients'
        : collection === 'clients' && segments.length === 3 && method === 'POST'
          ? 'register-client'
          : collection === 'clients' && segments.length === 4 && method === 'DELETE'
            ? 'remove-client'
            : undefined;
  return operation ? { interaction: 'operation', operation, entity } : { entity };
}

function systemLevel(method: string, bundleType: string | undefined): AuditTarget {
  if (method === 'POST') return { interaction: bundleType === 'transaction' ? 'transaction' : 'batch' };
  if (method === 'GET') return { interaction: 'search-system' };
  return {};
}

/** `/_history`, `/$op`, `/Type`. */
function oneSegment(method: string, segment: string, location: string | undefined): AuditTarget {
  if (segment === '_history') return method === 'GET' ? { interaction: 'history-system' } : {};
  const operation = OPERATION.exec(segment)?.[1];
  if (operation) return { interaction: 'operation', operation };
  const type = typeOf(segment);
  switch (method) {
    case 'GET':
      return { interaction: 'search-type', ...type };
    case 'POST':
      return { interaction: 'create', ...(createdEntity(segment, location) ?? type) };
    case 'PUT':
      return { interaction: 'update', ...type };
    case 'PATCH':
      return { interaction: 'patch', ...type };
    case 'DELETE':
      return { interaction: 'delete', ...type };
    default:
      return type;
  }
}

/** `/Type/_search`, `/Type/_history`, `/Type/$op`, `/Type/id`. */
function twoSegments(method: string, type: string, second: string): AuditTarget {
  if (second === '_search')
    return method === 'GET' || method === 'POST' ? { interaction: 'search-type', ...typeOf(type) } : typeOf(type);
  if (second === '_history') return method === 'GET' ? { interaction: 'history-type', ...typeOf(type) } : typeOf(type);
  const operation = OPERATION.exec(second)?.[1];
  if (operation) return { interaction: 'operation', operation, ...typeOf(type) };
  const target = instance(type, second);
  const interaction = ({ GET: 'read', PUT: 'update', PATCH: 'patch', DELETE: 'delete' } as const)[method as 'GET'];
  return interaction ? { interaction, ...target } : target;
}

/** `/Type/id/_history`, `/Type/id/$op`. */
function threeSegments(method: string, type: string, id: string, third: string): AuditTarget {
  if (third === '_history')
    return method === 'GET' ? { interaction: 'history-instance', ...instance(type, id) } : instance(type, id);
  const operation = OPERATION.exec(third)?.[1];
  if (operation) return { interaction: 'operation', operation, ...instance(type, id) };
  return instance(type, id);
}

function typeOf(type: string): { entity?: string } {
  return TYPE.test(type) ? { entity: type } : {};
}

/** `Type/id` when both are valid; `Type` when only the type is (the id is not recorded then). */
function instance(type: string, id: string): { entity?: string } {
  if (!TYPE.test(type)) return {};
  return { entity: ID.test(id) ? `${type}/${id}` : type };
}

/** The id a create chose, from its Location (`…/Type/id/_history/1`), when it is of this type. */
function createdEntity(type: string, location: string | undefined): { entity: string } | undefined {
  if (!location || !TYPE.test(type)) return undefined;
  const match = /\/([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?\/?$/.exec(
    location.split('?')[0] as string,
  );
  return match && match[1] === type ? { entity: `${type}/${match[2]}` } : undefined;
}

function isRead(method: string): boolean {
  return method.toUpperCase() === 'GET' || method.toUpperCase() === 'HEAD';
}

/** `%24everything` is `$everything`; a malformed escape stays as it was (and then matches nothing). */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
