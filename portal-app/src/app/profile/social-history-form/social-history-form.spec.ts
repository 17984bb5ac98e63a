import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import type { Observation } from '@web-shared/fhir';
import { provideAuthTesting } from '@web-shared/auth/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../app.config';
import type { ObservationBatch } from '../social-history';
import type { PracticeRecord } from '../update-profile';
import { SocialHistoryForm } from './social-history-form';

const RECORDS: PracticeRecord[] = [
  { patientId: 'p1', version: '1', organizationId: 'o1', practiceName: 'Harbourside Family Practice', mode: 'notify' },
  { patientId: 'p2', version: '1', organizationId: 'o2', practiceName: 'Quay Clinic', mode: 'disabled' },
];
const bundle = (...resources: Observation[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource) => ({ resource })),
});

describe('SocialHistoryForm', () => {
  let fixture: ComponentFixture<SocialHistoryForm>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(async () => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    fixture = TestBed.createComponent(SocialHistoryForm);
    fixture.componentRef.setInput('records', RECORDS);
    page = fixture.nativeElement;
    fixture.detectChanges();
    http
      .expectOne((r) => r.url === '/fhir/R4/Observation')
      .flush(
        bundle({
          resourceType: 'Observation',
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '11341-5' }] },
          effectiveDateTime: '2026-01-05',
          valueString: '<script>alert(1)</script>',
        }),
      );
    await fixture.whenStable();
    fixture.detectChanges();
  });
  afterEach(() => http.verify());

  function type(name: string, value: string): void {
    const field = page.querySelector(`[formcontrolname="${name}"]`) as HTMLInputElement;
    field.value = value;
    field.dispatchEvent(new Event('input'));
  }
  const submit = () => (page.querySelector('button[type="submit"]') as HTMLButtonElement).click();

  it('shows the latest value it can read, as text', () => {
    expect(page.querySelector('.latest')?.textContent).toContain('Occupation');
    expect(page.querySelector('.latest')?.textContent).toContain('<script>alert(1)</script>');
    expect(page.querySelector('.latest script')).toBeNull();
  });

  it('names the practice that does not take updates, and sends it nothing', async () => {
    expect(page.querySelector('.skipped')?.textContent).toContain('Quay Clinic');
    type('occupation', 'Teacher');
    submit();
    const post = http.expectOne({ method: 'POST', url: '/fhir/R4' });
    const batch = post.request.body as ObservationBatch;
    expect(batch.type).toBe('batch');
    expect(batch.entry.map((e) => e.resource.subject?.reference)).toEqual(['Patient/p1']);
    expect(batch.entry[0]?.resource.valueString).toBe('Teacher');
    post.flush({ resourceType: 'Bundle', type: 'batch-response', entry: [{ response: { status: '201 Created' } }] });
    http.expectOne((r) => r.url === '/fhir/R4/Observation').flush(bundle());
    await fixture.whenStable();
    fixture.detectChanges();
    const status = page.querySelector('[role="status"]')?.textContent ?? '';
    expect(status).toContain('Harbourside Family Practice: recorded');
    expect(status).toContain('Quay Clinic: not sent (this practice does not take updates from the portal)');
  });

  it('asks for at least one answer, and a sensible number of drinks', () => {
    submit();
    fixture.detectChanges();
    expect(page.textContent).toContain('Fill in at least one item to record.');
    type('alcohol', '-1');
    submit();
    fixture.detectChanges();
    expect(page.textContent).toContain('Alcohol: write a number of drinks per day from 0 to 100.');
  });
});
