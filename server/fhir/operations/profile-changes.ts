import type { Extension, Patient, PatientContact, Person } from '@medplum/fhirtypes';

/**
 * What of a patient's own profile (their Person, decision 0028) goes to the practices' Patient
 * records: the fields both have (`name`, `telecom`, `gender`, `birthDate`, `address`) and the
 * emergency contacts (the `emergency-contact` extension on Person, Patient's `contact` at each
 * practice). Their codes are those of the CodeSystem `patient-update-field` that proposals use.
 * The photo and the preferences (timezone, date and time formats) stay in the profile.
 */
export const EMERGENCY_CONTACT_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/emergency-contact';
export const SHARED_FIELDS = ['name', 'telecom', 'gender', 'birthDate', 'address'] as const;
export type ProfileField = (typeof SHARED_FIELDS)[number] | 'contact';

/**
 * The fields `profile` changes against `stored` (the Person before the update), each with the value
 * to give the practices' records (undefined: the field is removed). Only these go to the practices,
 * so a practice's own value of a field the patient did not touch is never overwritten.
 */
export function changedFields(stored: Person, profile: Person): Map<ProfileField, unknown> {
  const changes = new Map<ProfileField, unknown>();
  for (const field of SHARED_FIELDS) {
    if (!sameValue(stored[field], profile[field]))
      changes.set(field, empty(profile[field]) ? undefined : profile[field]);
  }
  const [before, after] = [emergencyContacts(stored), emergencyContacts(profile)];
  if (!sameValue(before, after)) changes.set('contact', after.length ? after.map(asPatientContact) : undefined);
  return changes;
}

/** The value of a field of a Patient record, for the conflict check. */
export function fieldOf(patient: Patient, field: ProfileField): unknown {
  return patient[field];
}

/** `patient` with the changed fields set (or removed). */
export function withChanges(patient: Patient, changes: Map<ProfileField, unknown>): Patient {
  const updated: Record<string, unknown> = { ...patient };
  for (const [field, value] of changes) {
    if (value === undefined) delete updated[field];
    else updated[field] = value;
  }
  return updated as unknown as Patient;
}

/** Equal as FHIR values: the same JSON whatever the order of keys, an empty list as absent. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonical(empty(a) ? undefined : a) === canonical(empty(b) ? undefined : b);
}

function emergencyContacts(person: Person): Extension[] {
  return (person.extension ?? []).filter((e) => e.url === EMERGENCY_CONTACT_URL);
}

/** One emergency contact as the Patient's `contact` (relationship, name, telecom). */
function asPatientContact(extension: Extension): PatientContact {
  const parts = extension.extension ?? [];
  const relationship = parts.find((p) => p.url === 'relationship')?.valueCodeableConcept;
  const name = parts.find((p) => p.url === 'name')?.valueHumanName;
  const telecom = parts.filter((p) => p.url === 'telecom').flatMap((p) => p.valueContactPoint ?? []);
  return {
    ...(relationship ? { relationship: [relationship] } : {}),
    ...(name ? { name } : {}),
    ...(telecom.length ? { telecom } : {}),
  };
}

function empty(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
}
