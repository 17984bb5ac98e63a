import type { AdministrativeGender, ContactPoint, HumanName, Patient } from '@web-shared/fhir';
import { primaryNameIndex } from './patient-name';

/** What the patient form edits. Strings throughout: an empty string means "not recorded". */
export interface PatientFormValue {
  given: string;
  family: string;
  gender: AdministrativeGender | '';
  birthDate: string;
  phone: string;
  email: string;
}

export const EMPTY_PATIENT_FORM: PatientFormValue = {
  given: '',
  family: '',
  gender: '',
  birthDate: '',
  phone: '',
  email: '',
};

/** Reads the edited fields out of a patient (the primary name, the first phone and email). */
export function toFormValue(patient: Patient): PatientFormValue {
  const name = patient.name?.[primaryNameIndex(patient)];
  return {
    given: (name?.given ?? []).join(' '),
    family: name?.family ?? '',
    gender: patient.gender ?? '',
    birthDate: patient.birthDate ?? '',
    phone: patient.telecom?.find((t) => t.system === 'phone')?.value ?? '',
    email: patient.telecom?.find((t) => t.system === 'email')?.value ?? '',
  };
}

/**
 * Writes the form into a copy of the patient. A PUT replaces the whole resource, so everything the
 * form does not show (identifiers, addresses, other names and contacts, extensions…) is carried
 * over untouched. FHIR forbids empty strings and arrays, so cleared fields are removed.
 */
export function applyFormValue(patient: Patient, form: PatientFormValue): Patient {
  const result: Patient = { ...patient };
  setOrDelete(result, 'gender', form.gender || undefined);
  setOrDelete(result, 'birthDate', form.birthDate.trim() || undefined);
  setOrDelete(result, 'name', withPrimaryName(patient, form));
  let telecom = withContact(patient.telecom ?? [], 'phone', form.phone);
  telecom = withContact(telecom, 'email', form.email);
  setOrDelete(result, 'telecom', telecom.length > 0 ? telecom : undefined);
  return result;
}

function withPrimaryName(patient: Patient, form: PatientFormValue): HumanName[] | undefined {
  const names = [...(patient.name ?? [])];
  const index = primaryNameIndex(patient);
  const previous: HumanName = index >= 0 ? names[index]! : { use: 'official' };
  const given = form.given.trim().split(/\s+/).filter(Boolean);
  const family = form.family.trim();
  const edited: HumanName = { ...previous };
  setOrDelete(edited, 'given', given.length > 0 ? given : undefined);
  setOrDelete(edited, 'family', family || undefined);
  // A free-text rendering of the old name would now contradict the parts.
  if (edited.family !== previous.family || String(edited.given) !== String(previous.given)) delete edited.text;

  const isEmpty = !edited.family && !edited.given && !edited.text && !edited.prefix && !edited.suffix;
  if (index >= 0) {
    if (isEmpty) names.splice(index, 1);
    else names[index] = edited;
  } else if (!isEmpty) {
    names.push(edited);
  }
  return names.length > 0 ? names : undefined;
}

/** Replaces the value of the first contact of this system (keeping its use/rank), adds one, or removes it. */
function withContact(telecom: ContactPoint[], system: 'phone' | 'email', rawValue: string): ContactPoint[] {
  const value = rawValue.trim();
  const index = telecom.findIndex((t) => t.system === system);
  if (index < 0) return value ? [...telecom, { system, value }] : telecom;
  if (!value) return telecom.filter((_, i) => i !== index);
  return telecom.map((t, i) => (i === index ? { ...t, value } : t));
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}
