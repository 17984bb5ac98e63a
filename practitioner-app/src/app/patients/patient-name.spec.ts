import type { Patient } from '@web-shared/fhir';
import { displayName, primaryNameIndex } from './patient-name';

describe('patient names', () => {
  it('prefers the official name over earlier ones', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      name: [
        { use: 'nickname', given: ['Bobby'] },
        { use: 'official', family: 'Tables', given: ['Robert', 'Drop'] },
      ],
    };
    expect(primaryNameIndex(patient)).toBe(1);
    expect(displayName(patient)).toBe('Tables, Robert Drop');
  });

  it('falls back to given names, text, then a placeholder', () => {
    expect(displayName({ resourceType: 'Patient', name: [{ given: ['Cher'] }] })).toBe('Cher');
    expect(displayName({ resourceType: 'Patient', name: [{ text: 'Dr. Who' }] })).toBe('Dr. Who');
    expect(displayName({ resourceType: 'Patient' })).toBe('Unnamed patient');
    expect(primaryNameIndex({ resourceType: 'Patient' })).toBe(-1);
  });
});
