import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { Patient, Resource } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { OWNING_PRACTICE_SYSTEM } from '../record-model';
import { bundle } from '../record-testing';
import { HealthRecord } from './health-record';

const TYPES = [
  'DocumentReference',
  'Observation',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Immunization',
];

function patient(id: string, practice: string): Patient {
  return { resourceType: 'Patient', id, meta: { tag: [{ system: OWNING_PRACTICE_SYSTEM, code: practice }] } };
}

describe('HealthRecord (the page)', () => {
  let fixture: ComponentFixture<HealthRecord>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting();
    fixture = TestBed.createComponent(HealthRecord);
    page = fixture.nativeElement;
    fixture.detectChanges();
  });

  afterEach(() => http.verify());

  function answerPractice(patientId: string, practiceId: string, name: string, documents: Resource[] = []): void {
    http.expectOne(`/fhir/R4/Organization/${practiceId}`).flush({ resourceType: 'Organization', id: practiceId, name });
    for (const type of TYPES) {
      http
        .expectOne((r) => r.url === `/fhir/R4/${type}` && r.params.get('patient') === `Patient/${patientId}`)
        .flush(type === 'DocumentReference' ? bundle(...documents) : bundle());
    }
  }

  it('shows a loading indicator, then one labelled part per practice', () => {
    expect(page.querySelector('h1')?.textContent).toBe('My health record');
    expect(page.querySelector('mat-progress-bar')?.getAttribute('aria-label')).toBe('Loading your health record');
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle(patient('p1', 'org-1'), patient('p2', 'org-2')));
    answerPractice('p1', 'org-1', 'Harbourside Family Organization');
    answerPractice('p2', 'org-2', 'Hillview Surgery');
    fixture.detectChanges();
    expect(page.querySelector('mat-progress-bar')).toBeNull();
    expect(Array.from(page.querySelectorAll('pp-practice-record h2')).map((h) => h.textContent)).toEqual([
      'Harbourside Family Organization',
      'Hillview Surgery',
    ]);
  });

  it('says so when no practice has connected the patient yet', () => {
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle());
    fixture.detectChanges();
    expect(page.querySelector('.empty')?.textContent).toContain(
      'No practice has connected your record to the portal yet.',
    );
    expect(page.querySelector('h2')).toBeNull();
  });

  it('shows the server\'s error in plain words and loads again on "Try again"', () => {
    http.expectOne('/fhir/R4/Patient?_count=100').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'exception', details: { text: 'The record store is unavailable' } }],
      },
      { status: 503, statusText: 'Service Unavailable' },
    );
    fixture.detectChanges();
    const alert = page.querySelector('[role=alert]') as HTMLElement;
    expect(alert.textContent).toContain('Your health record could not be loaded.');
    expect(alert.textContent).toContain('The record store is unavailable');
    (alert.querySelector('button') as HTMLButtonElement).click();
    fixture.detectChanges();
    expect(page.querySelector('[role=alert]')).toBeNull();
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle(patient('p1', 'org-1')));
    answerPractice('p1', 'org-1', 'Harbourside Family Organization');
    fixture.detectChanges();
    expect(page.querySelector('pp-practice-record h2')?.textContent).toBe('Harbourside Family Organization');
  });

  it('offers the upload form once the practices are known, and lists the sent document after reloading', () => {
    expect(page.querySelector('pp-upload-document')).toBeNull();
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle(patient('p1', 'org-1')));
    answerPractice('p1', 'org-1', 'Harbourside Family Organization');
    fixture.detectChanges();
    const input = page.querySelector('pp-upload-document input[type=file]') as HTMLInputElement;
    const files = new DataTransfer();
    files.items.add(new File(['%PDF-1.7'], 'referral.pdf', { type: 'application/pdf' }));
    input.files = files.files;
    input.dispatchEvent(new Event('change'));
    fixture.detectChanges();
    (page.querySelector('pp-upload-document button[type=submit]') as HTMLButtonElement).click();
    fixture.detectChanges();
    http.expectOne('/fhir/R4/Binary').flush({ resourceType: 'Binary', id: 'b1' });
    const sent = http.expectOne('/fhir/R4/DocumentReference');
    sent.flush({ ...(sent.request.body as object), id: 'd1' });
    fixture.detectChanges();

    // The record is asked for again; the form and its message stay while it loads.
    http.expectOne('/fhir/R4/Patient?_count=100').flush(bundle(patient('p1', 'org-1')));
    answerPractice('p1', 'org-1', 'Harbourside Family Organization', [
      {
        resourceType: 'DocumentReference',
        id: 'd1',
        type: { text: 'Referral' },
        date: '2026-12-03T10:00:00Z',
        content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/b1', title: 'referral.pdf' } }],
      } as Resource,
    ]);
    fixture.detectChanges();
    expect(page.querySelector('pp-upload-document [role=status]')?.textContent).toContain(
      '“referral.pdf” was sent to Harbourside Family Organization.',
    );
    expect(page.querySelector('pp-practice-record')?.textContent).toContain('Referral');
  });
});
