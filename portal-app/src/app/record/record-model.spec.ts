import type { DocumentReference, Patient } from '@web-shared/fhir';
import {
  binaryIdOf,
  decodeBase64Text,
  groupPatients,
  isNote,
  NOTE_CATEGORY_SYSTEM,
  OWNING_PRACTICE_SYSTEM,
  owningPractice,
  toAllergy,
  toDocument,
  toImmunization,
  toMedication,
  toNote,
  toResult,
} from './record-model';
import { base64Utf8 } from './record-testing';

function patient(id: string, practice: string | undefined, given = 'Olivia'): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ given: [given], family: 'Smith' }],
    ...(practice ? { meta: { tag: [{ system: OWNING_PRACTICE_SYSTEM, code: practice }] } } : {}),
  };
}

describe('record-model', () => {
  it('reads the owning practice from the owner tag only', () => {
    expect(owningPractice(patient('p1', 'org-1'))).toBe('org-1');
    expect(
      owningPractice({ meta: { tag: [{ system: 'https://other.example/tags', code: 'org-1' }] } }),
    ).toBeUndefined();
  });

  it("groups one person's records by practice, and a family member's by practice and person", () => {
    expect(groupPatients([patient('p1', 'org-1'), patient('p2', 'org-2')])).toEqual([
      { practiceId: 'org-1', patientIds: ['p1'], patientName: 'Olivia Smith', severalPeople: false },
      { practiceId: 'org-2', patientIds: ['p2'], patientName: 'Olivia Smith', severalPeople: false },
    ]);
    expect(groupPatients([patient('p1', 'org-1'), patient('c1', 'org-1', 'Noah'), patient('x', undefined)])).toEqual([
      { practiceId: 'org-1', patientIds: ['p1'], patientName: 'Olivia Smith', severalPeople: true },
      { practiceId: 'org-1', patientIds: ['c1'], patientName: 'Noah Smith', severalPeople: true },
      { practiceId: '', patientIds: ['x'], patientName: 'Olivia Smith', severalPeople: true },
    ]);
  });

  it('decodes base64 as UTF-8 (accents and beyond), and refuses what is not base64', () => {
    expect(decodeBase64Text(base64Utf8('Café, naïve — señor 👍'))).toBe('Café, naïve — señor 👍');
    expect(decodeBase64Text('not base64!')).toBeUndefined();
  });

  it("tells notes from documents by US Core's clinical-note category", () => {
    const note: DocumentReference = {
      resourceType: 'DocumentReference',
      category: [{ coding: [{ system: NOTE_CATEGORY_SYSTEM, code: 'clinical-note' }] }],
    };
    expect(isNote(note)).toBeTrue();
    expect(
      isNote({ resourceType: 'DocumentReference', category: [{ coding: [{ code: 'clinical-note' }] }] }),
    ).toBeFalse();
    expect(isNote({ resourceType: 'DocumentReference' })).toBeFalse();
  });

  it('makes a note of its text, author and date; other attachments become files', () => {
    const note = toNote({
      resourceType: 'DocumentReference',
      id: 'n1',
      date: '2026-11-02T09:15:00Z',
      author: [{ reference: 'Practitioner/d1', display: 'Dr Amara Okafor' }],
      content: [
        {
          attachment: {
            contentType: 'text/plain; charset=utf-8',
            data: base64Utf8('Tension réduite.\nRevoir en mars.'),
          },
        },
        { attachment: { contentType: 'application/pdf', url: 'Binary/b7', title: 'Letter.pdf' } },
      ],
    });
    expect(note).toEqual({
      id: 'n1',
      date: '2026-11-02T09:15:00Z',
      author: 'Dr Amara Okafor',
      title: undefined,
      text: 'Tension réduite.\nRevoir en mars.',
      files: [{ title: 'Letter.pdf', contentType: 'application/pdf', binaryId: 'b7' }],
    });
  });

  it('makes a document of its description and downloadable attachments', () => {
    const document = toDocument({
      resourceType: 'DocumentReference',
      id: 'd1',
      description: 'Referral letter',
      content: [
        {
          attachment: {
            contentType: 'application/pdf',
            url: 'https://portal.example/fhir/R4/Binary/b1',
            title: 'referral.pdf',
          },
        },
        { attachment: { contentType: 'text/plain', data: base64Utf8('hi') } },
        { attachment: { url: 'https://elsewhere.example/file.pdf' } },
      ],
    });
    expect(document.description).toBe('Referral letter');
    expect(document.files).toEqual([
      { title: 'referral.pdf', contentType: 'application/pdf', binaryId: 'b1' },
      { title: 'Referral letter', contentType: 'text/plain', data: base64Utf8('hi') },
    ]);
  });

  it('only takes Binary references as server files', () => {
    expect(binaryIdOf('Binary/abc-1')).toBe('abc-1');
    expect(binaryIdOf('/fhir/R4/Binary/abc/_history/2')).toBe('abc');
    expect(binaryIdOf('https://elsewhere.example/x.pdf')).toBeUndefined();
    expect(binaryIdOf('Binary/../Patient/p1')).toBeUndefined();
  });

  it('words results, medications, allergies and immunizations', () => {
    expect(
      toResult({
        resourceType: 'Observation',
        id: 'o1',
        code: { coding: [{ display: 'Haemoglobin' }] },
        valueQuantity: { value: 13.5, unit: 'g/dL' },
        effectiveDateTime: '2026-10-01',
      }),
    ).toEqual({ id: 'o1', name: 'Haemoglobin', value: '13.5 g/dL', date: '2026-10-01' });
    expect(toResult({ resourceType: 'Observation', id: 'o2', code: { text: 'Mood' }, valueString: 'Good' }).value).toBe(
      'Good',
    );
    expect(toResult({ resourceType: 'Observation', id: 'o3' })).toEqual({
      id: 'o3',
      name: 'Result',
      value: 'No value recorded',
      date: undefined,
    });
    expect(
      toMedication({
        resourceType: 'MedicationRequest',
        id: 'm1',
        status: 'on-hold',
        medicationCodeableConcept: { text: 'Amlodipine 5 mg tablet' },
        dosageInstruction: [{ text: 'One tablet each morning' }],
      }),
    ).toEqual({
      id: 'MedicationRequest/m1',
      name: 'Amlodipine 5 mg tablet',
      dosage: 'One tablet each morning',
      status: 'On hold',
    });
    expect(
      toAllergy({
        resourceType: 'AllergyIntolerance',
        id: 'a1',
        code: { text: 'Penicillin' },
        criticality: 'high',
        reaction: [{ manifestation: [{ text: 'Hives' }, { coding: [{ display: 'Wheezing' }] }] }],
      }),
    ).toEqual({ id: 'a1', name: 'Penicillin', reactions: ['Hives', 'Wheezing'], highRisk: true });
    expect(
      toImmunization({
        resourceType: 'Immunization',
        id: 'i1',
        vaccineCode: { text: 'Influenza' },
        occurrenceDateTime: '2026-04-12',
      }),
    ).toEqual({ id: 'i1', name: 'Influenza', date: '2026-04-12' });
  });
});
