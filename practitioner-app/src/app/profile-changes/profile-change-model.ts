import { HttpErrorResponse } from '@angular/common/http';
import type { CodeableConcept, ContactPoint, HumanName, Patient, Resource } from '@web-shared/fhir';
import { errorMessages } from '@web-shared/fhir';
import { contactPointText, formatFhirDate, spokenName } from '../patients/chart/chart-model';
import { INBOX_SYSTEM } from '../patients/chart/chart-types';

/**
 * Patients' changes to their practice's record, as the console reads them (issue #13,
 * docs/decisions/0028-patient-updates.md): in `notify` mode the changed version carries the inbox mark
 * `inbox|patient-update` until staff add `inbox|reviewed`, and old → new is read from the record's
 * history; in `review` mode a change is a `patient-update` Task, one input per field (the proposed
 * value as JSON), decided with `POST Task/[id]/$decide`. Pure functions: no HTTP here.
 */
export const PATIENT_UPDATE_MARK = { system: INBOX_SYSTEM, code: 'patient-update' } as const;
export const REVIEWED_MARK = { system: INBOX_SYSTEM, code: 'reviewed' } as const;
export const PROPOSAL_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/portal-task';
export const PROPOSAL_CODE = 'patient-update';
export const FIELD_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/patient-update-field';
export const BASE_VERSION = 'base-version';

/** The fields a patient may change (server/access/patient-updates.ts PATIENT_FIELDS), in the order shown. */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  name: 'Name',
  telecom: 'Phones and e-mail',
  address: 'Address',
  gender: 'Gender',
  birthDate: 'Birth date',
  contact: 'Emergency contacts',
  maritalStatus: 'Marital status',
  communication: 'Languages',
  photo: 'Photo',
};

/** One field's change, as shown: "Phones and e-mail: mobile phone: 0400… → mobile phone: 0411…". */
export interface FieldChange {
  field: string;
  label: string;
  before: string;
  after: string;
}

/** A patient's proposed update (a `patient-update` Task) as the console reads it. */
export interface ProposalTask extends Resource {
  resourceType: 'Task';
  status?: string;
  code?: CodeableConcept;
  for?: { reference?: string; display?: string };
  authoredOn?: string;
  input?: { type?: CodeableConcept; valueString?: string }[];
}

export type FieldDecision = 'accept' | 'reject';

/** A Patient with the fields a patient changes that the shared type does not name. */
type PatientFields = Patient & Record<string, unknown>;

interface Address {
  use?: string;
  line?: string[];
  city?: string;
  district?: string;
  state?: string;
  postalCode?: string;
  country?: string;
  text?: string;
}

interface Contact {
  relationship?: CodeableConcept[];
  name?: HumanName;
  telecom?: ContactPoint[];
}

export function fieldLabel(field: string): string {
  return FIELD_LABELS[field] ?? field;
}

const hasMark = (patient: Patient, code: string): boolean =>
  (patient.meta?.tag ?? []).some((t) => t.system === INBOX_SYSTEM && t.code === code);

/** A version written by the patient and not yet reviewed: the mark, without `reviewed`. */
export function isUnreviewedChange(patient: Patient): boolean {
  return hasMark(patient, PATIENT_UPDATE_MARK.code) && !hasMark(patient, REVIEWED_MARK.code);
}

/** The record as read with the `reviewed` mark added (every other tag kept), for the PUT with If-Match. */
export function withReviewedMark(patient: Patient & { id: string }): Patient & { id: string } {
  const others = (patient.meta?.tag ?? []).filter(
    (t) => !(t.system === REVIEWED_MARK.system && t.code === REVIEWED_MARK.code),
  );
  return { ...patient, meta: { ...patient.meta, tag: [...others, { ...REVIEWED_MARK }] } };
}

