import type { Organization } from '@medplum/fhirtypes';
import type { SearchFilter } from '../fhir/search/search-request.ts';
import { CATEGORY_TYPES, CLINICAL_TYPES, SHARING_CATEGORIES } from '../fhir/record-categories.ts';
import type { SharingCategory } from '../fhir/record-categories.ts';
import { OWNER_SYSTEM } from './access-index.ts';

/**
 * What a practice shares of a patient's clinical record with the patient, and a practitioner's
 * notes with colleagues (issue #12, docs/decisions/0023-record-sharing.md). Everything here becomes
 * filters on index rows, ANDed into the access rules of access-policy.ts, so it holds inside every
 * query (read, search, _include, $everything, history, Binary) like every other access rule.
 *
 * Marks, in `meta.tag` (indexed as `_tag` rows):
 * - `record-sharing|patient`: shared with the patient (and so with the family members and
 *   patient-facing apps acting for them); `record-sharing|colleagues`: a note shared with the
 *   author's colleagues. Only the `$share` / `$unshare` operations change them (they record who did
 *   it, when and what in a Provenance); ordinary writes keep the current version's marks.
 * - `record-origin|patient`: written by the patient or a family member (their uploads, answers,
 *   device data). The server sets it on their creates and keeps it; nobody else sets or removes it.
 *
 * Practice settings, extensions on the practice's Organization (fhir-profiles/):
 * - `record-sharing-default` (code, repeating): the categories shared with patients by default;
 *   absent: none. A default never covers an item labelled confidentiality R or V. The categories
 *   and their types: fhir/record-categories.ts.
 * - `note-sharing` (boolean): practitioners may share their notes with colleagues; absent: false.
 * Only the practice's administrators change them, and malformed values are refused
 * (practice-settings.ts, grants/organization-rule.ts, decision 0026).
 */
export const SHARING_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/record-sharing';
export const ORIGIN_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/record-origin';
/**
 * The practice's inbox of what patients submitted: `inbox|reviewed` marks an item a practitioner has
 * looked at. Staff set and remove it; a patient's write removes it (the item changed: the practice
 * looks again) and can never set it. "New from patients" is
 * `DocumentReference?_tag=record-origin|patient&_tag:not=inbox|reviewed`.
 */
export const INBOX_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/inbox';
export const SHARING_DEFAULT_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/record-sharing-default';
export const NOTE_SHARING_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/note-sharing';

export type Audience = 'patient' | 'colleagues';

/** US Core's DocumentReference category for clinical notes: what makes a DocumentReference a note. */
export const NOTE_CATEGORY = {
  system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
  code: 'clinical-note',
} as const;

const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** A practice's sharing settings, read from its Organization. */
export interface PracticeSharing {
  /** Categories shared with patients by default. */
  defaults: SharingCategory[];
  /** Practitioners may share their notes with colleagues. */
  noteSharing: boolean;
}

export function practiceSharing(practice: Organization | undefined): PracticeSharing {
  const extensions = practice?.extension ?? [];
  const defaults = extensions
    .filter((e) => e.url === SHARING_DEFAULT_URL)
    .map((e) => e.valueCode)
    .filter((code): code is SharingCategory => typeof code === 'string' && Object.hasOwn(CATEGORY_TYPES, code));
  const noteSharing = extensions.find((e) => e.url === NOTE_SHARING_URL)?.valueBoolean === true;
  return { defaults: [...new Set(defaults)], noteSharing };
}

export function isClinicalType(type: string): boolean {
  return CLINICAL_TYPES.has(type);
}

/** Whether a type holds practitioners' notes (the note-sharing rules apply to it). */
export function hasNotes(type: string): boolean {
  return type === 'DocumentReference';
}

// ---------------------------------------------------------------------------------------------
// Filters

