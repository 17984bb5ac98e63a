import type { ContactPoint, HumanName } from '@web-shared/fhir';
import type { Address, Person, ProfileExtension } from './profile-types';

/**
 * The profile form's values and the mapping Person ⇄ form. Only what the form shows is changed on
 * save: every other element of the Person (its links, identifiers, other names, telecoms and
 * addresses, the preferences extensions) goes back exactly as it was read, so the server's kept-fields
 * check passes and nothing the page does not show is lost.
 */

export const EMERGENCY_CONTACT_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/emergency-contact';
export const RELATIONSHIP_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0131';
/** The contract allows up to 10 emergency contacts on a Person. */
export const MAX_EMERGENCY_CONTACTS = 10;

/** v2-0131 codes a patient is likely to mean, with plain labels (the display is the code system's). */
export const RELATIONSHIPS = [
  { code: 'N', display: 'Next-of-Kin', label: 'Next of kin' },
  { code: 'C', display: 'Emergency Contact', label: 'Emergency contact' },
  { code: 'CP', display: 'Contact person', label: 'Other contact person' },
  { code: 'E', display: 'Employer', label: 'Employer' },
  { code: 'U', display: 'Unknown', label: 'Not sure' },
] as const;

export type PhoneUse = 'mobile' | 'home' | 'work';
export const PHONE_USES: readonly PhoneUse[] = ['mobile', 'home', 'work'];

export interface EmergencyContactValue {
  relationship: string;
  name: string;
  phone: string;
}

export interface ProfileFormValue {
  given: string;
  family: string;
  birthDate: string;
  gender: '' | 'male' | 'female' | 'other' | 'unknown';
  email: string;
  mobile: string;
  home: string;
  work: string;
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  country: string;
  contacts: EmergencyContactValue[];
}

export const EMPTY_PROFILE_FORM: ProfileFormValue = {
  given: '',
  family: '',
  birthDate: '',
  gender: '',
  email: '',
  mobile: '',
  home: '',
  work: '',
  line1: '',
  line2: '',
  city: '',
  postalCode: '',
  country: '',
  contacts: [],
};

/** The name the form edits: the official one, else the first. */
function nameIndex(person: Person): number {
  const official = (person.name ?? []).findIndex((n) => n.use === 'official');
  return official >= 0 ? official : 0;
}

function addressIndex(person: Person): number {
  const home = (person.address ?? []).findIndex((a) => a.use === 'home');
  return home >= 0 ? home : 0;
}

const isEmail = (t: ContactPoint) => t.system === 'email';
const isPhone = (use: PhoneUse) => (t: ContactPoint) => t.system === 'phone' && t.use === use;

export function toFormValue(person: Person): ProfileFormValue {
  const name = person.name?.[nameIndex(person)];
  const address = person.address?.[addressIndex(person)];
  const telecom = person.telecom ?? [];
  return {
    given: (name?.given ?? []).join(' '),
    family: name?.family ?? '',
    birthDate: person.birthDate ?? '',
    gender: person.gender ?? '',
    email: telecom.find(isEmail)?.value ?? '',
    mobile: telecom.find(isPhone('mobile'))?.value ?? '',
    home: telecom.find(isPhone('home'))?.value ?? '',
    work: telecom.find(isPhone('work'))?.value ?? '',
    line1: address?.line?.[0] ?? '',
    line2: (address?.line ?? []).slice(1).join(', '),
    city: address?.city ?? '',
    postalCode: address?.postalCode ?? '',
    country: address?.country ?? '',
    contacts: emergencyContactsOf(person.extension),
  };
}

/** The Person with the form's values applied; untouched when the form did not change anything. */
export function applyFormValue(person: Person, form: ProfileFormValue): Person {
  const next: Person = structuredClone(person);
  next.name = replaceAt(person.name ?? [], nameIndex(person), nameFrom(person.name?.[nameIndex(person)], form));
  setOrDelete(next, 'birthDate', form.birthDate.trim());
  setOrDelete(next, 'gender', form.gender || undefined);
  next.telecom = telecomFrom(person.telecom ?? [], form);
  next.address = replaceAt(
    person.address ?? [],
    addressIndex(person),
    addressFrom(person.address?.[addressIndex(person)], form),
  );
  // Unchanged contacts go back as they were read (a name with parts would otherwise become a `text`
  // name, which the server would take for a change to send to every practice).
  if (!sameContacts(emergencyContactsOf(person.extension), form.contacts)) {
    next.extension = [
      ...(person.extension ?? []).filter((e) => e.url !== EMERGENCY_CONTACT_URL),
      ...form.contacts.map(emergencyContactExtension),
    ];
  }
  for (const key of ['name', 'telecom', 'address', 'extension'] as const) {
    if (next[key]?.length === 0) delete next[key];
  }
  return next;
}

function nameFrom(old: HumanName | undefined, form: ProfileFormValue): HumanName | undefined {
  const given = form.given.trim().split(/\s+/).filter(Boolean);
  const family = form.family.trim();
  if (old && (old.given ?? []).join(' ') === given.join(' ') && (old.family ?? '') === family) return old;
  const name: HumanName = { ...old };
  // A changed name makes an old `text` wrong; the parts are what the form edits.
  delete name.text;
  if (given.length > 0) name.given = given;
  else delete name.given;
  if (family) name.family = family;
  else delete name.family;
  return name.given || name.family ? name : undefined;
}

