import type { AuditEvent } from '@medplum/fhirtypes';
import { COMPARTMENT_PARAM } from './audit-marks.ts';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import { dateRange, normalizeString } from '../fhir/search/normalize.ts';

/**
 * The index rows of an AuditEvent the trail builds (audit-event.ts#toAuditEvent), computed directly
 * from the event instead of by evaluating every AuditEvent SearchParameter's FHIRPath expression:
 * that evaluation was ~20 % of the server's CPU under a read load (docs/benchmarks.md, profiles of
 * a read on main), for ~18 rows whose sources are a handful of known fields.
 *
 * The rows are the ones server/app.ts's indexer (access-index.ts#indexWithAccess: the FHIRPath
 * rows, the owner `_tag`, the `_compartment` rows) gives the same event, value for value:
 * audit-index-rows.test.ts compares the two over every shape the trail builds, so a change on
 * either side fails there. Only the shapes the trail builds are known here: an event with any
 * other element (or a reference that is not a plain `Type/id`) returns undefined, and the caller
 * indexes it the generic way. The parameters and where their values come from (R4 AuditEvent):
 *
 * | parameter | element | row |
 * | --- | --- | --- |
 * | `_tag` | meta.tag | token |
 * | action, outcome | action, outcome | token (code only) |
 * | type, subtype | type, subtype | token (system, code, display) |
 * | date | recorded | date range |
 * | agent, entity | agent.who, entity.what | reference, or `<param>:identifier` token |
 * | patient | agent.who, entity.what resolving to a Patient | reference |
 * | agent-role | agent.role (CodeableConcept) | token |
 * | altid | agent.altId | token (code only) |
 * | address | agent.network.address | string |
 * | entity-type, entity-role | entity.type, entity.role | token |
 * | `_compartment` | the `patient` references (the Patient CompartmentDefinition's AuditEvent param) | reference |
 *
 * source (source.observer), agent-name, entity-name, policy, site, `_profile`, `_security` and
 * `_source` have no value in the trail's events (the observer is a display only).
 */
export function auditEventRows(event: AuditEvent): IndexRow[] | undefined {
  if (!knownKeys(event, EVENT_KEYS) || !knownMeta(event.meta)) return undefined;
  const rows = new Rows();
  for (const tag of event.meta?.tag ?? []) if (!rows.coding('_tag', tag)) return undefined;
  if (!rows.code('action', event.action) || !rows.code('outcome', event.outcome)) return undefined;
  if (event.type !== undefined && !rows.coding('type', event.type)) return undefined;
  for (const subtype of event.subtype ?? []) if (!rows.coding('subtype', subtype)) return undefined;
  if (event.recorded !== undefined) {
    const range = typeof event.recorded === 'string' ? instantRange(event.recorded) : undefined;
    if (!range) return undefined;
    rows.push({ kind: 'date', param: 'date', low: range.low, high: range.high });
  }
  if (!knownSource(event.source)) return undefined;
  for (const agent of event.agent ?? []) if (!agentRows(agent, rows)) return undefined;
  for (const entity of event.entity ?? []) if (!entityRows(entity, rows)) return undefined;
  return rows.done();
}

const EVENT_KEYS = new Set([
  'resourceType',
  'id',
  'meta',
  'type',
  'subtype',
  'action',
  'period',
  'recorded',
  'outcome',
  'outcomeDesc',
  'agent',
  'source',
  'entity',
]);
const META_KEYS = new Set(['versionId', 'lastUpdated', 'tag']);
const AGENT_KEYS = new Set(['type', 'role', 'who', 'altId', 'requestor', 'network']);
const NETWORK_KEYS = new Set(['address', 'type']);
const ENTITY_KEYS = new Set(['what', 'type', 'role', 'query', 'description', 'detail']);
const SOURCE_KEYS = new Set(['observer', 'type']);
const OBSERVER_KEYS = new Set(['display']);
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const REFERENCE_KEYS = new Set(['reference', 'identifier', 'display']);
const IDENTIFIER_KEYS = new Set(['system', 'value']);
const CODING_KEYS = new Set(['system', 'code', 'display']);
const CODEABLE_KEYS = new Set(['coding', 'text']);
/** A relative reference as the trail writes them (audit-event.ts REFERENCE): indexed as it is. */
const REFERENCE = /^([A-Z][A-Za-z]{1,63})\/[A-Za-z0-9\-.]{1,64}$/;

type AgentOf = AuditEvent['agent'][number];
type EntityOf = NonNullable<AuditEvent['entity']>[number];
type Coding = { system?: unknown; code?: unknown; display?: unknown };

function agentRows(agent: AgentOf, rows: Rows): boolean {
  if (!knownKeys(agent, AGENT_KEYS)) return false;
  if (agent.who !== undefined && !rows.reference('agent', agent.who)) return false;
  for (const role of agent.role ?? []) if (!rows.codeableConcept('agent-role', role)) return false;
  if (agent.altId !== undefined && !rows.code('altid', agent.altId)) return false;
  const network = agent.network;
  if (network !== undefined) {
    if (!knownKeys(network, NETWORK_KEYS)) return false;
    if (network.address !== undefined && !rows.string('address', network.address)) return false;
  }
  return true;
}

function entityRows(entity: EntityOf, rows: Rows): boolean {
  if (!knownKeys(entity, ENTITY_KEYS)) return false;
  if (entity.what !== undefined && !rows.reference('entity', entity.what)) return false;
  if (entity.type !== undefined && !rows.coding('entity-type', entity.type)) return false;
  if (entity.role !== undefined && !rows.coding('entity-role', entity.role)) return false;
  return true;
}

