import type { ContactPoint, Extension, Organization, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { MINOR_PROXY_AGE_URL } from './grants/family-terms.ts';
import { NOTE_SHARING_URL, SHARING_DEFAULT_URL } from './record-sharing.ts';

/**
 * The practice's settings page "Patient portal and clinical sharing" (issue #13,
 * docs/decisions/0026-practice-settings.md): extensions on the practice's own Organization, each
 * defined in fhir-profiles/structure-definitions/. This module knows which extensions they are, reads
 * them, and says what a well-formed value is; who may change them is grants/organization-rule.ts.
 *
 * - `record-sharing-default`, `note-sharing`, `minor-proxy-age`: what the practice shares and how
 *   long parents' access lasts (record-sharing.ts, grants/family-terms.ts read them);
 * - `patient-invitations` (boolean; absent: disabled): staff may invite patients to the portal;
 * - `patient-updates` (code; absent: disabled): what happens to a patient's own edits;
 * - `portal-contact` (ContactPoint, repeating): how patients reach the practice, shown in the portal;
 * - `portal-crisis-text` (string): what to do in a crisis or after hours, shown in the portal.
 */
const BASE = 'https://patient-portal.example.org/fhir/StructureDefinition';
export const PATIENT_INVITATIONS_URL = `${BASE}/patient-invitations`;
export const PATIENT_UPDATES_URL = `${BASE}/patient-updates`;
export const PORTAL_CONTACT_URL = `${BASE}/portal-contact`;
export const PORTAL_CRISIS_TEXT_URL = `${BASE}/portal-crisis-text`;
/** The codes of `patient-updates` (fhir-profiles/terminology/: CodeSystem and ValueSet patient-updates). */
export const PATIENT_UPDATE_MODES = ['disabled', 'notify', 'automatic', 'review'] as const;
export type PatientUpdateMode = (typeof PATIENT_UPDATE_MODES)[number];

/**
 * The settings' extension URLs. What a well-formed value is (type, codes, range, length, how many)
 * is said once, by their definitions in fhir-profiles/structure-definitions/, and enforced on every
 * write by the validator (server/fhir/validation/extensions.ts, decision 0025) before any access
 * check; `settingsIssues` adds only what a definition cannot say.
 */
export const SETTINGS_URLS: ReadonlySet<string> = new Set([
  SHARING_DEFAULT_URL,
  NOTE_SHARING_URL,
  MINOR_PROXY_AGE_URL,
  PATIENT_INVITATIONS_URL,
  PATIENT_UPDATES_URL,
  PORTAL_CONTACT_URL,
  PORTAL_CRISIS_TEXT_URL,
]);

/** The settings extensions of an Organization, in a form two versions can be compared by. */
export function settingsFingerprint(organization: Organization | undefined): string {
  return (organization?.extension ?? [])
    .filter((e) => SETTINGS_URLS.has(e.url))
    .map(canonical)
    .sort()
    .join('\n');
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/**
 * What the settings' definitions cannot say about an Organization about to be stored, one issue per
 * problem with its path: text that is only blanks (crisis text, a contact's value), a contact point
 * with more than system, value, use and rank (the portal shows those), a sharing category listed
 * twice (a mistake the page never makes, not a stronger default). Types, codes, ranges, lengths and
 * counts are the validator's (see SETTINGS_URLS).
 */
export function settingsIssues(organization: Organization): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const problem = (text: string, where: string) =>
    issues.push({ severity: 'error', code: 'invalid', details: { text }, expression: [where] });
  const extensions: unknown = organization.extension;
  if (!Array.isArray(extensions)) return issues;
  const categories = new Set<unknown>();
  extensions.forEach((raw: unknown, i) => {
    const ext = (raw ?? {}) as Extension;
    const path = `Organization.extension[${i}]`;
    if (ext.url === PORTAL_CRISIS_TEXT_URL && typeof ext.valueString === 'string' && !ext.valueString.trim())
      problem('portal-crisis-text: must not be blank', `${path}.valueString`);
    if (ext.url === PORTAL_CONTACT_URL && ext.valueContactPoint) {
      const contact = ext.valueContactPoint as ContactPoint & Record<string, unknown>;
      const extra = Object.keys(contact).filter((k) => !CONTACT_KEYS.has(k));
      if (extra.length)
        problem(
          `portal-contact: may only have system, value, use and rank (not ${extra.join(', ')})`,
          `${path}.valueContactPoint`,
        );
      if (typeof contact.value !== 'string' || !contact.value.trim())
        problem('portal-contact: needs a value', `${path}.valueContactPoint`);
    }
    if (ext.url === SHARING_DEFAULT_URL) {
      if (categories.has(ext.valueCode)) problem('record-sharing-default: each category may appear once', path);
      categories.add(ext.valueCode);
    }
  });
  return issues;
}

const CONTACT_KEYS: ReadonlySet<string> = new Set(['system', 'value', 'use', 'rank']);

/** Whether the practice lets its staff invite patients to the portal (absent: no). */
export function invitationsEnabled(practice: Organization | undefined): boolean {
  return practice?.extension?.find((e) => e.url === PATIENT_INVITATIONS_URL)?.valueBoolean === true;
}

/** What happens to a patient's own edits at this practice (absent or unknown: disabled). */
export function patientUpdateMode(practice: Organization | undefined): PatientUpdateMode {
  const code = practice?.extension?.find((e) => e.url === PATIENT_UPDATES_URL)?.valueCode;
  return (PATIENT_UPDATE_MODES as readonly unknown[]).includes(code) ? (code as PatientUpdateMode) : 'disabled';
}
