import type { ContactPoint, Organization } from '@web-shared/fhir';

/**
 * The practice settings "Patient portal and clinical sharing" as the console edits them: extensions
 * on the practice's Organization (docs/decisions/0026-practice-settings.md, fhir-profiles/). The
 * server validates them and lets only the practice's administrators change them; this file only
 * turns the Organization into the form's value and back, keeping every other extension as it was.
 */
const BASE = 'https://patient-portal.example.org/fhir/StructureDefinition';
export const PATIENT_INVITATIONS_URL = `${BASE}/patient-invitations`;
export const PATIENT_UPDATES_URL = `${BASE}/patient-updates`;
export const NOTE_SHARING_URL = `${BASE}/note-sharing`;
export const SHARING_DEFAULT_URL = `${BASE}/record-sharing-default`;
export const MINOR_PROXY_AGE_URL = `${BASE}/minor-proxy-age`;
export const PORTAL_CONTACT_URL = `${BASE}/portal-contact`;
export const PORTAL_CRISIS_TEXT_URL = `${BASE}/portal-crisis-text`;

const SETTINGS_URLS = new Set([
  PATIENT_INVITATIONS_URL,
  PATIENT_UPDATES_URL,
  NOTE_SHARING_URL,
  SHARING_DEFAULT_URL,
  MINOR_PROXY_AGE_URL,
  PORTAL_CONTACT_URL,
  PORTAL_CRISIS_TEXT_URL,
]);

/** The server's limits (server/access/practice-settings.ts). */
export const MAX_CRISIS_TEXT = 2000;
export const MAX_CONTACT_VALUE = 200;
export const DEFAULT_MINOR_PROXY_AGE = 18;

export type PatientUpdateMode = 'disabled' | 'notify' | 'automatic' | 'review';

export const UPDATE_MODES: readonly { value: PatientUpdateMode; label: string; explanation: string }[] = [
  {
    value: 'disabled',
    label: 'Disabled',
    explanation: 'Updates patients make in the portal are not imported into your records.',
  },
  {
    value: 'notify',
    label: 'Notify',
    explanation: 'Updates are imported into the patient’s record, and you are notified.',
  },
  {
    value: 'automatic',
    label: 'Update automatically',
    explanation: 'Updates are imported into the patient’s record, and you are not notified.',
  },
  {
    value: 'review',
    label: 'Review each change',
    explanation: 'Each update waits until a practitioner accepts or rejects it, field by field.',
  },
];

/** The record-sharing categories (server/access/record-sharing.ts), in the order the page lists them. */
export const SHARING_CATEGORIES: readonly { code: string; label: string }[] = [
  { code: 'notes', label: 'Clinical notes' },
  { code: 'documents', label: 'Documents' },
  { code: 'results', label: 'Results' },
  { code: 'conditions', label: 'Conditions' },
  { code: 'medications', label: 'Medications' },
  { code: 'allergies', label: 'Allergies' },
  { code: 'immunizations', label: 'Immunizations' },
  { code: 'procedures', label: 'Procedures' },
  { code: 'questionnaire-responses', label: 'Questionnaire answers' },
];

/** The contact details the page edits; other kinds a practice stored (fax, web page…) are kept as they are. */
export const CONTACT_KINDS = ['phone', 'email', 'sms'] as const;
export type ContactKind = (typeof CONTACT_KINDS)[number];

export interface PortalSettings {
  invitations: boolean;
  updates: PatientUpdateMode;
  noteSharing: boolean;
  /** The category codes shared with patients by default. */
  categories: string[];
  minorProxyAge: number;
  contacts: Record<ContactKind, string>;
  crisisText: string;
}

interface SettingsExtension {
  url: string;
  valueBoolean?: boolean;
  valueCode?: string;
  valueUnsignedInt?: number;
  valueString?: string;
  valueContactPoint?: ContactPoint;
}

/** An Organization with the extensions this page reads and writes. */
export interface PracticeRecord extends Organization {
  extension?: SettingsExtension[];
}

/** The settings stored on the practice's record; absent ones are their defaults (all off, age 18). */
export function settingsOf(practice: PracticeRecord): PortalSettings {
  const extensions = practice.extension ?? [];
  const one = (url: string) => extensions.find((e) => e.url === url);
  const mode = one(PATIENT_UPDATES_URL)?.valueCode;
  const age = one(MINOR_PROXY_AGE_URL)?.valueUnsignedInt;
  const contact = (kind: ContactKind) =>
    extensions.find((e) => e.url === PORTAL_CONTACT_URL && e.valueContactPoint?.system === kind)?.valueContactPoint
      ?.value ?? '';
  return {
    invitations: one(PATIENT_INVITATIONS_URL)?.valueBoolean === true,
    updates: UPDATE_MODES.some((m) => m.value === mode) ? (mode as PatientUpdateMode) : 'disabled',
    noteSharing: one(NOTE_SHARING_URL)?.valueBoolean === true,
    categories: SHARING_CATEGORIES.map((c) => c.code).filter((code) =>
      extensions.some((e) => e.url === SHARING_DEFAULT_URL && e.valueCode === code),
    ),
    minorProxyAge: typeof age === 'number' && age >= 1 && age <= 25 ? age : DEFAULT_MINOR_PROXY_AGE,
    contacts: { phone: contact('phone'), email: contact('email'), sms: contact('sms') },
    crisisText: one(PORTAL_CRISIS_TEXT_URL)?.valueString ?? '',
  };
}

/**
 * The practice's record with these settings: every other extension and field kept, the settings'
 * extensions written anew (an "off" or empty setting is left out: absent means off). Contact details
 * of kinds the page does not edit are kept.
 */
export function withSettings(practice: PracticeRecord, settings: PortalSettings): PracticeRecord {
  const kept = (practice.extension ?? []).filter(
    (e) =>
      !SETTINGS_URLS.has(e.url) ||
      (e.url === PORTAL_CONTACT_URL &&
        !(CONTACT_KINDS as readonly string[]).includes(e.valueContactPoint?.system ?? '')),
  );
  const written: SettingsExtension[] = [];
  if (settings.invitations) written.push({ url: PATIENT_INVITATIONS_URL, valueBoolean: true });
  if (settings.updates !== 'disabled') written.push({ url: PATIENT_UPDATES_URL, valueCode: settings.updates });
  if (settings.noteSharing) written.push({ url: NOTE_SHARING_URL, valueBoolean: true });
  for (const c of SHARING_CATEGORIES)
    if (settings.categories.includes(c.code)) written.push({ url: SHARING_DEFAULT_URL, valueCode: c.code });
  if (settings.minorProxyAge !== DEFAULT_MINOR_PROXY_AGE)
    written.push({ url: MINOR_PROXY_AGE_URL, valueUnsignedInt: settings.minorProxyAge });
  for (const kind of CONTACT_KINDS) {
    const value = settings.contacts[kind].trim();
    if (value) written.push({ url: PORTAL_CONTACT_URL, valueContactPoint: { system: kind, value, use: 'work' } });
  }
  const crisis = settings.crisisText.trim();
  if (crisis) written.push({ url: PORTAL_CRISIS_TEXT_URL, valueString: crisis });
  const extension = [...kept, ...written];
  const { extension: _old, ...rest } = practice;
  return extension.length ? { ...rest, extension } : rest;
}
