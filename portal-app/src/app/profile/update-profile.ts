import type { Organization } from '@web-shared/fhir';
import type { Parameters, ParametersParameter, Person, PracticePatient } from './profile-types';

/**
 * `Person/[id]/$update-profile` (contract of issue #13): the Parameters the page sends and the
 * per-practice results it reads back, said in plain words.
 */

export const PATIENT_UPDATES_URL = 'https://patient-portal.example.org/fhir/StructureDefinition/patient-updates';
const OWNER_SYSTEM = 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice';

export type UpdateMode = 'disabled' | 'notify' | 'automatic' | 'review';
const MODES: readonly UpdateMode[] = ['disabled', 'notify', 'automatic', 'review'];
export type UpdateStatus = 'updated' | 'not-sent' | 'proposed' | 'conflict' | 'unchanged';
const STATUSES: readonly UpdateStatus[] = ['updated', 'not-sent', 'proposed', 'conflict', 'unchanged'];

/** One of the patient's records at a practice, as loaded (its version is what a save is checked against). */
export interface PracticeRecord {
  patientId: string;
  version: string | undefined;
  organizationId: string | undefined;
  practiceName: string;
  /** The practice's patient-updates setting; absent means disabled (decision 0026). */
  mode: UpdateMode;
}

export interface PracticeResult {
  patientId: string;
  practiceName: string;
  status: UpdateStatus | 'unknown';
  fields: string[];
  task?: string;
  text: string;
}

/** The practice behind a Patient: its managingOrganization, else the owning-practice tag. */
export function practiceIdOf(patient: PracticePatient): string | undefined {
  const managing = /^Organization\/([^/]+)$/.exec(patient.managingOrganization?.reference ?? '')?.[1];
  return managing ?? patient.meta?.tag?.find((t) => t.system === OWNER_SYSTEM)?.code;
}

export function modeOf(organization: Organization | undefined): UpdateMode {
  const code = organization?.extension?.find((e) => e.url === PATIENT_UPDATES_URL)?.valueCode;
  return MODES.find((m) => m === code) ?? 'disabled';
}

export function practiceRecordOf(patient: PracticePatient, organizations: Map<string, Organization>): PracticeRecord {
  const organizationId = practiceIdOf(patient);
  const organization = organizationId ? organizations.get(organizationId) : undefined;
  return {
    patientId: patient.id ?? '',
    version: patient.meta?.versionId,
    organizationId,
    practiceName: organization?.name?.trim() || 'Your practice',
    mode: modeOf(organization),
  };
}

/** The Patient ids the Person links to (its records at each practice). */
export function linkedPatientIds(person: Person): string[] {
  return (person.link ?? []).flatMap((l) => {
    const id = /^Patient\/([^/]+)$/.exec(l.target?.reference ?? '')?.[1];
    return id ? [id] : [];
  });
}

/** The operation's input: the profile (carrying the version loaded) and each record's loaded version. */
export function updateParameters(profile: Person, records: PracticeRecord[]): Parameters {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'profile', resource: profile },
      ...records.map((r): ParametersParameter => ({
        name: 'record',
        part: [
          { name: 'patient', valueReference: { reference: `Patient/${r.patientId}` } },
          ...(r.version ? [{ name: 'version', valueId: r.version }] : []),
        ],
      })),
    ],
  };
}

/** The Person as stored, from the operation's answer. */
export function storedProfile(answer: Parameters): Person | undefined {
  const resource = answer.parameter?.find((p) => p.name === 'profile')?.resource;
  return resource?.resourceType === 'Person' ? (resource as Person) : undefined;
}

/** One plain sentence per practice, in the order of the answer. */
export function practiceResults(answer: Parameters, records: PracticeRecord[]): PracticeResult[] {
  return (answer.parameter ?? [])
    .filter((p) => p.name === 'result')
    .map((result) => {
      const part = (name: string) => (result.part ?? []).filter((p) => p.name === name);
      const patientRef = part('patient')[0]?.valueReference;
      const patientId = /^Patient\/([^/]+)$/.exec(patientRef?.reference ?? '')?.[1] ?? '';
      const organizationId = /^Organization\/([^/]+)$/.exec(
        part('organization')[0]?.valueReference?.reference ?? '',
      )?.[1];
      const record =
        records.find((r) => r.patientId === patientId) ??
        (organizationId ? records.find((r) => r.organizationId === organizationId) : undefined);
      const practiceName = record?.practiceName ?? (patientRef?.display?.trim() || 'Your practice');
      const code = part('status')[0]?.valueCode;
      const status = STATUSES.find((s) => s === code) ?? 'unknown';
      const fields = part('field').flatMap((f) => (f.valueCode ? [f.valueCode] : []));
      const task = part('task')[0]?.valueReference?.reference;
      return {
        patientId,
        practiceName,
        status,
        fields,
        ...(task ? { task } : {}),
        text: resultText(practiceName, status, fields),
      };
    });
}

/** The fields of `patient-update-field`, in the words the page uses for them. */
const FIELD_WORDS: Record<string, string> = {
  name: 'name',
  telecom: 'phone or e-mail',
  gender: 'gender',
  birthDate: 'date of birth',
  address: 'address',
  contact: 'emergency contacts',
};

export function fieldWords(field: string): string {
  return FIELD_WORDS[field] ?? field;
}

export function resultText(practice: string, status: UpdateStatus | 'unknown', fields: string[]): string {
  switch (status) {
    case 'updated':
      return `${practice}: updated`;
    case 'proposed':
      return `${practice}: your practice will review this change (waiting)`;
    case 'not-sent':
      return `${practice}: this practice does not take updates from the portal; kept in your profile only`;
    case 'conflict': {
      const which = fields.length > 0 ? ` (${fields.map(fieldWords).join(', ')})` : '';
      return `${practice}: changed your record since you opened this page${which}. Reload to see their version.`;
    }
    case 'unchanged':
      return `${practice}: nothing to change`;
    case 'unknown':
      return `${practice}: the server did not say what happened`;
  }
}
