import type { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '@web-shared/testing';
import type { Patient } from '@web-shared/fhir';
import { HealthRecordService, UNNAMED_PRACTICE } from './health-record.service';
import { NOTE_CATEGORY_SYSTEM, OWNING_PRACTICE_SYSTEM, type PracticeRecord } from './record-model';
import { base64Utf8, bundle } from './record-testing';

const TYPES = [
  'DocumentReference',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Immunization',
] as const;

function patient(id: string, practice: string): Patient {
  return { resourceType: 'Patient', id, meta: { tag: [{ system: OWNING_PRACTICE_SYSTEM, code: practice }] } };
}

describe('HealthRecordService', () => {
  let http: HttpTestingController;
  let result: PracticeRecord[] | undefined;
  let failure: unknown;

  beforeEach(() => {
    http = configureHttpTesting();
    result = undefined;
    failure = undefined;
    TestBed.inject(HealthRecordService)
      .load()
      .subscribe({ next: (r) => (result = r), error: (e: unknown) => (failure = e) });
  });

  afterEach(() => http.verify());

  const search = (type: string, patientId: string): TestRequest =>
    http.expectOne(
      (r) =>
        r.url === `/fhir/R4/${type}` &&
        r.params.get('patient') === `Patient/${patientId}` &&
        r.params.get('_count') === '100',
      `${type} of Patient/${patientId}`,
    );

  /** Answers every search of one Patient record with nothing, except those given. */
  function answerSearches(patientId: string, answers: Partial<Record<(typeof TYPES)[number], object>> = {}): void {
    for (const type of TYPES) search(type, patientId).flush(answers[type] ?? bundle());
  }

  it("loads each practice's part of the record, named by the practice, split into sections", () => {
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle(patient('p1', 'org-1'), patient('p2', 'org-2')));
    http
      .expectOne('/fhir/R4/Organization/org-1')
      .flush({ resourceType: 'Organization', id: 'org-1', name: 'Harbourside' });
    http
      .expectOne('/fhir/R4/Organization/org-2')
      .flush({ resourceType: 'Organization', id: 'org-2', name: 'Hillview' });
    answerSearches('p1', {
      DocumentReference: bundle(
        {
          resourceType: 'DocumentReference',
          id: 'n-old',
          date: '2026-01-01T10:00:00Z',
          category: [{ coding: [{ system: NOTE_CATEGORY_SYSTEM, code: 'clinical-note' }] }],
          content: [{ attachment: { contentType: 'text/plain', data: base64Utf8('Première visite') } }],
        },
        {
          resourceType: 'DocumentReference',
          id: 'n-new',
          date: '2026-06-01T10:00:00Z',
          category: [{ coding: [{ system: NOTE_CATEGORY_SYSTEM, code: 'clinical-note' }] }],
          content: [{ attachment: { contentType: 'text/plain', data: base64Utf8('Suivi') } }],
        },
        {
          resourceType: 'DocumentReference',
          id: 'd1',
          description: 'Referral',
          content: [{ attachment: { url: 'Binary/b1', title: 'referral.pdf' } }],
        },
      ),
      MedicationRequest: bundle({
        resourceType: 'MedicationRequest',
        id: 'm1',
        medicationCodeableConcept: { text: 'Amlodipine' },
      }),
      MedicationStatement: bundle({
        resourceType: 'MedicationStatement',
        id: 'm2',
        medicationCodeableConcept: { text: 'Vitamin D' },
      }),
    });
    answerSearches('p2', {
      Observation: bundle({
        resourceType: 'Observation',
        id: 'o1',
        code: { text: 'HbA1c' },
        valueQuantity: { value: 41, unit: 'mmol/mol' },
      }),
    });

    expect(failure).toBeUndefined();
    expect(result?.map((r) => [r.practiceName, r.patientIds])).toEqual([
      ['Harbourside', ['p1']],
      ['Hillview', ['p2']],
    ]);
    const [first, second] = result as [PracticeRecord, PracticeRecord];
    expect(first.notes.items?.map((n) => [n.id, n.text])).toEqual([
      ['n-new', 'Suivi'],
      ['n-old', 'Première visite'],
    ]);
    expect(first.documents.items?.map((d) => d.files)).toEqual([[{ title: 'referral.pdf', binaryId: 'b1' }]]);
    expect(first.medications.items?.map((m) => m.name)).toEqual(['Amlodipine', 'Vitamin D']);
    expect(first.results.items).toEqual([]);
    expect(second.results.items?.map((r) => r.value)).toEqual(['41 mmol/mol']);
    expect(second.notes.items).toEqual([]);
  });

  it("keeps the other sections when one search fails, with the server's words for the failed one", () => {
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle(patient('p1', 'org-1')));
    http
      .expectOne('/fhir/R4/Organization/org-1')
      .flush(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] },
        { status: 404, statusText: 'Not Found' },
      );
    for (const type of TYPES) {
      if (type === 'Immunization') {
        search(type, 'p1').flush(
          {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'forbidden', details: { text: 'Not allowed to read Immunization' } }],
          },
          { status: 403, statusText: 'Forbidden' },
        );
      } else {
        search(type, 'p1').flush(bundle());
      }
    }
    const [record] = result as [PracticeRecord];
    expect(record.practiceName).toBe(UNNAMED_PRACTICE);
    expect(record.immunizations).toEqual({ errors: ['Not allowed to read Immunization'] });
    expect(record.allergies).toEqual({ items: [] });
  });

  it("follows the server's next links", () => {
    http.expectOne('/fhir/R4/Patient?_count=100').flush({
      ...bundle(patient('p1', 'org-1')),
      link: [{ relation: 'next', url: 'https://portal.example/fhir/R4/Patient?_count=100&_page=2' }],
    });
    http.expectOne('/fhir/R4/Patient?_count=100&_page=2').flush(bundle(patient('p2', 'org-2')));
    http.expectOne('/fhir/R4/Organization/org-1').flush({ resourceType: 'Organization', name: 'A' });
    http.expectOne('/fhir/R4/Organization/org-2').flush({ resourceType: 'Organization', name: 'B' });
    answerSearches('p1');
    answerSearches('p2');
    expect(result?.map((r) => r.practiceName)).toEqual(['A', 'B']);
  });

  it("fails as a whole when the patient's records cannot be read, and asks nothing else", () => {
    http.expectOne('/fhir/R4/Patient?_count=100').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'exception', details: { text: 'Database unavailable' } }],
      },
      { status: 503, statusText: 'Service Unavailable' },
    );
    expect(result).toBeUndefined();
    expect(failure).toBeDefined();
  });

  it('answers an empty list when the account has no Patient record yet', () => {
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle());
    expect(result).toEqual([]);
  });
});
