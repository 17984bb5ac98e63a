import type {
  CodeableConcept,
  Coding,
  ContactPoint,
  HumanName,
  Meta,
  Organization,
  Patient,
  Reference,
  Resource,
} from '@web-shared/fhir';

/**
 * The FHIR shapes only the patient chart reads, kept beside it rather than in web-shared/fhir so the
 * shared types stay what both apps use. Like those, every field is optional; the server validates.
 */

export const NOTE_CATEGORY_SYSTEM = 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category';
export const NOTE_CATEGORY_CODE = 'clinical-note';
export const SHARING_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/record-sharing';
export const OWNER_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice';
export const NOTE_SHARING_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/note-sharing';
export const SHARING_DEFAULT_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/record-sharing-default';
export const ORIGIN_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/record-origin';
export const INBOX_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/inbox';
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** Who an item is shared with: the patient (and those acting for them) or the author's colleagues. */
export type Audience = 'patient' | 'colleagues';

/** Meta with the tags that carry the owning practice and the sharing marks. */
export interface TaggedMeta extends Meta {
  tag?: Coding[];
  /** Confidentiality R or V keeps an item out of the practice's sharing defaults. */
  security?: Coding[];
}

export interface Identifier {
  system?: string;
  value?: string;
  type?: CodeableConcept;
}

export interface PatientContact {
  relationship?: CodeableConcept[];
  name?: HumanName;
  telecom?: ContactPoint[];
}

export interface ChartPatient extends Patient {
  meta?: TaggedMeta;
  identifier?: Identifier[];
  contact?: PatientContact[];
}

export interface Attachment {
  contentType?: string;
  data?: string;
  /** Where the content is: a Binary (`Binary/{id}`, relative or absolute) for uploaded documents. */
  url?: string;
  size?: number;
  title?: string;
}

/** A clinical note: a DocumentReference of category clinical-note, its text a text/plain attachment. */
export interface DocumentReference extends Resource {
  resourceType: 'DocumentReference';
  meta?: TaggedMeta;
  status?: 'current' | 'superseded' | 'entered-in-error';
  docStatus?: 'preliminary' | 'final' | 'amended' | 'entered-in-error';
  category?: CodeableConcept[];
  type?: CodeableConcept;
  subject?: Reference;
  date?: string;
  author?: Reference[];
  description?: string;
  content?: { attachment: Attachment }[];
}

export interface Quantity {
  value?: number;
  unit?: string;
  code?: string;
}

export interface Observation extends Resource {
  resourceType: 'Observation';
  meta?: TaggedMeta;
  status?: string;
  code?: CodeableConcept;
  subject?: Reference;
  effectiveDateTime?: string;
  issued?: string;
  valueQuantity?: Quantity;
  valueString?: string;
  valueCodeableConcept?: CodeableConcept;
  valueBoolean?: boolean;
  valueInteger?: number;
}

export interface Provenance extends Resource {
  resourceType: 'Provenance';
  target?: Reference[];
  recorded?: string;
  activity?: CodeableConcept;
  agent?: { who?: Reference & { identifier?: Identifier } }[];
}

export interface Extension {
  url: string;
  valueBoolean?: boolean;
  valueCode?: string;
}

export interface Practice extends Organization {
  extension?: Extension[];
}

/** What can be shared from the chart. */
export type ShareableItem = DocumentReference | Observation;

/** An item of the chart as the sharing history names it: `DocumentReference/1` → "Note of 2 Nov 2026, 10:15". */
export interface ChartItem {
  reference: string;
  label: string;
}
