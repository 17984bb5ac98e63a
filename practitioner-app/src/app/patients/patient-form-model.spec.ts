import type { Patient } from '@web-shared/fhir';
import { applyFormValue, EMPTY_PATIENT_FORM, toFormValue } from './patient-form-model';

describe('patient form model', () => {
  const stored: Patient = {
    resourceType: 'Patient',
    id: 'p1',
    meta: { versionId: '4' },
    identifier: [{ system: 'urn:mrn', value: '123' }],
    name: [
      { use: 'maiden', family: 'Old' },
      { use: 'official', family: 'Doe', given: ['Jane', 'Q'], prefix: ['Dr'], text: 'Dr Jane Q Doe' },
    ],
    gender: 'female',
    birthDate: '1980-02-29',
    telecom: [
      { system: 'url', value: 'https://jane.example' },
      { system: 'phone', value: '555-0100', use: 'mobile' },
      { system: 'email', value: 'jane@example.org' },
    ],
  } as Patient;

  it('reads the primary name, first phone and first email', () => {
    expect(toFormValue(stored)).toEqual({
      given: 'Jane Q',
      family: 'Doe',
      gender: 'female',
      birthDate: '1980-02-29',
      phone: '555-0100',
      email: 'jane@example.org',
    });
  });

  it('changes only the edited fields and keeps everything else', () => {
    const saved = applyFormValue(stored, { ...toFormValue(stored), family: 'Roe', phone: '555-0199', email: '' });
    expect((saved as unknown as { identifier: unknown }).identifier).toEqual([{ system: 'urn:mrn', value: '123' }]);
    expect(saved.meta).toEqual({ versionId: '4' });
    expect(saved.name).toEqual([
      { use: 'maiden', family: 'Old' },
      { use: 'official', family: 'Roe', given: ['Jane', 'Q'], prefix: ['Dr'] },
    ]);
    expect(saved.telecom).toEqual([
      { system: 'url', value: 'https://jane.example' },
      { system: 'phone', value: '555-0199', use: 'mobile' },
    ]);
    expect(stored.name![1]!.family).toBe('Doe');
  });

  it('keeps the name text when the name parts did not change', () => {
    expect(applyFormValue(stored, toFormValue(stored)).name![1]!.text).toBe('Dr Jane Q Doe');
  });

  it('builds a new patient without empty values', () => {
    const created = applyFormValue(
      { resourceType: 'Patient' },
      { ...EMPTY_PATIENT_FORM, given: ' Ann  Marie ', family: 'Lee', phone: '555' },
    );
    expect(created).toEqual({
      resourceType: 'Patient',
      name: [{ use: 'official', given: ['Ann', 'Marie'], family: 'Lee' }],
      telecom: [{ system: 'phone', value: '555' }],
    });
  });

  it('removes cleared gender and birth date', () => {
    const saved = applyFormValue(stored, { ...toFormValue(stored), gender: '', birthDate: '' });
    expect('gender' in saved).toBeFalse();
    expect('birthDate' in saved).toBeFalse();
  });
});
