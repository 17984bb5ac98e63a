/**
 * The few FHIR R4 shapes the portal uses, as plain interfaces. @medplum/fhirtypes would be complete
 * but belongs to the server; these keep the browser bundle small. Every field is optional as in FHIR.
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
  use?: string;
  text?: string;
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
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