const tag = (system: string, code: string): SearchFilter => ({ kind: 'token', param: '_tag', any: [{ system, code }] });
const isNote: SearchFilter = { kind: 'token', param: 'category', any: [{ ...NOTE_CATEGORY }] };
const ownedBy = (practices: string[]): SearchFilter => ({
  kind: 'token',
  param: '_tag',
  any: practices.map((code) => ({ system: OWNER_SYSTEM, code })),
});
const restricted: SearchFilter = {
  kind: 'token',
  param: '_security',
  any: [
    { system: CONFIDENTIALITY, code: 'R' },
    { system: CONFIDENTIALITY, code: 'V' },
  ],
};

export const SHARED_WITH_PATIENT = tag(SHARING_SYSTEM, 'patient');
export const SHARED_WITH_COLLEAGUES = tag(SHARING_SYSTEM, 'colleagues');
export const FROM_PATIENT = tag(ORIGIN_SYSTEM, 'patient');

/**
 * What a patient (or a family member, or a patient-facing app) may read of a clinical type, on top
 * of the compartment rule: items shared with them, items they submitted, and items a practice's
 * default covers (its own items of a category it shares by default, unless labelled R or V).
 */
export function patientReadable(type: string, sharing: Readonly<Record<string, PracticeSharing>>): SearchFilter {
  const alternatives: SearchFilter[] = [SHARED_WITH_PATIENT, FROM_PATIENT];
  const byDefault = defaultCovered(type, sharing);
  if (byDefault) alternatives.push({ kind: 'and', filters: [byDefault, { kind: 'not', filter: restricted }] });
  return { kind: 'or', filters: alternatives };
}

/** Items of `type` some practice's default covers, by practice; undefined when none does. */
function defaultCovered(type: string, sharing: Readonly<Record<string, PracticeSharing>>): SearchFilter | undefined {
  const covering = (category: SharingCategory) =>
    Object.entries(sharing)
      .filter(
        ([, s]) => s.defaults.includes(category) && (CATEGORY_TYPES[category] as readonly string[]).includes(type),
      )
      .map(([practice]) => practice);
  if (!hasNotes(type)) {
    const practices = unique(SHARING_CATEGORIES.flatMap(covering));
    return practices.length ? ownedBy(practices) : undefined;
  }
  // DocumentReference: notes by the `notes` default, other documents by the `documents` one.
  const parts: SearchFilter[] = [];
  const notes = covering('notes');
  const documents = covering('documents');
  if (notes.length) parts.push({ kind: 'and', filters: [ownedBy(notes), isNote] });
  if (documents.length) parts.push({ kind: 'and', filters: [ownedBy(documents), { kind: 'not', filter: isNote }] });
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { kind: 'or', filters: parts };
}

/** What a patient or family member may change or delete of a clinical type: only what they submitted. */
export function patientWritable(): SearchFilter {
  return FROM_PATIENT;
}

/**
 * What a practitioner may read of a type with notes, on top of their practices' rule: anything that
 * is not a note; their own notes; a colleague's note shared with colleagues in a practice that
 * enables note sharing. `practitioner`: their Practitioner id.
 */
export function practitionerNotesReadable(
  practitioner: string | undefined,
  sharing: Readonly<Record<string, PracticeSharing>>,
): SearchFilter {
  const alternatives: SearchFilter[] = [{ kind: 'not', filter: isNote }];
  if (practitioner) alternatives.push(authoredBy(practitioner));
  const enabled = Object.entries(sharing)
    .filter(([, s]) => s.noteSharing)
    .map(([practice]) => practice);
  if (enabled.length) alternatives.push({ kind: 'and', filters: [ownedBy(enabled), SHARED_WITH_COLLEAGUES] });
  return { kind: 'or', filters: alternatives };
}

/** What a practitioner may create, change or delete of a type with notes: anything but others' notes. */
export function practitionerNotesWritable(practitioner: string | undefined): SearchFilter {
  const alternatives: SearchFilter[] = [{ kind: 'not', filter: isNote }];
  if (practitioner) alternatives.push(authoredBy(practitioner));
  return alternatives.length === 1 ? (alternatives[0] as SearchFilter) : { kind: 'or', filters: alternatives };
}

function authoredBy(practitioner: string): SearchFilter {
  return { kind: 'reference', param: 'author', any: [{ target: `Practitioner/${practitioner}` }] };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
