import type { CodeableConcept, Coding, Meta, Patient, Reference, Resource } from '@web-shared/fhir';

/**
 * The FHIR R4 shapes of the clinical record the portal shows, reduced to the fields it reads. They
 * live here rather than in web-shared/fhir because only the portal reads them so far; every field is
 * optional as in FHIR, and the server is the one that validates.
 */

/** meta with its tags: the owning practice is one (OWNING_PRACTICE_SYSTEM in record-model.ts). */
export interface TaggedMeta extends Meta {
  tag?: Coding[];
}

export interface Attachment {
  contentType?: string;
  data?: string;
  url?: string;
  title?: string;
  size?: number;
}

export interface DocumentReference extends Resource {
  resourceType: 'DocumentReference';
  meta?: TaggedMeta;
  status?: string;
  type?: CodeableConcept;
  category?: { coding?: Coding[]; text?: string }[];
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
  valueQuantity?: Quantity;
  valueString?: string;
  valueCodeableConcept?: CodeableConcept;
  effectiveDateTime?: string;
  issued?: string;
}

export interface Dosage {
  text?: string;
}

export interface MedicationRequest extends Resource {
  resourceType: 'MedicationRequest';
  meta?: TaggedMeta;
  status?: string;
  medicationCodeableConcept?: CodeableConcept;
  medicationReference?: Reference;
  dosageInstruction?: Dosage[];
  authoredOn?: string;
}

export interface MedicationStatement extends Resource {
  resourceType: 'MedicationStatement';
  meta?: TaggedMeta;
  status?: string;
  medicationCodeableConcept?: CodeableConcept;
  medicationReference?: Reference;
  dosage?: Dosage[];
  dosageInstruction?: Dosage[];
  effectiveDateTime?: string;
  dateAsserted?: string;
}

export interface AllergyIntolerance extends Resource {
  resourceType: 'AllergyIntolerance';
  meta?: TaggedMeta;
  code?: CodeableConcept;
  criticality?: 'low' | 'high' | 'unable-to-assess';
  reaction?: { manifestation?: CodeableConcept[]; description?: string; severity?: string }[];
  recordedDate?: string;
}

export interface Immunization extends Resource {
  resourceType: 'Immunization';
  meta?: TaggedMeta;
  status?: string;
  vaccineCode?: CodeableConcept;
  occurrenceDateTime?: string;
  occurrenceString?: string;
}

export interface TaggedPatient extends Patient {
  meta?: TaggedMeta;
}
