import type { ContactPoint, Extension, Organization, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { MINOR_PROXY_AGE_URL } from './grants/family-terms.ts';
import { SHARING_CATEGORIES } from '../fhir/record-categories.ts';
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

/** Longest crisis / after-hours text, and longest contact value (characters). */
export const MAX_CRISIS_TEXT = 2000;
export const MAX_CONTACT_VALUE = 200;
/** Most contact details one practice lists. */
export const MAX_CONTACTS = 10;
const CONTACT_SYSTEMS = new Set(['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other']);

/** What one setting's extension must carry: its value[x] key, how many, and what a value may be. */
interface SettingRule {
  valueKey: keyof Extension;
  repeats: number;
  /** A problem with the value, in words; undefined when it is fine. */
  check(value: unknown): string | undefined;
}

const isBoolean = (v: unknown) => (typeof v === 'boolean' ? undefined : 'must be true or false');
const oneOf = (codes: readonly string[]) => (v: unknown) =>
  typeof v === 'string' && codes.includes(v) ? undefined : `must be one of: ${codes.join(', ')}`;

const RULES: Readonly<Record<string, SettingRule>> = {
  [SHARING_DEFAULT_URL]: {
    valueKey: 'valueCode',
    repeats: SHARING_CATEGORIES.length,
    check: oneOf(SHARING_CATEGORIES),
  },
  [NOTE_SHARING_URL]: { valueKey: 'valueBoolean', repeats: 1, check: isBoolean },
  [MINOR_PROXY_AGE_URL]: {
    valueKey: 'valueUnsignedInt',
    repeats: 1,
    check: (v) =>
      Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 25
        ? undefined
        : 'must be a whole number of years from 1 to 25',
  },
  [PATIENT_INVITATIONS_URL]: { valueKey: 'valueBoolean', repeats: 1, check: isBoolean },
  [PATIENT_UPDATES_URL]: { valueKey: 'valueCode', repeats: 1, check: oneOf(PATIENT_UPDATE_MODES) },
  [PORTAL_CONTACT_URL]: { valueKey: 'valueContactPoint', repeats: MAX_CONTACTS, check: contactProblem },
  [PORTAL_CRISIS_TEXT_URL]: {
    valueKey: 'valueString',
    repeats: 1,
    check: (v) =>
      typeof v === 'string' && v.trim() !== '' && v.length <= MAX_CRISIS_TEXT
        ? undefined
        : `must be text of 1 to ${MAX_CRISIS_TEXT} characters`,
  },
};

/** The extension URLs of the practice settings. */
export const SETTINGS_URLS: ReadonlySet<string> = new Set(Object.keys(RULES));

function contactProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be a contact point';
  const { system, value, ...rest } = v as ContactPoint & Record<string, unknown>;
  const extra = Object.keys(rest).filter((k) => k !== 'use' && k !== 'rank');
  if (extra.length) return `may only have system, value, use and rank (not ${extra.join(', ')})`;
  if (typeof system !== 'string' || !CONTACT_SYSTEMS.has(system))
    return `system must be one of: ${[...CONTACT_SYSTEMS].join(', ')}`;
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_CONTACT_VALUE)
    return `value must be text of 1 to ${MAX_CONTACT_VALUE} characters`;
  return undefined;
}

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
 * What is wrong with the settings extensions of an Organization about to be stored, one issue per
 * problem with its path (`Organization.extension[3].valueCode`); none when all are well formed.
 * Other extensions are not this module's.
 */
export function settingsIssues(organization: Organization): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const seen = new Map<string, number>();
  const extensions: unknown = organization.extension;
  if (!Array.isArray(extensions)) return issues;
  extensions.forEach((raw: unknown, i) => {
    const ext = raw as Extension;
    const rule = typeof ext?.url === 'string' && Object.hasOwn(RULES, ext.url) ? RULES[ext.url] : undefined;
    if (!rule) return;
    const path = `Organization.extension[${i}]`;
    const name = ext.url.slice(BASE.length + 1);
    const count = (seen.get(ext.url) ?? 0) + 1;
    seen.set(ext.url, count);
    const problem = (text: string, where = path) =>
      issues.push({ severity: 'error', code: 'invalid', details: { text: `${name}: ${text}` }, expression: [where] });
    const valueKeys = Object.keys(ext).filter((k) => k.startsWith('value'));
    const others = Object.keys(ext).filter((k) => k !== 'url' && k !== 'id' && !k.startsWith('value'));
    if (others.length) problem(`may not have ${others.join(', ')}`);
    if (valueKeys.length !== 1 || valueKeys[0] !== rule.valueKey) {
      problem(`needs exactly one ${rule.valueKey}${valueKeys.length ? ` (not ${valueKeys.join(', ')})` : ''}`);
      return;
    }
    const wrong = rule.check((ext as unknown as Record<string, unknown>)[rule.valueKey]);
    if (wrong) problem(wrong, `${path}.${rule.valueKey}`);
    if (count === rule.repeats + 1)
      problem(rule.repeats === 1 ? 'may appear once' : `may appear at most ${rule.repeats} times`);
  });
  // Each category once: a repeated one is a mistake the page never makes, not a stronger default.
  const categories = extensions
    .filter((e: Extension) => e?.url === SHARING_DEFAULT_URL)
    .map((e: Extension) => e.valueCode);
  if (new Set(categories).size !== categories.length)
    issues.push({
      severity: 'error',
      code: 'invalid',
      details: { text: 'record-sharing-default: each category may appear once' },
      expression: ['Organization.extension'],
    });
  return issues;
}

/** Whether the practice lets its staff invite patients to the portal (absent: no). */
export function invitationsEnabled(practice: Organization | undefined): boolean {
  return practice?.extension?.find((e) => e.url === PATIENT_INVITATIONS_URL)?.valueBoolean === true;
}

/** What happens to a patient's own edits at this practice (absent or unknown: disabled). */
export function patientUpdateMode(practice: Organization | undefined): PatientUpdateMode {
  const code = practice?.extension?.find((e) => e.url === PATIENT_UPDATES_URL)?.valueCode;
  return (PATIENT_UPDATE_MODES as readonly unknown[]).includes(code) ? (code as PatientUpdateMode) : 'disabled';
}
