import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideAuthTesting } from '@web-shared/auth/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { AUTH_OPTIONS } from '../../../app.config';
import type { Observation } from '@web-shared/fhir';
import { SHARING_SYSTEM } from '../chart-types';
import { ChartResults } from './chart-results';

const weight: Observation = {
  resourceType: 'Observation',
  id: 'o1',
  meta: { versionId: '1' },
  code: { text: 'Body weight' },
  effectiveDateTime: '2026-11-02',
  valueQuantity: { value: 63.5, unit: 'kg' },
};
const heartRate: Observation = {
  resourceType: 'Observation',
  id: 'o2',
  meta: { versionId: '1', tag: [{ system: SHARING_SYSTEM, code: 'patient' }] },
  code: { coding: [{ code: '8867-4', display: 'Heart rate' }] },
  effectiveDateTime: '2026-11-01',
  valueQuantity: { value: 68, unit: '/min' },
};

describe('ChartResults', () => {
  let fixture: ComponentFixture<ChartResults>;
  let http: HttpTestingController;
  let page: HTMLElement;
  let changes: number;

  function create(results: Observation[] | 'error'): void {
    fixture = TestBed.createComponent(ChartResults);
    fixture.componentRef.setInput('patientId', 'p1');
    changes = 0;
    fixture.componentInstance.sharingChanged.subscribe(() => changes++);
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
    const req = http.expectOne((r) => r.url === '/fhir/R4/Observation');
    expect(req.request.params.get('subject')).toBe('Patient/p1');
    if (results === 'error') {
      req.flush(
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception', diagnostics: 'Store down' }],
        },
        { status: 500, statusText: 'Server Error' },
      );
    } else {
      req.flush({ resourceType: 'Bundle', type: 'searchset', entry: results.map((resource) => ({ resource })) });
    }
    fixture.detectChanges();
  }

  const rows = () => Array.from(page.querySelectorAll<HTMLTableRowElement>('tbody tr'));
  const cells = (row: HTMLTableRowElement) => Array.from(row.cells).map((c) => c.textContent?.trim());
  const toggle = (row: HTMLTableRowElement) => row.querySelector<HTMLButtonElement>('button[role=switch]')!;

  beforeEach(() => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
  });

  afterEach(() => http.verify());

  it('shows date, name, value and whether the patient sees each result', () => {
    create([weight, heartRate]);
    const [first, second] = rows();
    expect(cells(first!).slice(0, 3)).toEqual([
      new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date('2026-11-02T00:00:00Z'),
      ),
      'Body weight',
      '63.5 kg',
    ]);
    expect(cells(second!)[1]).toBe('Heart rate');
    expect(toggle(first!).getAttribute('aria-checked')).toBe('false');
    expect(toggle(second!).getAttribute('aria-checked')).toBe('true');
    expect(toggle(first!).getAttribute('aria-label')).toContain('Share Body weight');
  });

  it("says which results the patient sees through the practice's default", () => {
    fixture = TestBed.createComponent(ChartResults);
    fixture.componentRef.setInput('patientId', 'p1');
    fixture.componentRef.setInput('sharedByDefault', true);
    page = fixture.nativeElement;
    fixture.detectChanges();
    http
      .expectOne((r) => r.url === '/fhir/R4/Observation')
      .flush({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: weight }, { resource: heartRate }],
      });
    fixture.detectChanges();
    expect(page.querySelector('.default-note')?.textContent).toContain('shares results with patients by default');
    expect(cells(rows()[0]!)[3]).toBe('Shared by default');
    expect(cells(rows()[1]!)[3]).toBe('Shared');
  });

  it('keeps the page from scrolling sideways at 390 px', () => {
    create([weight, heartRate]);
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });

  it('shares a result with the patient through Observation $share', () => {
    create([weight]);
    toggle(rows()[0]!).click();
    const req = http.expectOne('/fhir/R4/Observation/o1/$share');
    expect(req.request.body).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'audience', valueCode: 'patient' }],
    });
    req.flush({ ...weight, meta: { versionId: '2', tag: [{ system: SHARING_SYSTEM, code: 'patient' }] } });
    fixture.detectChanges();
    expect(toggle(rows()[0]!).getAttribute('aria-checked')).toBe('true');
    expect(changes).toBe(1);
  });

  it('un-shares through $unshare, and explains a refusal', () => {
    create([heartRate]);
    toggle(rows()[0]!).click();
    http.expectOne('/fhir/R4/Observation/o2/$unshare').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', details: { text: 'You may not change this result' } }],
      },
      { status: 403, statusText: 'Forbidden' },
    );
    fixture.detectChanges();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('You may not change this result');
    expect(toggle(rows()[0]!).getAttribute('aria-checked')).toBe('true');
    expect(changes).toBe(0);
  });

  it('says so when there are no results, and when they cannot be read', () => {
    create([]);
    expect(page.querySelector('.empty')?.textContent).toContain('No results yet');
    create('error');
    expect(page.querySelector('[role=alert]')?.textContent).toContain('Store down');
  });
});
