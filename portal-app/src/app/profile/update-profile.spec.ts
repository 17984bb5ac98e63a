import type { Organization } from '@web-shared/fhir';
import type { Parameters, Person } from './profile-types';
import {
  linkedPatientIds,
  modeOf,
  PATIENT_UPDATES_URL,
  type PracticeRecord,
  practiceRecordOf,
  practiceResults,
  storedProfile,
  updateParameters,
} from './update-profile';

const HARBOUR: PracticeRecord = {
  patientId: 'p1',
  version: '4',
  organizationId: 'o1',
  practiceName: 'Harbourside Family Practice',
  mode: 'automatic',
};
const HILL: PracticeRecord = {
  patientId: 'p2',
  version: '1',
  organizationId: 'o2',
  practiceName: 'Hill Surgery',
  mode: 'review',
};

const result = (patient: string, status: string, ...extra: object[]) => ({
  name: 'result',
  part: [
    { name: 'patient', valueReference: { reference: `Patient/${patient}` } },
    { name: 'organization', valueReference: { reference: 'Organization/o9' } },
    { name: 'status', valueCode: status },
    ...extra,
  ],
});

describe('$update-profile parameters', () => {
  it('sends the profile (with the version loaded) and each record with its loaded version', () => {
    const profile: Person = { resourceType: 'Person', id: 'pe1', meta: { versionId: '7' } };
    expect(updateParameters(profile, [HARBOUR, { ...HILL, version: undefined }])).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'profile', resource: profile },
        {
          name: 'record',
          part: [
            { name: 'patient', valueReference: { reference: 'Patient/p1' } },
            { name: 'version', valueId: '4' },
          ],
        },
        { name: 'record', part: [{ name: 'patient', valueReference: { reference: 'Patient/p2' } }] },
      ],
    });
  });

  it('reads the stored profile back', () => {
    const stored = { resourceType: 'Person', id: 'pe1', meta: { versionId: '8' } };
    expect(storedProfile({ resourceType: 'Parameters', parameter: [{ name: 'profile', resource: stored }] })).toEqual(
      stored as Person,
    );
    expect(storedProfile({ resourceType: 'Parameters' })).toBeUndefined();
  });

  it('says per practice what happened, in plain words', () => {
    const answer = {
      resourceType: 'Parameters',
      parameter: [
        result('p1', 'updated', { name: 'field', valueCode: 'telecom' }),
        result('p2', 'proposed', { name: 'task', valueReference: { reference: 'Task/t1' } }),
        result('p3', 'not-sent'),
        result('p4', 'conflict', { name: 'field', valueCode: 'telecom' }, { name: 'field', valueCode: 'address' }),
        result('p5', 'unchanged'),
      ],
    } as Parameters;
    const records = [
      HARBOUR,
      HILL,
      { ...HILL, patientId: 'p3', practiceName: 'Quay Clinic' },
      { ...HILL, patientId: 'p4', practiceName: 'Dock Practice' },
      { ...HILL, patientId: 'p5', practiceName: 'Pier Practice' },
    ];
    const results = practiceResults(answer, records);
    expect(results.map((r) => r.text)).toEqual([
      'Harbourside Family Practice: updated',
      'Hill Surgery: your practice will review this change (waiting)',
      'Quay Clinic: this practice does not take updates from the portal; kept in your profile only',
      'Dock Practice: changed your record since you opened this page (phone or e-mail, address). Reload to see their version.',
      'Pier Practice: nothing to change',
    ]);
    expect(results[1]?.task).toBe('Task/t1');
    expect(results[3]?.fields).toEqual(['telecom', 'address']);
  });

  it('names a practice it did not load by the display the server gave, else "Your practice"', () => {
    const answer = {
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'result',
          part: [
            { name: 'patient', valueReference: { reference: 'Patient/x', display: 'New Practice' } },
            { name: 'status', valueCode: 'updated' },
          ],
        },
        { name: 'result', part: [{ name: 'status', valueCode: 'odd' }] },
      ],
    } as Parameters;
    expect(practiceResults(answer, []).map((r) => r.text)).toEqual([
      'New Practice: updated',
      'Your practice: the server did not say what happened',
    ]);
  });
});

describe('practice records', () => {
  const org = (mode?: string): Organization => ({
    resourceType: 'Organization',
    id: 'o1',
    name: 'Harbourside Family Practice',
    ...(mode ? { extension: [{ url: PATIENT_UPDATES_URL, valueCode: mode }] } : {}),
  });

  it("reads the practice's setting, absent or unknown meaning disabled", () => {
    expect(modeOf(org('review'))).toBe('review');
    expect(modeOf(org())).toBe('disabled');
    expect(modeOf(org('sometimes'))).toBe('disabled');
    expect(modeOf(undefined)).toBe('disabled');
  });

  it('joins a Patient to its practice by managingOrganization, else by the owner tag', () => {
    const orgs = new Map([['o1', org('notify')]]);
    expect(
      practiceRecordOf(
        {
          resourceType: 'Patient',
          id: 'p1',
          meta: { versionId: '2' },
          managingOrganization: { reference: 'Organization/o1' },
        },
        orgs,
      ),
    ).toEqual({
      patientId: 'p1',
      version: '2',
      organizationId: 'o1',
      practiceName: 'Harbourside Family Practice',
      mode: 'notify',
    });
    const tagged = practiceRecordOf(
      {
        resourceType: 'Patient',
        id: 'p2',
        meta: { tag: [{ system: 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice', code: 'o1' }] },
      },
      orgs,
    );
    expect(tagged.organizationId).toBe('o1');
    expect(practiceRecordOf({ resourceType: 'Patient', id: 'p3' }, orgs).practiceName).toBe('Your practice');
  });

  it('lists the Patients the Person links to, and nothing else', () => {
    expect(
      linkedPatientIds({
        resourceType: 'Person',
        link: [
          { target: { reference: 'Patient/p1' } },
          { target: { reference: 'RelatedPerson/r1' } },
          { target: { reference: 'Patient/p2' } },
        ],
      }),
    ).toEqual(['p1', 'p2']);
  });
});
