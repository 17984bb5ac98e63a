import type { HttpTestingController } from '@angular/common/http/testing';
import { Component, input } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { provideAuthTesting, signInForTest } from '@web-shared/auth/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../../app.config';
import { encodeText } from '../chart-model';
import type { Patient } from '@web-shared/fhir';
import { NOTE_SHARING_URL, OWNER_SYSTEM, SHARING_DEFAULT_URL } from '../chart-types';
import { NOTE_SHARING_OFF_REASON } from '../chart-notes/chart-notes';
import { RecentProfileChanges } from '../../../profile-changes/recent-profile-changes/recent-profile-changes';
import { PatientChart } from './patient-chart';

/** Stands in for "Recent profile changes" (profile-changes/ has its own spec and requests). */
@Component({ selector: 'pc-recent-profile-changes', template: '' })
class RecentProfileChangesStub {
  readonly patientId = input.required<string>();
}

const birthYear = new Date().getFullYear() - 40;
const olivia: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '2', tag: [{ system: OWNER_SYSTEM, code: 'org-1' }] },
  name: [{ use: 'official', family: 'Nguyen', given: ['Olivia'] }],
  birthDate: `${birthYear}-01-01`,
  gender: 'female',
  identifier: [{ system: 'urn:mrn', value: 'MRN-42', type: { text: 'Medical record number' } }],
  telecom: [{ system: 'phone', use: 'mobile', value: '0400 000 000' }],
  contact: [
    {
      relationship: [{ text: 'Partner' }],
      name: { given: ['Sam'], family: 'Nguyen' },
      telecom: [{ system: 'phone', value: '0400 111 111' }],
    },
  ],
};

describe('PatientChart', () => {
  let fixture: ComponentFixture<PatientChart>;
  let http: HttpTestingController;
  let page: HTMLElement;

  function open(noteSharing: boolean, defaults: string[] = []): void {
    fixture = TestBed.createComponent(PatientChart);
    fixture.componentRef.setInput('id', 'p1');
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
    http.expectOne('/fhir/R4/Patient/p1').flush(olivia);
    fixture.detectChanges();
    http.expectOne('/fhir/R4/Organization/org-1').flush({
      resourceType: 'Organization',
      id: 'org-1',
      extension: [
        { url: NOTE_SHARING_URL, valueBoolean: noteSharing },
        ...defaults.map((valueCode) => ({ url: SHARING_DEFAULT_URL, valueCode })),
      ],
    });
    // The header's portal invitation (portal-invitation/ has its own spec).
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush({ resourceType: 'Bundle', type: 'searchset' });
    http
      .expectOne((r) => r.url === '/fhir/R4/DocumentReference' && r.params.has('category'))
      .flush({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'DocumentReference',
              id: 'n1',
              docStatus: 'final',
              author: [{ reference: 'Practitioner/me' }],
              content: [{ attachment: { contentType: 'text/plain', data: encodeText('Weight steady') } }],
            },
          },
        ],
      });
    http.expectOne((r) => r.url === '/fhir/R4/Observation').flush({ resourceType: 'Bundle', type: 'searchset' });
    http
      .expectOne((r) => r.url === '/fhir/R4/DocumentReference' && r.params.has('category:not'))
      .flush({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [
          {
            resource: {
              resourceType: 'DocumentReference',
              id: 'd1',
              type: { text: 'Letter' },
              content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/b1', title: 'letter.pdf' } }],
            },
          },
        ],
      });
    fixture.detectChanges();
  }

  beforeEach(() => {
    TestBed.overrideComponent(PatientChart, {
      remove: { imports: [RecentProfileChanges] },
      add: { imports: [RecentProfileChangesStub] },
    });
    http = configureHttpTesting([provideRouter([]), provideAuthTesting(AUTH_OPTIONS)]);
    signInForTest({}, 'Practitioner/me');
  });

  afterEach(() => http.verify());

  it('shows the header: name, age, identifiers, contacts and emergency contacts', () => {
    open(true);
    http.expectOne((r) => r.url === '/fhir/R4/Provenance').flush({ resourceType: 'Bundle', type: 'searchset' });
    expect(page.querySelector('h1')?.textContent).toBe('Nguyen, Olivia');
    const text = page.textContent ?? '';
    expect(text).toContain('40 years');
    expect(text).toContain('Medical record number: MRN-42');
    expect(text).toContain('mobile phone: 0400 000 000');
    expect(text).toContain('Sam Nguyen');
    expect(text).toContain('(Partner)');
    expect(page.querySelector('a[href="/patients/p1/edit"]')?.textContent?.trim()).toBe('Edit details');
    expect(page.querySelector('pc-recent-profile-changes')).withContext('recent profile changes').not.toBeNull();
    expect(Array.from(page.querySelectorAll('h2')).map((h) => h.textContent)).toEqual([
      'Notes',
      'Results',
      'Documents',
      'Sharing history',
    ]);
  });

  it("asks the sharing history for the listed notes and documents, and reads the practice's note-sharing setting", () => {
    open(false);
    const req = http.expectOne((r) => r.url === '/fhir/R4/Provenance');
    expect(req.request.params.get('target')).toBe('DocumentReference/n1,DocumentReference/d1');
    req.flush({ resourceType: 'Bundle', type: 'searchset' });
    fixture.detectChanges();
    expect(page.querySelector<HTMLButtonElement>('.share-colleagues button')!.disabled).toBeTrue();
    expect(page.textContent).toContain(NOTE_SHARING_OFF_REASON);
  });

  it("passes the practice's default for notes on: an unmarked note is seen by the patient", () => {
    open(true, ['notes', 'results']);
    http.expectOne((r) => r.url === '/fhir/R4/Provenance').flush({ resourceType: 'Bundle', type: 'searchset' });
    fixture.detectChanges();
    expect(page.querySelector('li.note')?.textContent).toContain('Shared with patient (practice default)');
    expect(page.querySelector('pc-chart-notes .default-note')).toBeTruthy();
  });

  it('fits a 390 px screen without sideways scrolling', () => {
    open(true);
    http.expectOne((r) => r.url === '/fhir/R4/Provenance').flush({ resourceType: 'Bundle', type: 'searchset' });
    fixture.detectChanges();
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });

  it('explains a patient that cannot be read', () => {
    fixture = TestBed.createComponent(PatientChart);
    fixture.componentRef.setInput('id', 'p1');
    page = fixture.nativeElement;
    fixture.detectChanges();
    http.expectOne('/fhir/R4/Patient/p1').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'not-found', diagnostics: 'Patient/p1 not found' }],
      },
      { status: 404, statusText: 'Not Found' },
    );
    fixture.detectChanges();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('Could not load this patient.');
    expect(page.querySelector('[role=alert]')?.textContent).toContain('Patient/p1 not found');
  });
});
