/**
 * The few FHIR R4 shapes the apps use, as plain interfaces. @medplum/fhirtypes would be complete
 * but the apps only need these, and keeping them here keeps the browser bundles free of server
 * packages. Every field is optional as in FHIR; the server is the one that validates.
 */

export interface Meta {
  versionId?: string;
  lastUpdated?: string;
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

export interface Patient extends Resource {
  resourceType: 'Patient';
  active?: boolean;
  name?: HumanName[];
  telecom?: ContactPoint[];
  gender?: AdministrativeGender;
  birthDate?: string;
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
}

/** A practice is an Organization. */
export interface Organization extends Resource {
  resourceType: 'Organization';
  active?: boolean;
  name?: string;
}

/** A practitioner's membership of a practice; `code` says what they are there (e.g. practice admin). */
export interface PractitionerRole extends Resource {
  resourceType: 'PractitionerRole';
  active?: boolean;
  practitioner?: Reference;
  organization?: Reference;
  code?: CodeableConcept[];
  specialty?: CodeableConcept[];
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
