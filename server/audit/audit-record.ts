import type { PrincipalKind } from '../access/principal.ts';

/**
 * One audited FHIR request, as the middleware sees it when the response is done. It is plain data
 * (cheap to queue on the request path); audit-event.ts turns it into an AuditEvent when the trail
 * writes its batch.
 */
export interface AuditRecord {
  /** When the response finished (an ISO 8601 instant). */
  at: string;
  /** FHIR AuditEvent.action: Create, Read, Update, Delete, Execute (searches, operations, Bundles). */
  action: AuditAction;
  /** The FHIR restful interaction; absent for a request no route serves (e.g. `POST /Patient/1`). */
  interaction?: RestfulInteraction;
  /** The operation name without `$` when `interaction` is `operation` (e.g. `everything`). */
  operation?: string;
  /** The HTTP status answered (499 when the client closed the connection before a status was sent). */
  outcome: number;
  /** True when the client closed the connection before the response was complete. */
  aborted?: boolean;
  /** Who called; absent for an anonymous caller and for any request answered 401. */
  who?: AuditWho;
  /** The peer address of the connection (trust proxy is off: never a forwarded header). */
  ip?: string;
  /** The request id pino-http assigned (also in the log line and the X-Request-Id header). */
  requestId?: string;
  /** `Type/id` for instance interactions and creates, `Type` for type-level ones, absent at system level. */
  entity?: string;
  /**
   * The query string (search parameters, conditional criteria; a form-encoded `_search` body is
   * appended), undecoded, cut at QUERY_LIMIT characters. Kept verbatim although it may hold patient
   * data (a name, a birth date): "what did they look for" is what an access review asks, and an
   * AuditEvent is protected like the records it is about (README: "What is recorded").
   */
  query?: string;
  /** True when `query` was cut at QUERY_LIMIT characters. */
  queryTruncated?: boolean;
  /**
   * For an aggregate (audit-aggregates.ts): how many requests it counts; `firstAt` is the first of
   * them and `at` the last. An aggregate names no target, query or request id.
   */
  count?: number;
  firstAt?: string;
  /**
   * The owner and patients of the one resource a successful instance-level request (or a create)
   * acted on, as the request resolved it (the middleware derives them from the resource the FHIR
   * handler left on the exchange). Absent when the request reached no single resource, or when
   * its handler left none (the console's /api/ routes): the trail then reads the target itself
   * (audit-targets.ts).
   */
  context?: AuditEventContext;
}

/** What an AuditEvent says about the resource a request acted on (audit-event.ts#concernedPractices). */
export interface AuditEventContext {
  /**
   * The owning practice (Organization id) of the one resource a successful instance-level request
   * (or a create) acted on; undefined otherwise.
   */
  targetOwner?: string;
  /** Patient ids whose compartment that resource is in (a Patient is in its own). */
  patients?: string[];
}

/** Longest query kept (characters); longer ones are cut and marked. */
export const QUERY_LIMIT = 2048;

export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** http://hl7.org/fhir/restful-interaction codes the FHIR endpoint can be asked for. */
export type RestfulInteraction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'create'
  | 'search-type'
  | 'search-system'
  | 'batch'
  | 'transaction'
  | 'operation';

/**
 * The caller, from the request's Principal (server/access/principal.ts), or from its TokenGrant alone
 * when the request ended before the router resolved a Principal (406, an unrouted path, an error
 * resolving entitlements): `kind` and `practices` are unknown then.
 */
export interface AuditWho {
  /** The account id, or the client id for a backend client. */
  subject: string;
  kind?: PrincipalKind;
  /**
   * Principal.practices of a practitioner or backend client: the practices whose staff may read the
   * events of this caller's requests that name no resource they could reach (README: "Who can read").
   */
  practices?: string[];
  /** `Practitioner/…`, `Person/…` or `RelatedPerson/…`; absent for a backend client. */
  fhirUser?: string;
  /** The app (OAuth client) the call came through. */
  clientId: string;
}

/**
 * The AuditEvent.action of an interaction. Searches, history lists, operations and Bundles are
 * Execute ("performing a query/search operation", as IHE BALP records them); reads of one
 * resource or its history are Read. A request no route serves is Execute too (an attempt).
 */
export function actionOf(interaction: RestfulInteraction | undefined): AuditAction {
  switch (interaction) {
    case 'create':
      return 'C';
    case 'read':
    case 'vread':
    case 'history-instance':
      return 'R';
    case 'update':
    case 'patch':
      return 'U';
    case 'delete':
      return 'D';
    default:
      return 'E';
  }
}
