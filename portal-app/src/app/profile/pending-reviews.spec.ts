import { reviewRows } from './pending-reviews';
import type { Task } from './profile-types';
import type { PracticeRecord } from './update-profile';

const FIELD = 'https://patient-portal.example.org/fhir/CodeSystem/patient-update-field';
const part = (code: string, value: { valueString?: string; valueCode?: string }) => ({
  type: { coding: [{ system: FIELD, code }] },
  ...value,
});
const RECORDS: PracticeRecord[] = [
  { patientId: 'p1', version: '1', organizationId: 'o1', practiceName: 'Harbourside Family Practice', mode: 'review' },
];

describe('pending reviews', () => {
  it('lists each proposed field with its status: waiting, then accepted or rejected', () => {
    const tasks: Task[] = [
      {
        resourceType: 'Task',
        id: 't1',
        status: 'requested',
        for: { reference: 'Patient/p1' },
        authoredOn: '2026-12-01T10:00:00Z',
        input: [part('base-version', { valueString: '3' }), part('telecom', { valueString: '[]' })],
      },
      {
        resourceType: 'Task',
        id: 't2',
        status: 'completed',
        for: { reference: 'Patient/p9' },
        authoredOn: '2026-12-02T10:00:00Z',
        input: [
          part('name', { valueString: '[]' }),
          part('address', { valueString: '[]' }),
          part('birthDate', { valueString: '"1980-01-01"' }),
        ],
        output: [part('name', { valueCode: 'accepted' }), part('address', { valueCode: 'rejected' })],
      },
    ];
    expect(reviewRows(tasks, RECORDS)).toEqual([
      {
        taskId: 't2',
        practiceName: 'Your practice',
        authoredOn: '2026-12-02T10:00:00Z',
        fields: [
          { field: 'name', label: 'Name', status: 'accepted' },
          { field: 'address', label: 'Address', status: 'rejected' },
          { field: 'birthDate', label: 'Date of birth', status: 'waiting' },
        ],
      },
      {
        taskId: 't1',
        practiceName: 'Harbourside Family Practice',
        authoredOn: '2026-12-01T10:00:00Z',
        fields: [{ field: 'telecom', label: 'Phone or e-mail', status: 'waiting' }],
      },
    ]);
  });

  it('counts the fields of a rejected Task without outputs as rejected, and leaves out Tasks without fields', () => {
    const rows = reviewRows(
      [
        { resourceType: 'Task', id: 't3', status: 'rejected', input: [part('gender', { valueString: '"other"' })] },
        { resourceType: 'Task', id: 't4', status: 'requested', input: [part('base-version', { valueString: '1' })] },
      ],
      RECORDS,
    );
    expect(rows.map((r) => [r.taskId, r.fields.map((f) => f.status)])).toEqual([['t3', ['rejected']]]);
  });
});
