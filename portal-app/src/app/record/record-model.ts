import type {
  AllergyIntolerance,
  Attachment,
  CodeableConcept,
  DocumentReference,
  HumanName,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
} from '@web-shared/fhir';
import { dateSortKey } from './format-date';

/** The tag the server puts on every record naming the practice that owns it (code = Organization id). */
export const OWNING_PRACTICE_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice';
/** US Core's category that makes a DocumentReference a clinical note rather than a document. */
export const NOTE_CATEGORY_SYSTEM = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category';
export const NOTE_CATEGORY_CODE = 'clinical-note';

/** A file the patient can save: inline bytes (`data`, base64) or a Binary on the server. */
export interface RecordFile {
  title: string;
  contentType?: string;
  data?: string;
  binaryId?: string;
}

export interface NoteItem {
  id: string;
  date?: string;
  author?: string;
  title?: string;
  /** The note's text, decoded; plain text, shown as text (never as HTML). */
  text?: string;
  /** Anything of the note that is not plain text, offered as a download. */
  files: RecordFile[];
}

export interface DocumentItem {
  id: string;
  date?: string;
  description: string;
  author?: string;
  files: RecordFile[];
}

export interface ResultItem {
  id: string;
  name: string;
  value: string;
  date?: string;
}

export interface MedicationItem {
  id: string;
  name: string;
  dosage?: string;
  status?: string;
}

export interface AllergyItem {
  id: string;
  name: string;
  reactions: string[];
  highRisk: boolean;
}

export interface ImmunizationItem {
  id: string;
  name: string;
  date?: string;
}

/** What the server answered for one section: its items, or why they could not be loaded. */
export type SectionState<T> = { items: T[]; errors?: undefined } | { items?: undefined; errors: string[] };

export interface PracticeRecord {
  practiceId: string;
  practiceName: string;
  /** The patient's own Patient record(s) at this practice. */
  patientIds: string[];
  /** Whose record this is: the patient, or the person a family member acts for. */
  patientName: string;
  /** The account reaches several people's records: the heading names the person too. */
  severalPeople: boolean;
  notes: SectionState<NoteItem>;
  results: SectionState<ResultItem>;
  medications: SectionState<MedicationItem>;
  allergies: SectionState<AllergyItem>;
  immunizations: SectionState<ImmunizationItem>;
  documents: SectionState<DocumentItem>;
}

/** The practice owning a record, from its owner tag; undefined for an untagged one. */
export function owningPractice(resource: {
  meta?: { tag?: { system?: string; code?: string }[] };
}): string | undefined {
  return resource.meta?.tag?.find((t) => t.system === OWNING_PRACTICE_SYSTEM && t.code)?.code;
}

export interface PatientGroup {
  practiceId: string;
  patientIds: string[];
  patientName: string;
  severalPeople: boolean;
}

/**
 * One group per practice and person: a patient has one Patient record per practice that invited them,
 * so this is one group per practice. An account that reaches several people (a family member) gets a
 * group per person at each practice. Records without an owner tag are
 * grouped under practice id '' (the page names it "Your practice").
 */
