import type { DocumentReference, Observation } from '@web-shared/fhir';

/**
 * The chart's codes and its own types. The FHIR shapes it reads (DocumentReference, Observation,
 * Provenance, Patient with its contacts, Organization with its extensions) are the shared ones of
 * `@web-shared/fhir`, which the portal reads too.
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

/** What can be shared from the chart. */
export type ShareableItem = DocumentReference | Observation;

/** An item of the chart as the sharing history names it: `DocumentReference/1` → "Note of 2 Nov 2026, 10:15". */
export interface ChartItem {
  reference: string;
  label: string;
}
