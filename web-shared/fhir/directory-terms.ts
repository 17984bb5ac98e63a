import type { CodeableConcept, Extension } from './fhir-types';

/**
 * The directory profile's vocabulary, shared by the console (where practitioners edit it) and the
 * portal (where patients search on it): our extensions' urls (fhir-profiles/structure-definitions/),
 * the languages and services offered in the pickers, and readable labels for their codes.
 */
const EXT = 'https://patient-portal.example.org/fhir/StructureDefinition/';
export const HOME_VISITS_URL = `${EXT}home-visits`;
export const ONLINE_BOOKING_URL = `${EXT}online-booking`;
export const WHEELCHAIR_ACCESS_URL = `${EXT}wheelchair-access`;
export const BIOGRAPHY_URL = `${EXT}biography`;
export const BCP47_SYSTEM = 'urn:ietf:bcp:47';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';
/** The mark of a patient's own list of practitioners (server/access/grants/care-team-rule.ts). */
export const PATIENT_CHOSEN = {
  system: 'https://patient-portal.example.org/fhir/CodeSystem/care-team-category',
  code: 'patient-chosen',
} as const;

/** Languages offered in the pickers (BCP-47); any other code a record carries is still shown by name. */
export const LANGUAGE_CODES = ['en', 'fr', 'es', 'de', 'it', 'pt', 'vi', 'zh', 'ar', 'hi', 'el', 'tr', 'ko', 'ja'];

/** Services (SNOMED CT practitioner specialties) offered in the pickers. */
export const SERVICES: ReadonlyArray<{ code: string; display: string }> = [
  { code: '394814009', display: 'General practice' },
  { code: '394537008', display: 'Paediatrics' },
  { code: '394587001', display: 'Psychiatry' },
  { code: '722165004', display: 'Nutrition and dietetics' },
  { code: '394602003', display: 'Rehabilitation' },
  { code: '394585009', display: 'Obstetrics and gynaecology' },
  { code: '394582007', display: 'Dermatology' },
];

/** "fr" → "French" in the user's language, falling back to the code itself. */
export function languageName(code: string, locale = 'en'): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

export function serviceName(code: string): string {
  return SERVICES.find((s) => s.code === code)?.display ?? code;
}

export function languageConcept(code: string): CodeableConcept {
  return { coding: [{ system: BCP47_SYSTEM, code, display: languageName(code) }] };
}

export function serviceConcept(code: string): CodeableConcept {
  return { coding: [{ system: SNOMED_SYSTEM, code, display: serviceName(code) }], text: serviceName(code) };
}

/** The codes of one system in a list of concepts. */
export function codesOf(concepts: CodeableConcept[] | undefined, system: string): string[] {
  return (concepts ?? []).flatMap((c) =>
    (c.coding ?? []).filter((x) => x.system === system && x.code).map((x) => x.code as string),
  );
}

export function flagOf(extensions: Extension[] | undefined, url: string): boolean | undefined {
  return extensions?.find((e) => e.url === url)?.valueBoolean;
}

/** The extensions with `url` set to `value` (undefined: removed). */
export function withExtension(
  extensions: Extension[] | undefined,
  url: string,
  value: Extension | undefined,
): Extension[] {
  return [...(extensions ?? []).filter((e) => e.url !== url), ...(value ? [value] : [])];
}
