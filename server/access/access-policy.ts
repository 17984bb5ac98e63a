import { FhirError, outcome } from '../fhir/outcomes.ts';
import { patientCompartmentParams } from '../fhir/definitions.ts';
import { parseFilter } from '../fhir/search/parse-filter.ts';
import type { AccessFilter, AccessRule, SearchFilter } from '../fhir/search/search-request.ts';
import type { AccessInteraction, AccessScope } from '../storage/access-scope.ts';
import { COMPARTMENT_PARAM } from '../fhir/search/compartment-index.ts';
import { CLINICAL_TYPES } from '../fhir/record-categories.ts';
import { DIRECTORY_LISTED, OWNER_SYSTEM } from './access-index.ts';
import type { Principal, ResourceScope } from './principal.ts';
import { prepareDelete, prepareWrite } from './write-checks.ts';
import { profileUpdateFor } from './profile-update.ts';
import { checkSharingChange, hasSharingMark, sharingProvenance } from './sharing-change.ts';
import { localId } from './grants/record-refs.ts';
import {
  hasNotes,
  isClinicalType,
  patientReadable,
  patientWritable,
  practitionerNotesReadable,
  practitionerNotesWritable,
} from './record-sharing.ts';
import type { Writer } from './write-checks.ts';

/**
 * Who may reach what (docs/security.md). A Principal's rights, narrowed by its token's scopes, become
 * one AccessRule per interaction; the repository applies it inside every storage query. Rights:
 *
 * - practitioners and backend clients: every resource their practices own; of a practitioner's
 *   colleagues' notes only those shared with colleagues where the practice enables note sharing,
 *   and no other's notes to change (record-sharing.ts);
 * - patients and family members: every resource in the compartments of the Patient records they may
 *   act for — of the clinical types only what is shared with them, what they submitted and what a
 *   practice shares by default (record-sharing.ts) — their own Person (read and, a patient, update: their
 *   profile), and their practices' reference data (schedules, slots, practitioners, questionnaires...),
 *   read-only;
 * - everyone, signed in or not: the public directory (listed practitioners, roles, practices,
 *   locations, services), read-only.
 *
 * Scopes then narrow: `patient/` scopes to the launch patient's compartment, `user/` scopes to the
 * user's rights, `system/` scopes to a backend client's practice; granular scopes add their query.
 */
export const DIRECTORY_TYPES = [
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'HealthcareService',
] as const;

/** What patients may read of their practices' data outside their own compartment. */
export const PRACTICE_REFERENCE_TYPES = [
  'Organization',
  'Practitioner',
  'PractitionerRole',
  'Location',
  'HealthcareService',
  'Endpoint',
  'Schedule',
  'Slot',
  'Questionnaire',
  'Medication',
  'Substance',
  'ValueSet',
  'CodeSystem',
] as const;

/**
 * Compartment types patients never see even when they are in them: a Group lists its other members;
 * an AuditEvent names the staff and apps who looked at the record (a practice answers a patient's
 * request for an access report itself); a Provenance records sharing changes of items the patient
 * may not see (record-sharing.ts).
 */
export const HIDDEN_FROM_PATIENTS = ['Group', 'AuditEvent', 'Provenance'] as const;

/**
 * Types only the server writes (server/audit): readable by the practice concerned, never created,
 * changed or deleted through the API, whatever the scopes, so that nobody edits the audit trail.
 */
export const SERVER_WRITTEN_TYPES = ['AuditEvent'] as const;

const READS: ReadonlySet<AccessInteraction> = new Set(['r', 's']);

export interface AccessPolicyOptions {
  /** The FHIR base URL (index rows store references relative to it). */
  fhirBaseUrl: string;
  /** The clock the grant rules judge terms by (role periods). */
  now?: () => Date;
}

/**
 * The principal's rule per interaction, each compiled on first use and kept: request-access.ts keeps
 * this with a cached principal, so the rules are compiled once per principal and scope set, not per
 * request. Depends on the principal and the options only (no clock, no per-request state).
 */
export function compileRules(
  principal: Principal,
  options: AccessPolicyOptions,
): (interaction: AccessInteraction) => AccessRule {
  const rules = new Map<AccessInteraction, AccessRule>();
  return (interaction) => {
    let r = rules.get(interaction);
    if (!r) rules.set(interaction, (r = ruleFor(principal, interaction, options)));
    return r;
  };
}

/** The scope of a caller with a valid token, for one request (`rule`: the principal's compiled rules). */
export function accessScopeFor(
  principal: Principal,
  options: AccessPolicyOptions,
  rule = compileRules(principal, options),
): AccessScope {
  // Patients seen readable by this caller during the request, with their owning practice: a
  // transaction about one patient checks that patient once, not once per entry. Only positive
  // answers are kept (a later entry may create a patient an earlier one refers to); a patient's
  // owner never changes (prepareWrite keeps it from the current version).
  const readablePatients = new Map<string, string | undefined>();
  return scopeOf({ principal, rule, options, readablePatients });
}

