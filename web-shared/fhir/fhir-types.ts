/**
 * The FHIR R4 shapes both apps use, as plain interfaces, in one place (the console's chart and the
 * portal's record read the same DocumentReferences and Observations). Every field is optional, as
 * the apps read partial resources and build them field by field; the server is the one that
 * validates. @medplum/fhirtypes (a devDependency, type-only) would resolve here too, but it makes
 * FHIR's required elements required (DocumentReference.status and content, Observation.code…),
 * which every partial fixture and every resource built in steps would have to satisfy.
 */

export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  /** The owning practice and the sharing, origin and inbox marks (decision 0023). */
  tag?: Coding[];
  /** Confidentiality R or V keeps an item out of the practice's sharing defaults. */
  security?: Coding[];
}

export interface Resource {
  resourceType: string;
  id?: string;
  meta?: Meta;
}

export interface HumanName {
  use?: 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
}

export interface ContactPoint {
  system?: 'phone' | 'fax' | 'email' | 'pager' | 'url' | 'sms' | 'other';
  value?: string;
  use?: 'home' | 'work' | 'temp' | 'old' | 'mobile';
  rank?: number;
}

export type AdministrativeGender = 'male' | 'female' | 'other' | 'unknown';

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

export interface Patient extends Resource {
  resourceType: 'Patient';
  active?: boolean;
  identifier?: Identifier[];
  name?: HumanName[];
  telecom?: ContactPoint[];
  gender?: AdministrativeGender;
  birthDate?: string;
  contact?: PatientContact[];
}

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Reference {
  reference?: string;
  display?: string;
}

export interface Practitioner extends Resource {
  resourceType: 'Practitioner';
  active?: boolean;
  name?: HumanName[];
  /** Languages (BCP-47 codes) the practitioner speaks with patients (directory profile). */
  communication?: CodeableConcept[];
  /** The directory profile's biography (directory-terms.ts). */
  extension?: Extension[];
}

/** Where a practitioner works; `wheelchair-access` is an extension (directory-terms.ts). */
export interface Location extends Resource {
  resourceType: 'Location';
  name?: string;
  address?: { line?: string[]; city?: string; postalCode?: string };
  extension?: Extension[];
}

/** A patient's own list of their practitioners ("My practitioners", decision 0030). */
export interface CareTeam extends Resource {
  resourceType: 'CareTeam';
  status?: string;
  name?: string;
  category?: CodeableConcept[];
  subject?: Reference;
  participant?: Array<{ member?: Reference }>;
}

export interface Extension {
  url: string;
  valueBoolean?: boolean;
  valueCode?: string;
  valueString?: string;
}

/** A practice is an Organization; its extensions carry its sharing settings (decision 0023). */
export interface Organization extends Resource {
  resourceType: 'Organization';
  active?: boolean;
  name?: string;
  extension?: Extension[];
}

/** A practitioner's membership of a practice; `code` says what they are there (e.g. practice admin). */
export interface PractitionerRole extends Resource {
  resourceType: 'PractitionerRole';
  active?: boolean;
  practitioner?: Reference;
  organization?: Reference;
  code?: CodeableConcept[];
  specialty?: CodeableConcept[];
  location?: Reference[];
  /** Home visits and online bookings (directory-terms.ts). */
  extension?: Extension[];
}

export interface BundleLink {
  relation: string;
  url: string;
}

export interface BundleEntry<T extends Resource> {
  fullUrl?: string;
  resource?: T;
  /** `match` for what was searched for, `include` for what `_include` added. */
  search?: { mode?: 'match' | 'include' | 'outcome' };
}

export interface Bundle<T extends Resource = Resource> {
  resourceType: 'Bundle';
  type: string;
  total?: number;
  link?: BundleLink[];
  entry?: BundleEntry<T>[];
}

export interface OperationOutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: string;
  diagnostics?: string;
  details?: { text?: string };
  expression?: string[];
}

export interface OperationOutcome extends Resource {
  resourceType: 'OperationOutcome';
  issue: OperationOutcomeIssue[];
}

export interface Attachment {
  contentType?: string;
  /** Inline base64 content (notes' text). */
  data?: string;
  /** Where the content is: a Binary (`Binary/{id}`, relative or absolute) for uploaded documents. */
  url?: string;
  size?: number;
  title?: string;
}

/** A note (category clinical-note) or a document (an upload by the patient or the practice). */
export interface DocumentReference extends Resource {
  resourceType: 'DocumentReference';
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

/** A raw upload's answer: the Binary's id is what a DocumentReference's attachment points to. */
export interface Binary extends Resource {
  resourceType: 'Binary';
  contentType?: string;
}

export interface Quantity {
  value?: number;
  unit?: string;
  code?: string;
}

export interface Observation extends Resource {
  resourceType: 'Observation';
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

export interface Dosage {
  text?: string;
}

export interface MedicationRequest extends Resource {
  resourceType: 'MedicationRequest';
  status?: string;
  medicationCodeableConcept?: CodeableConcept;
  medicationReference?: Reference;
  dosageInstruction?: Dosage[];
  authoredOn?: string;
}

export interface MedicationStatement extends Resource {
  resourceType: 'MedicationStatement';
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
  code?: CodeableConcept;
  criticality?: 'low' | 'high' | 'unable-to-assess';
  reaction?: { manifestation?: CodeableConcept[]; description?: string; severity?: string }[];
  recordedDate?: string;
}

export interface Immunization extends Resource {
  resourceType: 'Immunization';
  status?: string;
  vaccineCode?: CodeableConcept;
  occurrenceDateTime?: string;
  occurrenceString?: string;
}
