import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideAuthTesting, signInForTest } from '@web-shared/auth/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../../app.config';
import type { Provenance } from '@web-shared/fhir';
import type { ChartItem } from '../chart-types';
import { SharingHistory } from './sharing-history';

const items: ChartItem[] = [
  { reference: 'DocumentReference/n1', label: 'Note of 2 Nov 2026' },
  { reference: 'Observation/o1', label: 'Body weight of 2 Nov 2026' },
];

function record(id: string, recorded: string, target: string, code: string, who: string, display?: string): Provenance {
  return {
    resourceType: 'Provenance',
    id,
    recorded,
    target: [{ reference: target }],
    agent: [{ who: { reference: who } }],
    activity: { coding: [{ code, ...(display ? { display } : {}) }] },
  };
}

describe('SharingHistory', () => {
  let fixture: ComponentFixture<SharingHistory>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    signInForTest({}, 'Practitioner/me');
    fixture = TestBed.createComponent(SharingHistory);
    page = fixture.nativeElement;
  });

  afterEach(() => http.verify());

  const lines = () =>
    Array.from(page.querySelectorAll('.records li')).map((li) => li.textContent?.replace(/\s+/g, ' ').trim());

  it('asks for the records of every listed item at once and shows them newest first', () => {
    fixture.componentRef.setInput('items', items);
    fixture.detectChanges();
    const req = http.expectOne((r) => r.url === '/fhir/R4/Provenance');
    expect(req.request.params.get('target')).toBe('DocumentReference/n1,Observation/o1');
    req.flush({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: record(
            'a',
            '2026-11-01T09:00:00Z',
            'DocumentReference/n1/_history/2',
            'share-patient',
            'Practitioner/me',
            'Shared with the patient',
          ),
        },
        {
          resource: record(
            'b',
            '2026-11-03T09:00:00Z',
            'Observation/o1/_history/4',
            'unshare-patient',
            'Practitioner/other',
          ),
        },
      ],
    });
    fixture.detectChanges();
    expect(lines()[0]).toContain('Practitioner/other');
    const names = http.expectOne((r) => r.url === '/fhir/R4/Practitioner');
    expect(names.request.params.get('_id')).toBe('other');
    names.flush({
      resourceType: 'Bundle',
      type: 'searchset',
      entry: [
        {
          resource: {
            resourceType: 'Practitioner',
            id: 'other',
            name: [{ prefix: ['Dr'], given: ['Lena'], family: 'Berg' }],
          },
        },
      ],
    });
    fixture.detectChanges();
    const [newest, oldest] = lines();
    expect(newest).toContain('Dr Lena Berg');
    expect(newest).toContain('No longer shared with the patient');
    expect(newest).toContain('Body weight of 2 Nov 2026');
    expect(oldest).toContain('You');
    expect(oldest).toContain('Shared with the patient');
    expect(oldest).toContain('Note of 2 Nov 2026');
  });

  it('reads again after a sharing change', () => {
    fixture.componentRef.setInput('items', items);
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/fhir/R4/Provenance').flush({ resourceType: 'Bundle', type: 'searchset' });
    fixture.detectChanges();
    expect(page.querySelector('.empty')?.textContent).toContain('Nothing has been shared');
    fixture.componentRef.setInput('revision', 1);
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/fhir/R4/Provenance').flush({ resourceType: 'Bundle', type: 'searchset' });
  });

  it('asks nothing when there is nothing listed', () => {
    fixture.detectChanges();
    http.expectNone((r) => r.url === '/fhir/R4/Provenance');
    expect(page.querySelector('.empty')).toBeTruthy();
  });

  it('explains a failure in words', () => {
    fixture.componentRef.setInput('items', items);
    fixture.detectChanges();
    http
      .expectOne((r) => r.url === '/fhir/R4/Provenance')
      .flush(
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Not allowed' }],
        },
        { status: 403, statusText: 'Forbidden' },
      );
    fixture.detectChanges();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('Not allowed');
  });
});
