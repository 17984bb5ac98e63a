import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideAuthTesting } from '@web-shared/auth/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../app.config';
import type { PracticeRecord } from '../update-profile';
import { PendingReviews } from './pending-reviews';

const FIELD = 'https://patient-portal.example.org/fhir/CodeSystem/patient-update-field';
const RECORDS: PracticeRecord[] = [
  { patientId: 'p1', version: '1', organizationId: 'o1', practiceName: 'Hill Surgery', mode: 'review' },
];

describe('PendingReviews', () => {
  let fixture: ComponentFixture<PendingReviews>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    fixture = TestBed.createComponent(PendingReviews);
    fixture.componentRef.setInput('records', RECORDS);
    page = fixture.nativeElement;
    fixture.detectChanges();
  });
  afterEach(() => http.verify());

  it('lists each proposed field with its status, per practice', async () => {
    http
      .expectOne((r) => r.url === '/fhir/R4/Task')
      .flush({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'Task',
              id: 't1',
              status: 'in-progress',
              for: { reference: 'Patient/p1' },
              input: [
                { type: { coding: [{ system: FIELD, code: 'telecom' }] }, valueString: '[]' },
                { type: { coding: [{ system: FIELD, code: 'address' }] }, valueString: '[]' },
              ],
              output: [{ type: { coding: [{ system: FIELD, code: 'address' }] }, valueCode: 'accepted' }],
            },
          },
        ],
      });
    await fixture.whenStable();
    fixture.detectChanges();
    expect(page.querySelector('h3')?.textContent).toContain('Hill Surgery');
    const items = Array.from(page.querySelectorAll('li')).map((li) => li.textContent?.replace(/\s+/g, ' ').trim());
    expect(items).toEqual(['Phone or e-mail: Waiting for your practice', 'Address: Accepted']);
  });

  it('says when nothing is waiting, and reads again when the page asks', async () => {
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush({ resourceType: 'Bundle', type: 'searchset' });
    await fixture.whenStable();
    fixture.detectChanges();
    expect(page.textContent).toContain("No change is waiting for a practice's review.");
    fixture.componentRef.setInput('refresh', 1);
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush({ resourceType: 'Bundle', type: 'searchset' });
  });

  it("shows the server's words and Try again when the Tasks cannot be read", async () => {
    http
      .expectOne((r) => r.url === '/fhir/R4/Task')
      .flush(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: 'Down' }] },
        { status: 500, statusText: 'Error' },
      );
    await fixture.whenStable();
    fixture.detectChanges();
    expect(page.textContent).toContain('Down');
    (page.querySelector('button') as HTMLButtonElement).click();
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush({ resourceType: 'Bundle', type: 'searchset' });
  });
});