/** A field's value in words; "None" when empty. */
export function fieldText(field: string, value: unknown): string {
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) return 'None';
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  const join = (parts: string[]) => parts.filter(Boolean).join('; ') || 'None';
  switch (field) {
    case 'name':
      return join(list.map((n) => spokenName(n as HumanName)));
    case 'telecom':
      return join(list.map((p) => contactPointText(p as ContactPoint)));
    case 'address':
      return join(list.map((a) => addressText(a as Address)));
    case 'gender':
      return typeof value === 'string' ? value.charAt(0).toUpperCase() + value.slice(1) : JSON.stringify(value);
    case 'birthDate':
      return typeof value === 'string' ? formatFhirDate(value) : JSON.stringify(value);
    case 'contact':
      return join(list.map((c) => contactText(c as Contact)));
    case 'maritalStatus':
      return join(list.map((c) => conceptText(c as CodeableConcept)));
    case 'communication':
      return join(list.map((c) => conceptText((c as { language?: CodeableConcept }).language)));
    case 'photo':
      return list.length === 1 ? '1 photo' : `${list.length} photos`;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

function addressText(address: Address): string {
  const parts = [...(address.line ?? []), address.city, address.district, address.state, address.postalCode];
  const text = [...parts, address.country].filter(Boolean).join(', ') || address.text || '';
  return address.use && text ? `${address.use}: ${text}` : text;
}

function conceptText(concept: CodeableConcept | undefined): string {
  return concept?.text || concept?.coding?.find((c) => c.display)?.display || concept?.coding?.[0]?.code || '';
}

/** "James Smith (Emergency Contact), phone: 0412…". */
function contactText(contact: Contact): string {
  const relationship = (contact.relationship ?? []).map(conceptText).filter(Boolean).join(', ');
  const who = [spokenName(contact.name) || 'Unnamed', relationship ? `(${relationship})` : ''].filter(Boolean);
  return [who.join(' '), ...(contact.telecom ?? []).map(contactPointText)].join(', ');
}

/** The patient-changeable fields that differ between two versions, each old → new in words. */
export function diffPatients(before: Patient | undefined, after: Patient): FieldChange[] {
  const b = (before ?? {}) as PatientFields;
  const a = after as PatientFields;
  return Object.keys(FIELD_LABELS)
    .filter((field) => JSON.stringify(b[field] ?? null) !== JSON.stringify(a[field] ?? null))
    .map((field) => ({
      field,
      label: fieldLabel(field),
      before: fieldText(field, b[field]),
      after: fieldText(field, a[field]),
    }));
}

/** The newest patient-made change found in a record's history (newest version first). */
export interface PatientChange {
  /** The newest version the patient wrote. */
  version: Patient;
  /** When the patient wrote it (`meta.lastUpdated`). */
  when: string | undefined;
  /** Old → new against the version before the patient's consecutive writes (all of them at once). */
  changes: FieldChange[];
  /**
   * False when the version before the patient's writes is not in the history read (more writes in a
   * row than one page of history): the changes are then against the oldest version read.
   */
  complete: boolean;
  /** True when staff have marked it reviewed since (the newest version carries `reviewed`). */
  reviewed: boolean;
}

/**
 * The newest patient change in a record's history, newest version first as `_history` answers:
 * the newest version carrying `patient-update` without `reviewed`, compared with the version before
 * the run of such versions it belongs to (so two writes in a row show as one change since the
 * practice last saw the record). A version carrying both marks (a "Mark reviewed") ends a run.
 */
export function latestPatientChange(history: Patient[]): PatientChange | undefined {
  const start = history.findIndex(isUnreviewedChange);
  if (start < 0) return undefined;
  let end = start;
  while (end + 1 < history.length && isUnreviewedChange(history[end + 1]!)) end++;
  const version = history[start]!;
  const previous = history[end + 1];
  return {
    version,
    when: version.meta?.lastUpdated,
    changes: diffPatients(previous ?? (end > start ? history[end] : undefined), version),
    complete: previous !== undefined,
    reviewed: start > 0 && history.slice(0, start).some((v) => hasMark(v, REVIEWED_MARK.code)),
  };
}

/** True for a Task with the `patient-update` code. */
export function isProposal(task: ProposalTask): boolean {
  return (task.code?.coding ?? []).some((c) => c.system === PROPOSAL_SYSTEM && c.code === PROPOSAL_CODE);
}

/** The id of the Patient a proposal is for (`for: Patient/{id}`). */
export function proposalPatientId(task: ProposalTask): string | undefined {
  return /^Patient\/([^/]+)$/.exec(task.for?.reference ?? '')?.[1];
}

/** One proposed field: its value in the record now → the proposed value. */
export interface ProposedField extends FieldChange {
  /** The proposed value is not readable JSON: shown as sent, and best rejected. */
  unreadable: boolean;
}

/** A proposal's fields (the `base-version` input left out), against the record as it is now. */
export function proposedFields(task: ProposalTask, current: Patient | undefined): ProposedField[] {
  const record = (current ?? {}) as PatientFields;
  const rows: ProposedField[] = [];
  for (const input of task.input ?? []) {
    const field = input.type?.coding?.find((c) => c.system === FIELD_SYSTEM)?.code;
    if (!field || field === BASE_VERSION || typeof input.valueString !== 'string') continue;
    let after: string;
    let unreadable = false;
    try {
      after = fieldText(field, JSON.parse(input.valueString) as unknown);
    } catch {
      after = input.valueString;
      unreadable = true;
    }
    rows.push({
      field,
      label: fieldLabel(field),
      before: current ? fieldText(field, record[field]) : '—',
      after,
      unreadable,
    });
  }
  return rows;
}

/** The `$decide` body: one `accept` or `reject` (valueCode: the field) per field, in the order given. */
export function decideParameters(decisions: ReadonlyArray<[field: string, decision: FieldDecision]>): {
  resourceType: 'Parameters';
  parameter: { name: FieldDecision; valueCode: string }[];
} {
  return {
    resourceType: 'Parameters',
    parameter: decisions.map(([field, decision]) => ({ name: decision, valueCode: field })),
  };
}

/**
 * Why `$decide` failed, in words. 409 naming fields (`Patient.telecom`): the practice changed them
 * since the patient proposed this, said with the fields' labels; 409 otherwise (already decided)
 * and 400/403: the OperationOutcome's words.
 */
export function decideErrorMessages(error: unknown): string[] {
  if (error instanceof HttpErrorResponse && error.status === 409) {
    const text = errorMessages(error).join(' ');
    const fields = [...new Set([...text.matchAll(/Patient\.([A-Za-z]+)/g)].map((m) => m[1]!))];
    if (fields.length > 0) {
      const labels = fields.map(fieldLabel).join(', ');
      const it = fields.length === 1 ? 'it' : 'them';
      return [`The practice changed ${labels} since the patient proposed this; reject ${it} or ask the patient.`];
    }
  }
  return errorMessages(error);
}