export function groupPatients(patients: Patient[]): PatientGroup[] {
  const named = patients.filter((p): p is Patient & { id: string } => !!p.id);
  const people = new Set(named.map((p) => personName(p)));
  const groups = new Map<string, PatientGroup>();
  for (const patient of named) {
    const practiceId = owningPractice(patient) ?? '';
    const name = personName(patient);
    const key = people.size > 1 ? `${practiceId}\u0000${name}` : practiceId;
    const group = groups.get(key) ?? { practiceId, patientIds: [], patientName: name, severalPeople: people.size > 1 };
    group.patientIds.push(patient.id);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** "Olivia Smith": the name's text, else given names and family name. */
export function personName(patient: { name?: HumanName[] }): string {
  const name = patient.name?.find((n) => n.use === 'official') ?? patient.name?.[0];
  if (!name) return '';
  return name.text?.trim() || [...(name.given ?? []), name.family ?? ''].join(' ').trim();
}

/** A CodeableConcept for people: its text, else the first coding's display, else its code. */
export function conceptText(concept: CodeableConcept | undefined): string {
  if (!concept) return '';
  const coding = concept.coding ?? [];
  return concept.text?.trim() || coding.find((c) => c.display)?.display || coding.find((c) => c.code)?.code || '';
}

export function isNote(document: DocumentReference): boolean {
  return !!document.category?.some((c) =>
    c.coding?.some((coding) => coding.system === NOTE_CATEGORY_SYSTEM && coding.code === NOTE_CATEGORY_CODE),
  );
}

/**
 * Base64 → text, as UTF-8 ("é" is two bytes): atob alone gives one character per byte and would show
 * "Ã©". A value that is not valid base64 gives undefined, so the caller says it cannot be shown.
 */
export function decodeBase64Text(data: string): string | undefined {
  try {
    const bytes = Uint8Array.from(atob(data.replace(/\s/g, '')), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8').decode(bytes);
  } catch {
    return undefined;
  }
}

/** The Binary id of a `Binary/{id}` reference (relative or absolute); other URLs are not ours to fetch. */
export function binaryIdOf(url: string | undefined): string | undefined {
  return url ? /(?:^|\/)Binary\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(url)?.[1] : undefined;
}

function fileOf(attachment: Attachment, fallbackTitle: string): RecordFile | undefined {
  const binaryId = binaryIdOf(attachment.url);
  if (!attachment.data && !binaryId) return undefined;
  return {
    title: attachment.title?.trim() || fallbackTitle,
    ...(attachment.contentType ? { contentType: attachment.contentType } : {}),
    ...(attachment.data ? { data: attachment.data } : binaryId ? { binaryId } : {}),
  };
}

const isPlainText = (a: Attachment) => !!a.data && (!a.contentType || a.contentType.startsWith('text/plain'));

export function toNote(document: DocumentReference): NoteItem {
  const attachments = (document.content ?? []).map((c) => c.attachment).filter(Boolean);
  const texts = attachments.filter(isPlainText).map((a) => decodeBase64Text(a.data as string));
  const readable = texts.filter((t): t is string => t !== undefined);
  return {
    id: document.id ?? '',
    date: document.date,
    author: document.author?.[0]?.display,
    title: document.description || conceptText(document.type) || undefined,
    text: readable.length > 0 ? readable.join('\n\n') : undefined,
    files: attachments
      .filter((a) => !isPlainText(a) || decodeBase64Text(a.data as string) === undefined)
      .map((a) => fileOf(a, 'Note'))
      .filter((f): f is RecordFile => !!f),
  };
}

export function toDocument(document: DocumentReference): DocumentItem {
  const files = (document.content ?? [])
    .map((c) => c.attachment)
    .filter(Boolean)
    .map((a) => fileOf(a, document.description?.trim() || 'Document'))
    .filter((f): f is RecordFile => !!f);
  return {
    id: document.id ?? '',
    date: document.date,
    description: document.description?.trim() || conceptText(document.type) || files[0]?.title || 'Document',
    author: document.author?.[0]?.display,
    files,
  };
}

export function toResult(observation: Observation): ResultItem {
  const quantity = observation.valueQuantity;
  const value =
    quantity?.value !== undefined
      ? `${quantity.value}${quantity.unit || quantity.code ? ' ' + (quantity.unit || quantity.code) : ''}`
      : (observation.valueString ?? conceptText(observation.valueCodeableConcept));
  return {
    id: observation.id ?? '',
    name: conceptText(observation.code) || 'Result',
    value: value || 'No value recorded',
    date: observation.effectiveDateTime ?? observation.issued,
  };
}

export function toMedication(medication: MedicationRequest | MedicationStatement): MedicationItem {
  const dosage =
    medication.resourceType === 'MedicationStatement'
      ? (medication.dosage?.[0] ?? medication.dosageInstruction?.[0])
      : medication.dosageInstruction?.[0];
  return {
    id: `${medication.resourceType}/${medication.id ?? ''}`,
    name: conceptText(medication.medicationCodeableConcept) || medication.medicationReference?.display || 'Medication',
    ...(dosage?.text ? { dosage: dosage.text } : {}),
    ...(medication.status ? { status: STATUS_WORDS[medication.status] ?? medication.status } : {}),
  };
}

// FHIR's status codes in words a patient reads ("on-hold" → "On hold").
const STATUS_WORDS: Record<string, string> = {
  active: 'Active',
  completed: 'Completed',
  stopped: 'Stopped',
  'on-hold': 'On hold',
  cancelled: 'Cancelled',
  'entered-in-error': 'Entered in error',
  draft: 'Draft',
  intended: 'Intended',
  'not-taken': 'Not taken',
  unknown: 'Unknown',
};

export function toAllergy(allergy: AllergyIntolerance): AllergyItem {
  const reactions = (allergy.reaction ?? []).flatMap((r) => {
    const manifestations = (r.manifestation ?? []).map(conceptText).filter(Boolean);
    return manifestations.length > 0 ? manifestations : r.description ? [r.description] : [];
  });
  return {
    id: allergy.id ?? '',
    name: conceptText(allergy.code) || 'Allergy',
    reactions,
    highRisk: allergy.criticality === 'high',
  };
}

export function toImmunization(immunization: Immunization): ImmunizationItem {
  return {
    id: immunization.id ?? '',
    name: conceptText(immunization.vaccineCode) || 'Vaccination',
    date: immunization.occurrenceDateTime ?? immunization.occurrenceString,
  };
}

/** Newest first, by the given date; items without a date last. */
export function newestFirst<T extends { date?: string }>(items: T[]): T[] {
  return [...items].sort((a, b) => dateSortKey(b.date) - dateSortKey(a.date));
}