/** source.observer as the trail writes it: a display, no reference or identifier (so no `source` row). */
function knownSource(source: AuditEvent['source'] | undefined): boolean {
  if (source === undefined) return true;
  if (!knownKeys(source, SOURCE_KEYS)) return false;
  const observer = source.observer;
  return observer === undefined || (knownKeys(observer, OBSERVER_KEYS) && typeof observer.display === 'string');
}

/**
 * `recorded` as normalize.ts#dateRange reads it. The trail's own instants (Date#toISOString:
 * millisecond precision, UTC) are their own range, [t, t]; only another form takes the general path.
 */
function instantRange(value: string): { low: string; high: string } | undefined {
  if (ISO_MILLIS.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms) && new Date(ms).toISOString() === value) return { low: value, high: value };
  }
  return dateRange(value);
}

function knownMeta(meta: AuditEvent['meta']): boolean {
  return meta === undefined || knownKeys(meta, META_KEYS);
}

function knownKeys(value: unknown, keys: ReadonlySet<string>): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const key in value) if (!keys.has(key)) return false;
  return true;
}

/**
 * The rows, de-duplicated as the generic indexer does (a second patient entity repeats the
 * entity-type and entity-role rows; a backend client is both agents), built with the same
 * normalisation as fhir/search/index-values.ts.
 */
class Rows {
  readonly #rows: IndexRow[] = [];
  readonly #patients: string[] = [];

  /** Adds `row` unless an equal one is there (a linear scan: ~20 rows, cheaper than hashing keys). */
  push(row: IndexRow): void {
    for (const other of this.#rows) if (sameRow(other, row)) return;
    this.#rows.push(row);
  }

  /** A `code` (or string) element indexed as a token without system (action, outcome, altid). */
  code(param: string, value: unknown): boolean {
    if (value === undefined) return true;
    if (typeof value !== 'string') return false;
    this.push({ kind: 'token', param, system: null, code: value, text: null });
    return true;
  }

  string(param: string, value: unknown): boolean {
    if (typeof value !== 'string') return false;
    if (value.trim()) this.push({ kind: 'string', param, value: normalizeString(value), exact: value });
    return true;
  }

  coding(param: string, coding: unknown): boolean {
    if (!knownKeys(coding, CODING_KEYS)) return false;
    const { system, code, display } = coding as Coding;
    this.#token(param, system, code, display);
    return true;
  }

  codeableConcept(param: string, concept: unknown): boolean {
    if (!knownKeys(concept, CODEABLE_KEYS)) return false;
    const { coding, text } = concept as { coding?: unknown; text?: unknown };
    if (coding !== undefined && !Array.isArray(coding)) return false;
    for (const c of (coding as unknown[] | undefined) ?? []) {
      if (!knownKeys(c, CODING_KEYS)) return false;
      const { system, code, display } = c as Coding;
      this.#token(param, system, code, text ?? display);
    }
    if (!(coding as unknown[] | undefined)?.length && text) this.#token(param, null, null, text);
    return true;
  }

  /** A Reference: `<param>:identifier` for its identifier, a reference row (and `patient`) for its reference. */
  reference(param: string, value: unknown): boolean {
    if (!knownKeys(value, REFERENCE_KEYS)) return false;
    const { reference, identifier } = value as { reference?: unknown; identifier?: unknown };
    if (identifier !== undefined) {
      if (!knownKeys(identifier, IDENTIFIER_KEYS)) return false;
      const { system, value: id } = identifier as { system?: unknown; value?: unknown };
      if ((system !== undefined && typeof system !== 'string') || (id !== undefined && typeof id !== 'string'))
        return false;
      if (id) this.push({ kind: 'token', param: `${param}:identifier`, system: system ?? null, code: id, text: null });
    }
    if (reference === undefined) return true;
    const match = typeof reference === 'string' ? REFERENCE.exec(reference) : null;
    if (!match) return false;
    const targetType = match[1] as string;
    this.push({ kind: 'reference', param, target: reference as string, targetType });
    // `patient`: AuditEvent.agent.who | AuditEvent.entity.what `.where(resolve() is Patient)`.
    if (targetType === 'Patient') {
      this.push({ kind: 'reference', param: 'patient', target: reference as string, targetType });
      this.#patients.push(reference as string);
    }
    return true;
  }

  /** index-values.ts#tokenRows for a Coding: the code as text, the display normalised. */
  #token(param: string, system: unknown, code: unknown, text: unknown): void {
    this.push({
      kind: 'token',
      param,
      system: typeof system === 'string' ? system : null,
      code: typeof code === 'string' || typeof code === 'boolean' || typeof code === 'number' ? String(code) : null,
      text: typeof text === 'string' ? normalizeString(text) : null,
    });
  }

  /** The rows, then the compartment rows (compartment-index.ts#compartmentRows: one per patient). */
  done(): IndexRow[] {
    const compartments = new Set(this.#patients);
    for (const target of compartments)
      this.#rows.push({ kind: 'reference', param: COMPARTMENT_PARAM, target, targetType: 'Patient' });
    return this.#rows;
  }
}

/** Field-by-field equality, as the generic indexer's de-duplication (JSON of the row) decides it. */
function sameRow(a: IndexRow, b: IndexRow): boolean {
  if (a.kind !== b.kind || a.param !== b.param) return false;
  switch (a.kind) {
    case 'token':
      return b.kind === 'token' && a.code === b.code && a.system === b.system && a.text === b.text;
    case 'reference':
      return b.kind === 'reference' && a.target === b.target && a.targetType === b.targetType;
    case 'string':
      return b.kind === 'string' && a.value === b.value && a.exact === b.exact;
    default:
      return JSON.stringify(a) === JSON.stringify(b);
  }
}
