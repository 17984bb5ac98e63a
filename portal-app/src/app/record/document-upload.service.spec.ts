import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { LOINC } from '@web-shared/documents';
import { DocumentUploadService, type UploadOutcome, uploadProblems } from './document-upload.service';

const PDF = new File(['%PDF-1.7 referral'], 'referral.pdf', { type: 'application/pdf' });
const TARGETS = [
  { patientId: 'p1', label: 'Harbourside Family Practice' },
  { patientId: 'p2', label: 'Hillview Surgery' },
];

function outcome415(text: string) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', details: { text } }] };
}

describe('DocumentUploadService', () => {
  let service: DocumentUploadService;
  let http: HttpTestingController;
  let outcomes: UploadOutcome[];
  let done: boolean;

  beforeEach(() => {
    http = configureHttpTesting();
    service = TestBed.inject(DocumentUploadService);
    outcomes = [];
    done = false;
  });

  afterEach(() => http.verify());

  function send(note = 'From Dr Lee'): void {
    service
      .upload({ file: PDF, contentType: 'application/pdf', typeLabel: 'Referral', note }, TARGETS)
      .subscribe({ next: (o) => outcomes.push(o), complete: () => (done = true) });
  }

  it('per practice, posts the raw file with its patient as security context, then a DocumentReference naming it', () => {
    send();
    // First practice: the Binary, nothing else yet.
    const binary1 = http.expectOne('/fhir/R4/Binary');
    expect(binary1.request.method).toBe('POST');
    expect(binary1.request.body).toBe(PDF);
    expect(binary1.request.headers.get('Content-Type')).toBe('application/pdf');
    expect(binary1.request.headers.get('X-Security-Context')).toBe('Patient/p1');
    expect(binary1.request.headers.get('Content-Disposition')).toBe(
      `attachment; filename="referral.pdf"; filename*=UTF-8''referral.pdf`,
    );
    http.expectNone('/fhir/R4/DocumentReference');
    binary1.flush({ resourceType: 'Binary', id: 'b1' }, { status: 201, statusText: 'Created' });

    const doc1 = http.expectOne('/fhir/R4/DocumentReference');
    expect(doc1.request.method).toBe('POST');
    expect(doc1.request.headers.get('Content-Type')).toBe('application/fhir+json');
    const body = doc1.request.body as Record<string, unknown>;
    expect(body).toEqual(
      jasmine.objectContaining({
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: LOINC, code: '57133-1', display: 'Referral note' }], text: 'Referral' },
        subject: { reference: 'Patient/p1' },
        description: 'From Dr Lee',
        content: [
          { attachment: { contentType: 'application/pdf', url: 'Binary/b1', title: 'referral.pdf', size: PDF.size } },
        ],
      }),
    );
    expect(Number.isNaN(Date.parse(body['date'] as string))).toBeFalse();
    http.expectNone('/fhir/R4/Binary');
    doc1.flush({ resourceType: 'DocumentReference', id: 'd1' }, { status: 201, statusText: 'Created' });

    // Second practice: its own Binary and DocumentReference, for its own Patient record.
    const binary2 = http.expectOne('/fhir/R4/Binary');
    expect(binary2.request.headers.get('X-Security-Context')).toBe('Patient/p2');
    binary2.flush({ resourceType: 'Binary', id: 'b2' }, { status: 201, statusText: 'Created' });
    const doc2 = http.expectOne('/fhir/R4/DocumentReference');
    expect((doc2.request.body as { subject: unknown }).subject).toEqual({ reference: 'Patient/p2' });
    expect((doc2.request.body as { content: { attachment: { url: string } }[] }).content[0].attachment.url).toBe(
      'Binary/b2',
    );
    doc2.flush({ resourceType: 'DocumentReference', id: 'd2' }, { status: 201, statusText: 'Created' });

    expect(done).toBeTrue();
    expect(outcomes).toEqual([
      { target: TARGETS[0], sent: true, documentId: 'd1' },
      { target: TARGETS[1], sent: true, documentId: 'd2' },
    ]);
  });

  it('leaves out an empty note', () => {
    send('   ');
    http.expectOne('/fhir/R4/Binary').flush({ resourceType: 'Binary', id: 'b1' });
    const doc = http.expectOne('/fhir/R4/DocumentReference');
    expect('description' in (doc.request.body as object)).toBeFalse();
    doc.flush({ resourceType: 'DocumentReference', id: 'd1' });
    http.expectOne('/fhir/R4/Binary').flush({ resourceType: 'Binary', id: 'b2' });
    http.expectOne('/fhir/R4/DocumentReference').flush({ resourceType: 'DocumentReference', id: 'd2' });
  });

  it('a practice refusing the upload is its outcome, in the server’s words, and the next practice is still tried', () => {
    send();
    http.expectOne('/fhir/R4/Binary').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Not yours' }],
      },
      { status: 403, statusText: 'Forbidden' },
    );
    http.expectNone('/fhir/R4/DocumentReference');
    http.expectOne('/fhir/R4/Binary').flush({ resourceType: 'Binary', id: 'b2' });
    http.expectOne('/fhir/R4/DocumentReference').flush({ resourceType: 'DocumentReference', id: 'd2' });
    expect(outcomes).toEqual([
      { target: TARGETS[0], sent: false, stage: 'file', messages: ['Not yours'] },
      { target: TARGETS[1], sent: true, documentId: 'd2' },
    ]);
  });

  for (const [status, statusText] of [
    [415, 'Unsupported Media Type'],
    [413, 'Payload Too Large'],
  ] as const) {
    it(`a file refused for itself (${status}) is not sent to the other practices`, () => {
      send();
      http.expectOne('/fhir/R4/Binary').flush(outcome415('The file is not a PDF'), { status, statusText });
      http.expectNone('/fhir/R4/Binary');
      http.expectNone('/fhir/R4/DocumentReference');
      expect(done).toBeTrue();
      expect(outcomes).toEqual([
        { target: TARGETS[0], sent: false, stage: 'file', messages: ['The file is not a PDF'] },
        { target: TARGETS[1], sent: false, stage: 'skipped', messages: [] },
      ]);
    });
  }

  it('says when the file arrived but the DocumentReference failed, without trying again', () => {
    send();
    http.expectOne('/fhir/R4/Binary').flush({ resourceType: 'Binary', id: 'b1' });
    http.expectOne('/fhir/R4/DocumentReference').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Not allowed' }],
      },
      { status: 403, statusText: 'Forbidden' },
    );
    // No second DocumentReference for the first practice: the next request is the second practice's file.
    const next = http.expectOne('/fhir/R4/Binary');
    expect(next.request.headers.get('X-Security-Context')).toBe('Patient/p2');
    http.expectNone('/fhir/R4/DocumentReference');
    expect(outcomes).toEqual([{ target: TARGETS[0], sent: false, stage: 'document', messages: ['Not allowed'] }]);
    next.flush({ resourceType: 'Binary', id: 'b2' });
    http.expectOne('/fhir/R4/DocumentReference').flush({ resourceType: 'DocumentReference', id: 'd2' });
  });
});

// The file's own checks (empty, size, type) are web-shared/documents/upload-rules.spec.ts's.
describe('uploadProblems', () => {
  it('asks for a file and a practice', () => {
    expect(uploadProblems(undefined, 0)).toEqual([
      'Choose a file to send.',
      'Choose at least one practice to send the document to.',
    ]);
    expect(uploadProblems(PDF, 1)).toEqual([]);
  });
});
