/**
 * The categories of a patient's clinical record and the resource types in each: one table for the
 * REST layer (the types `$share`/`$unshare` serve, fhir/rest/routes.ts) and the access rules (what
 * patients see only when shared or covered by a practice's default, access/record-sharing.ts). It
 * lives in fhir/ because both may import it (fhir/ never imports access/), and it is FHIR
 * vocabulary: the codes are those of the `record-sharing-default` extension's value set
 * (fhir-profiles/terminology/value-set-record-sharing-category.json; a test keeps the two equal).
 *
 * DocumentReference is split by its category: a clinical note is a `notes` item, anything else a
 * `documents` item. Binary follows `documents` (the content of a document: `$share` of a
 * DocumentReference marks its Binaries too).
 */
export const CATEGORY_TYPES = {
  notes: ['DocumentReference'],
  documents: ['DocumentReference', 'Binary'],
  results: ['Observation', 'DiagnosticReport'],
  conditions: ['Condition'],
  medications: ['MedicationRequest', 'MedicationStatement', 'MedicationAdministration', 'MedicationDispense'],
  allergies: ['AllergyIntolerance'],
  immunizations: ['Immunization'],
  procedures: ['Procedure'],
  'questionnaire-responses': ['QuestionnaireResponse'],
} as const satisfies Record<string, readonly string[]>;

export type SharingCategory = keyof typeof CATEGORY_TYPES;

export const SHARING_CATEGORIES = Object.keys(CATEGORY_TYPES) as SharingCategory[];

/** The types whose items patients see only when shared, submitted by them, or covered by a default. */
export const CLINICAL_TYPES: ReadonlySet<string> = new Set(Object.values(CATEGORY_TYPES).flat());