function addressFrom(old: Address | undefined, form: ProfileFormValue): Address | undefined {
  const line = [form.line1.trim(), form.line2.trim()].filter(Boolean);
  const fields = { city: form.city.trim(), postalCode: form.postalCode.trim(), country: form.country.trim() };
  const same =
    old &&
    (old.line ?? []).join('\n') === line.join('\n') &&
    (old.city ?? '') === fields.city &&
    (old.postalCode ?? '') === fields.postalCode &&
    (old.country ?? '') === fields.country;
  if (same) return old;
  const address: Address = { ...old };
  delete address.text;
  if (line.length > 0) address.line = line;
  else delete address.line;
  for (const [key, value] of Object.entries(fields) as [keyof typeof fields, string][]) {
    if (value) address[key] = value;
    else delete address[key];
  }
  const { use: _use, ...content } = address;
  return Object.keys(content).length > 0 ? address : undefined;
}

/** The form's e-mail and three phones replace their first match; other telecoms stay where they were. */
function telecomFrom(old: ContactPoint[], form: ProfileFormValue): ContactPoint[] {
  const slots: [(t: ContactPoint) => boolean, ContactPoint][] = [
    [isEmail, { system: 'email', value: form.email.trim() }],
    ...PHONE_USES.map((use): [(t: ContactPoint) => boolean, ContactPoint] => [
      isPhone(use),
      { system: 'phone', value: form[use].trim(), use },
    ]),
  ];
  let next: (ContactPoint | undefined)[] = [...old];
  for (const [matches, wanted] of slots) {
    const at = next.findIndex((t) => t !== undefined && matches(t));
    if (at >= 0) {
      const current = next[at] as ContactPoint;
      next[at] = wanted.value
        ? current.value === wanted.value
          ? current
          : { ...current, value: wanted.value }
        : undefined;
    } else if (wanted.value) {
      next = [...next, wanted];
    }
  }
  return next.filter((t): t is ContactPoint => t !== undefined);
}

function replaceAt<T>(list: T[], index: number, value: T | undefined): T[] {
  if (index >= list.length) return value === undefined ? list : [...list, value];
  return value === undefined ? list.filter((_, i) => i !== index) : list.map((item, i) => (i === index ? value : item));
}

function setOrDelete<K extends 'birthDate' | 'gender'>(
  person: Person,
  key: K,
  value: Person[K] | '' | undefined,
): void {
  if (value) person[key] = value;
  else delete person[key];
}

// --- Emergency contacts: the `emergency-contact` extension (relationship, name, telecom) ---

export function emergencyContactsOf(extensions: ProfileExtension[] | undefined): EmergencyContactValue[] {
  return (extensions ?? [])
    .filter((e) => e.url === EMERGENCY_CONTACT_URL)
    .map((e) => {
      const part = (url: string) => (e.extension ?? []).filter((p) => p.url === url);
      const relationship = part('relationship')[0]?.valueCodeableConcept;
      const name = part('name')[0]?.valueHumanName;
      const phone = part('telecom')
        .map((p) => p.valueContactPoint)
        .find((t) => t?.system === 'phone');
      return {
        relationship: relationship?.coding?.find((c) => c.system === RELATIONSHIP_SYSTEM)?.code ?? '',
        name: nameText(name),
        phone: phone?.value ?? '',
      };
    });
}

export function emergencyContactExtension(contact: EmergencyContactValue): ProfileExtension {
  const known = RELATIONSHIPS.find((r) => r.code === contact.relationship);
  const parts: ProfileExtension[] = [];
  if (contact.relationship) {
    parts.push({
      url: 'relationship',
      valueCodeableConcept: {
        coding: [
          { system: RELATIONSHIP_SYSTEM, code: contact.relationship, ...(known ? { display: known.display } : {}) },
        ],
      },
    });
  }
  parts.push({ url: 'name', valueHumanName: { text: contact.name.trim() } });
  if (contact.phone.trim()) {
    parts.push({ url: 'telecom', valueContactPoint: { system: 'phone', value: contact.phone.trim() } });
  }
  return { url: EMERGENCY_CONTACT_URL, extension: parts };
}

/** A name as one line: its text, else its parts. */
export function nameText(name: HumanName | undefined): string {
  if (!name) return '';
  return name.text?.trim() || [...(name.prefix ?? []), ...(name.given ?? []), name.family ?? ''].join(' ').trim();
}

function sameContacts(a: EmergencyContactValue[], b: EmergencyContactValue[]): boolean {
  const key = (list: EmergencyContactValue[]) =>
    JSON.stringify(list.map((c) => [c.relationship, c.name.trim(), c.phone.trim()]));
  return key(a) === key(b);
}

export function relationshipLabel(code: string): string {
  return RELATIONSHIPS.find((r) => r.code === code)?.label ?? code;
}
