import { HttpErrorResponse } from '@angular/common/http';
import type { Patient } from '@web-shared/fhir';
import {
  BASE_VERSION,
  decideErrorMessages,
  decideParameters,
  diffPatients,
  FIELD_SYSTEM,
  fieldText,
  isUnreviewedChange,
  latestPatientChange,
  PATIENT_UPDATE_MARK,
  PROPOSAL_CODE,
  PROPOSAL_SYSTEM,
  type ProposalTask,
  proposalPatientId,
  proposedFields,
  REVIEWED_MARK,
  withReviewedMark,
} from './profile-change-model';

const OWNER = { system: 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice', code: 'org-1' };

function version(versionId: string, tags: object[], fields: Partial<Patient> & Record<string, unknown> = {}): Patient {
  return {
    resourceType: 'Patient',
    id: 'p1',
    meta: { versionId, lastUpdated: `2026-11-0${versionId}T10:00:00Z`, tag: [OWNER, ...tags] },
    name: [{ family: 'Smith', given: ['Olivia'] }],
    ...fields,
  } as Patient;
}
const marked = [PATIENT_UPDATE_MARK];
const reviewed = [PATIENT_UPDATE_MARK, REVIEWED_MARK];

describe('profile change model', () => {
  it('says each field in words, "None" when empty', () => {
    expect(
      fieldText('telecom', [
        { system: 'phone', use: 'mobile', value: '0412' },
        { system: 'email', value: 'o@x' },
      ]),
    ).toBe('mobile phone: 0412; email: o@x');
    expect(fieldText('address', [{ use: 'home', line: ['1 Bay St'], city: 'Hobart', postalCode: '7000' }])).toBe(
      'home: 1 Bay St, Hobart, 7000',
    );
    expect(fieldText('gender', 'female')).toBe('Female');
    expect(fieldText('birthDate', '1980-02-29')).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date('1980-02-29T00:00:00Z'),
      ),
    );
    expect(
      fieldText('contact', [
        {
          relationship: [{ coding: [{ code: 'C', display: 'Emergency Contact' }] }],
          name: { given: ['James'], family: 'Smith' },
          telecom: [{ system: 'phone', value: '+61 412 555 020' }],
        },
      ]),
    ).toBe('James Smith (Emergency Contact), phone: +61 412 555 020');
    expect(fieldText('name', [{ given: ['Liv'], family: 'Smith' }])).toBe('Liv Smith');
    expect(fieldText('telecom', [])).toBe('None');
    expect(fieldText('address', undefined)).toBe('None');
  });

  it('diffs two versions into the changed fields only, in a fixed order', () => {
    const before = version('1', [], { gender: 'female', telecom: [{ system: 'phone', value: '0400' }] });
    const after = version('2', marked, {
      gender: 'female',
      telecom: [{ system: 'phone', value: '0411' }],
      birthDate: '1980-01-02',
    });
    const rows = diffPatients(before, after);
    expect(rows.map((r) => r.field)).toEqual(['telecom', 'birthDate']);
    expect(rows[0]).toEqual({
      field: 'telecom',
      label: 'Phones and e-mail',
      before: 'phone: 0400',
      after: 'phone: 0411',
    });
    expect(rows[1]!.before).toBe('None');
  });

  it('finds the newest unreviewed patient change against the version before the patient’s writes', () => {
    const history = [
      version('4', marked, { gender: 'other' }),
      version('3', marked, { gender: 'male' }),
      version('2', [], { gender: 'female' }),
      version('1', [], {}),
    ];
    const change = latestPatientChange(history)!;
    expect(change.version.meta?.versionId).toBe('4');
    expect(change.when).toBe('2026-11-04T10:00:00Z');
    expect(change.changes).toEqual([{ field: 'gender', label: 'Gender', before: 'Female', after: 'Other' }]);
    expect(change.complete).toBeTrue();
    expect(change.reviewed).toBeFalse();
  });

  it('a reviewed version ends a run; a later reviewed mark says the change was reviewed', () => {
    const history = [
      version('3', reviewed, { gender: 'male' }),
      version('2', marked, { gender: 'male' }),
      version('1', [], { gender: 'female' }),
    ];
    const change = latestPatientChange(history)!;
    expect(change.version.meta?.versionId).toBe('2');
    expect(change.reviewed).toBeTrue();
    expect(change.changes.map((c) => c.after)).toEqual(['Male']);
    expect(latestPatientChange([version('1', [])])).toBeUndefined();
    // Only marked versions read (the page of history ends first): said to be partial.
    const partial = latestPatientChange([version('2', marked, { gender: 'male' }), version('1', marked)])!;
    expect(partial.complete).toBeFalse();
    expect(partial.changes.map((c) => `${c.before} → ${c.after}`)).toEqual(['None → Male']);
    expect(isUnreviewedChange(version('3', reviewed))).toBeFalse();
  });

  it('adds the reviewed mark keeping every other tag and the version for If-Match', () => {
    const record = version('7', marked) as Patient & { id: string };
    const out = withReviewedMark(record);
    expect(out.meta?.versionId).toBe('7');
    expect(out.meta?.tag).toEqual([OWNER, PATIENT_UPDATE_MARK, REVIEWED_MARK]);
    expect(withReviewedMark(out).meta?.tag?.length).toBe(3);
  });

  const task: ProposalTask = {
    resourceType: 'Task',
    id: 't1',
    status: 'requested',
    code: { coding: [{ system: PROPOSAL_SYSTEM, code: PROPOSAL_CODE }] },
    for: { reference: 'Patient/p1' },
    input: [
      { type: { coding: [{ system: FIELD_SYSTEM, code: BASE_VERSION }] }, valueString: '3' },
      {
        type: { coding: [{ system: FIELD_SYSTEM, code: 'telecom' }] },
        valueString: JSON.stringify([{ system: 'phone', use: 'mobile', value: '+61 412 555 019' }]),
      },
      { type: { coding: [{ system: FIELD_SYSTEM, code: 'gender' }] }, valueString: '{not json' },
    ],
  };

  it('reads a proposal: current value → proposed value per field, base version left out', () => {
    expect(proposalPatientId(task)).toBe('p1');
    const rows = proposedFields(task, version('3', [], { telecom: [{ system: 'phone', value: '0400' }] }));
    expect(rows).toEqual([
      {
        field: 'telecom',
        label: 'Phones and e-mail',
        before: 'phone: 0400',
        after: 'mobile phone: +61 412 555 019',
        unreadable: false,
      },
      { field: 'gender', label: 'Gender', before: 'None', after: '{not json', unreadable: true },
    ]);
    expect(proposedFields(task, undefined)[0]!.before).toBe('—');
  });

  it('builds the $decide Parameters with one accept or reject per field', () => {
    expect(
      decideParameters([
        ['telecom', 'accept'],
        ['contact', 'reject'],
      ]),
    ).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'accept', valueCode: 'telecom' },
        { name: 'reject', valueCode: 'contact' },
      ],
    });
  });

  it('names the field the practice changed since on 409, and gives the server’s words otherwise', () => {
    const outcome = (status: number, text: string) =>
      new HttpErrorResponse({
        status,
        error: {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'conflict', details: { text } }],
        },
      });
    expect(
      decideErrorMessages(
        outcome(
          409,
          'The practice changed Patient.telecom since the patient proposed this: review the record and decide again',
        ),
      ),
    ).toEqual([
      'The practice changed Phones and e-mail since the patient proposed this; reject it or ask the patient.',
    ]);
    expect(
      decideErrorMessages(outcome(409, 'The practice changed Patient.telecom, Patient.contact since…'))[0],
    ).toContain('Phones and e-mail, Emergency contacts since the patient proposed this; reject them');
    expect(decideErrorMessages(outcome(409, 'This proposal was already decided (completed)'))).toEqual([
      'This proposal was already decided (completed)',
    ]);
    expect(decideErrorMessages(outcome(400, 'Decide every proposed field: gender is missing'))).toEqual([
      'Decide every proposed field: gender is missing',
    ]);
    expect(decideErrorMessages(outcome(403, 'Only the practice decides'))).toEqual(['Only the practice decides']);
  });
});