/** The scope of one writer; `$share`/`$unshare` derive one that may change exactly one sharing mark. */
function scopeOf(writer: Writer): AccessScope {
  return {
    rule: writer.rule,
    prepareWrite: (resource, current, lookup, defer) => prepareWrite(writer, resource, current, lookup, defer),
    prepareDelete: (current, lookup) => prepareDelete(writer, current, lookup),
    sharingChange: (current, audience, shared) => {
      const checked = checkSharingChange(writer.principal, current, audience);
      return {
        scope: scopeOf({ ...writer, sharing: { audience: checked, shared } }),
        isDone: (resource) => hasSharingMark(resource, checked) === shared,
        record: (written) =>
          sharingProvenance(writer.principal, written, checked, shared, writer.options.now?.() ?? new Date()),
      };
    },
    profileUpdate: (personId) => profileUpdateFor(writer.principal, personId),
  };
}

/** The scope of a request without a token: the public directory, read-only. */
export function publicScope(): AccessScope {
  const directory = rulesOf(Object.fromEntries(DIRECTORY_TYPES.map((t) => [t, listedFilter()])), 'none');
  const nothing = rulesOf({}, 'none');
  return {
    rule: (interaction) => (READS.has(interaction) ? directory : nothing),
    prepareWrite: async () => {
      throw new FhirError(401, outcome('login', 'Sign in to write'));
    },
    prepareDelete: async () => {
      throw new FhirError(401, outcome('login', 'Sign in to write'));
    },
  };
}

function rulesOf(types: Record<string, AccessFilter>, otherTypes: AccessFilter): AccessRule {
  return { types, otherTypes };
}

// ---------------------------------------------------------------------------------------------
// Rules

function ruleFor(principal: Principal, interaction: AccessInteraction, options: AccessPolicyOptions): AccessRule {
  const scopes = principal.scopes.filter((s) => s.interactions.includes(interaction) && scopeFits(principal, s));
  // Types whose filter differs from the generic one: named in a scope, or special for this principal.
  const special = new Set<string>([
    ...DIRECTORY_TYPES,
    ...PRACTICE_REFERENCE_TYPES,
    ...HIDDEN_FROM_PATIENTS,
    ...SERVER_WRITTEN_TYPES,
    ...CLINICAL_TYPES,
    'Person',
  ]);
  for (const s of scopes) if (s.resourceType !== '*') special.add(s.resourceType);
  const types: Record<string, AccessFilter> = {};
  for (const type of special) types[type] = filterFor(principal, interaction, type, scopes, options);
  // Every other type is treated as a compartment type (a type outside the Patient compartment has
  // no `_compartment` rows, so a compartment filter matches none of it).
  return rulesOf(types, filterFor(principal, interaction, ANY_OTHER_TYPE, scopes, options));
}

/** Stands for every type not listed in a rule; treated as a Patient-compartment type. */
const ANY_OTHER_TYPE = '*other*';

/** A `system/` scope only counts for a backend client, `user/` and `patient/` only for a user. */
function scopeFits(principal: Principal, scope: ResourceScope): boolean {
  return scope.context === 'system' ? principal.kind === 'system' : principal.kind !== 'system';
}

function filterFor(
  principal: Principal,
  interaction: AccessInteraction,
  type: string,
  scopes: ResourceScope[],
  options: AccessPolicyOptions,
): AccessFilter {
  const alternatives: SearchFilter[] = [];
  let all = false;
  for (const scope of scopes) {
    if (scope.resourceType !== '*' && scope.resourceType !== type) continue;
    const filter = scopeFilter(principal, interaction, type, scope, options);
    if (filter === 'none') continue;
    if (filter === 'all') all = true;
    else alternatives.push(filter);
  }
  // The public directory stays readable whatever the scopes.
  if (READS.has(interaction) && (DIRECTORY_TYPES as readonly string[]).includes(type))
    alternatives.push(listedFilter());
  if (all) return 'all';
  if (alternatives.length === 0) return 'none';
  return alternatives.length === 1 ? (alternatives[0] as SearchFilter) : { kind: 'or', filters: alternatives };
}

