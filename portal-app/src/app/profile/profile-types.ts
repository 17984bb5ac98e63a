import type {
  CodeableConcept,
  ContactPoint,
  HumanName,
  Observation,
  Patient,
  Reference,
  Resource,
} from '@web-shared/fhir';

/**
 * FHIR shapes only the profile page uses, kept here rather than in @web-shared/fhir (owned elsewhere):
 * the account's Person, the Patient fields the profile maps to, Task and Parameters.
 */

export interface Address {
  use?: 'home' | 'work' | 'temp' | 'old' | 'billing';
  text?: string;
  line?: string[];
  city?: string;
  district?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}

/** Extensions with the value types the profile reads and writes (complex ones nest `extension`). */
export interface ProfileExtension {
  url: string;
  extension?: ProfileExtension[];
  valueCode?: string;
  valueString?: string;
  valueCodeableConcept?: CodeableConcept;
  valueHumanName?: HumanName;
  valueContactPoint?: ContactPoint;
}

/** The account's own profile (decision 0028): `link` points to its Patient records at each practice. */
export interface Person extends Resource {
  resourceType: 'Person';
  active?: boolean;
  name?: HumanName[];
  telecom?: ContactPoint[];
  gender?: 'male' | 'female' | 'other' | 'unknown';
  birthDate?: string;
  address?: Address[];
  link?: { target: Reference; assurance?: string }[];
  extension?: ProfileExtension[];
}

/** A practice's record of the patient, with the fields @web-shared/fhir's Patient leaves out. */
export interface PracticePatient extends Patient {
  address?: Address[];
  managingOrganization?: Reference;
}

export interface TaskPart {
  type?: CodeableConcept;
  valueString?: string;
  valueCode?: string;
}

/** A `patient-update` proposal (decision 0028): one input per field, one output per decided field. */
export interface Task extends Resource {
  resourceType: 'Task';
  status?: string;
  intent?: string;
  code?: CodeableConcept;
  for?: Reference;
  owner?: Reference;
  authoredOn?: string;
  lastModified?: string;
  input?: TaskPart[];
  output?: TaskPart[];
}

export interface ParametersParameter {
  name: string;
  resource?: Resource;
  valueReference?: Reference;
  valueId?: string;
  valueCode?: string;
  part?: ParametersParameter[];
}

export interface Parameters extends Resource {
  resourceType: 'Parameters';
  parameter?: ParametersParameter[];
}

/** Observation as the social-history form writes it (valueString is in @web-shared/fhir's already). */
export type SocialObservation = Observation & { category?: CodeableConcept[] };
