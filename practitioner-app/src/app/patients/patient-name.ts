import type { HumanName, Patient } from '@web-shared/fhir';

/**
 * The name the console shows and edits: the official one, else the usual one, else the first.
 * FHIR allows many names (maiden, nickname, old…); clinicians expect the legal name first.
 */
export function primaryNameIndex(patient: Patient): number {
  const names = patient.name ?? [];
  const preferred = ['official', 'usual'].map((use) => names.findIndex((n) => n.use === use)).find((i) => i >= 0);
  return preferred ?? (names.length > 0 ? 0 : -1);
}

/** "Family, Given Given" as lists sort by family name; falls back to the name's text. */
export function displayName(patient: Patient): string {
  const name: HumanName | undefined = patient.name?.[primaryNameIndex(patient)];
  if (!name) return 'Unnamed patient';
  const given = (name.given ?? []).join(' ');
  if (name.family && given) return `${name.family}, ${given}`;
  return name.family || given || name.text || 'Unnamed patient';
}