/** What one scope grants on `type`: the principal's rights, narrowed by the scope's context and query. */
function scopeFilter(
  principal: Principal,
  interaction: AccessInteraction,
  type: string,
  scope: ResourceScope,
  options: AccessPolicyOptions,
): AccessFilter {
  const rights = rightsFilter(principal, interaction, type);
  if (rights === 'none') return 'none';
  const parts: SearchFilter[] = rights === 'all' ? [] : [rights];
  if (scope.context === 'patient' && isCompartmentType(type)) {
    if (!principal.launchPatient) return 'none';
    parts.push(compartmentFilter([principal.launchPatient]));
  }
  if (scope.query !== undefined) {
    const granular = granularFilters(type, scope.query, options);
    if (!granular) return 'none';
    parts.push(...granular);
  }
  if (parts.length === 0) return 'all';
  return parts.length === 1 ? (parts[0] as SearchFilter) : { kind: 'and', filters: parts };
}

/** The principal's own rights on `type`, before any scope. */
function rightsFilter(principal: Principal, interaction: AccessInteraction, type: string): AccessFilter {
  if ((SERVER_WRITTEN_TYPES as readonly string[]).includes(type) && !READS.has(interaction)) return 'none';
  switch (principal.kind) {
    case 'system':
      return ownedBy(principal.practices);
    case 'practitioner': {
      const owned = ownedBy(principal.practices);
      if (owned === 'none' || owned === 'all' || !hasNotes(type)) return owned;
      const practitioner = localId(principal.fhirUser, 'Practitioner');
      const notes = READS.has(interaction)
        ? practitionerNotesReadable(practitioner, principal.sharing ?? {})
        : practitionerNotesWritable(practitioner);
      return { kind: 'and', filters: [owned, notes] };
    }
    case 'patient':
    case 'related-person': {
      if (type === 'Person') {
        const own = principal.fhirUser?.startsWith('Person/') ? principal.fhirUser.slice('Person/'.length) : undefined;
        // Their own Person is their profile (decision 0028): read, and update (grants/person-rule.ts keeps its links).
        return own && (READS.has(interaction) || interaction === 'u') ? { kind: 'id', ids: [own] } : 'none';
      }
      if ((HIDDEN_FROM_PATIENTS as readonly string[]).includes(type)) return 'none';
      // Reference data of their practices (a Schedule is in the compartment of its actor, yet a
      // patient booking an appointment must see the practitioner's schedules).
      const reference =
        READS.has(interaction) && (PRACTICE_REFERENCE_TYPES as readonly string[]).includes(type)
          ? ownedBy(principal.practices)
          : 'none';
      const own = isCompartmentType(type) && principal.patients.length ? compartmentFilter(principal.patients) : 'none';
      return anyOfFilters([sharedOf(principal, interaction, type, own), reference]);
    }
  }
}

/** Of a clinical type, a patient reads what is shared with them and changes only what they submitted. */
function sharedOf(principal: Principal, interaction: AccessInteraction, type: string, own: AccessFilter): AccessFilter {
  if (own === 'none' || own === 'all' || !isClinicalType(type)) return own;
  const sharing = READS.has(interaction) ? patientReadable(type, principal.sharing ?? {}) : patientWritable();
  return { kind: 'and', filters: [own, sharing] };
}

function anyOfFilters(filters: AccessFilter[]): AccessFilter {
  if (filters.includes('all')) return 'all';
  const real = filters.filter((f): f is SearchFilter => f !== 'none');
  if (real.length === 0) return 'none';
  return real.length === 1 ? (real[0] as SearchFilter) : { kind: 'or', filters: real };
}

function isCompartmentType(type: string): boolean {
  // Binary: in a patient's compartment through its securityContext (fhir/search/compartment-index.ts).
  return type === ANY_OTHER_TYPE || type === 'Patient' || type === 'Binary' || patientCompartmentParams().has(type);
}

function ownedBy(practices: string[]): AccessFilter {
  if (practices.length === 0) return 'none';
  return { kind: 'token', param: '_tag', any: practices.map((code) => ({ system: OWNER_SYSTEM, code })) };
}

function compartmentFilter(patients: string[]): SearchFilter {
  return { kind: 'reference', param: COMPARTMENT_PARAM, any: patients.map((id) => ({ target: `Patient/${id}` })) };
}

function listedFilter(): SearchFilter {
  return { kind: 'token', param: '_tag', any: [{ ...DIRECTORY_LISTED }] };
}

/**
 * A granular scope's query (`category=…|vital-signs`) as filters on `type`; undefined when it names
 * a parameter `type` does not have (the scope then grants nothing on it).
 */
function granularFilters(type: string, query: string, options: AccessPolicyOptions): SearchFilter[] | undefined {
  const filters: SearchFilter[] = [];
  for (const [key, value] of new URLSearchParams(query)) {
    if (key.startsWith('_') && key !== '_id' && key !== '_tag' && key !== '_profile' && key !== '_security')
      return undefined;
    const filter = parseFilter(type, key, value, { baseUrl: options.fhirBaseUrl, maxOrValues: 100, maxChainDepth: 1 });
    if (!filter) return undefined;
    filters.push(filter);
  }
  return filters;
}
