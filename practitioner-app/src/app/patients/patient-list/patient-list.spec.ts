import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { provideAuthTesting } from '@web-shared/auth/testing';
import type { Bundle, Patient } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../app.config';
import { PatientList, SEARCH_DEBOUNCE_MS } from './patient-list';

function bundle(patients: Patient[], next?: string): Bundle<Patient> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    link: next
      ? [
          { relation: 'self', url: 'ignored' },
          { relation: 'next', url: next },
        ]
      : [],
    entry: patients.map((resource) => ({ resource })),
  };
}

const ada: Patient = {
  resourceType: 'Patient',
  id: 'a1',
  name: [{ family: 'Lovelace', given: ['Ada'] }],
  birthDate: '1815-12-10',
  gender: 'female',
};
const alan: Patient = {
  resourceType: 'Patient',
  id: 'a2',
  name: [{ family: 'Turing', given: ['Alan'] }],
  gender: 'male',
};
const grace: Patient = {
  resourceType: 'Patient',
  id: 'g1',
  name: [{ family: 'Hopper', given: ['Grace'] }],
  birthDate: '1906-12-09',
};

describe('PatientList', () => {
  let fixture: ComponentFixture<PatientList>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting([provideRouter([]), provideAuthTesting(AUTH_OPTIONS)]);
    fixture = TestBed.createComponent(PatientList);
    page = fixture.nativeElement;
    fixture.detectChanges();
  });

  afterEach(() => http.verify());

  const firstPage = () => http.expectOne('/fhir/R4/Patient?_sort=family,given&_count=20');
  const rowTexts = () =>
    Array.from(page.querySelectorAll('tbody tr')).map((tr) =>
      Array.from(tr.querySelectorAll('td:not(.actions)'))
        .map((td) => td.textContent?.trim())
        .join(' | '),
    );
  const button = (text: string) =>
    Array.from(page.querySelectorAll('button')).find((b) => b.textContent?.trim() === text)!;

  function typeName(text: string): void {
    const input = page.querySelector('input[type=search]') as HTMLInputElement;
    input.value = text;
    input.dispatchEvent(new Event('input'));
  }

  it('shows a loading state, then name, birth date and gender of each patient with a link to edit', () => {
    expect(page.querySelector('mat-progress-bar')).not.toBeNull();
    firstPage().flush(bundle([ada, alan]));
    fixture.detectChanges();

    expect(page.querySelector('mat-progress-bar')).toBeNull();
    expect(rowTexts()).toEqual(['Lovelace, Ada | 1815-12-10 | female', 'Turing, Alan | — | male']);
    expect(page.querySelector('tbody a')?.getAttribute('href')).toBe('/patients/a1');
  });

  it('offers “Launch app” for each patient, naming the patient', () => {
    firstPage().flush(bundle([ada, alan]));
    fixture.detectChanges();
    const launchButtons = Array.from(page.querySelectorAll('tbody td.actions pc-launch-app-menu button'));
    expect(launchButtons.map((b) => b.textContent?.trim())).toEqual(['Launch app', 'Launch app']);
    expect(launchButtons.map((b) => b.getAttribute('aria-label'))).toEqual([
      'Launch an app for Lovelace, Ada',
      'Launch an app for Turing, Alan',
    ]);
  });

  it('searches by name once the user stops typing', () => {
    firstPage().flush(bundle([ada, alan]));
    jasmine.clock().install();
    jasmine.clock().mockDate();
    try {
      typeName('Tu');
      jasmine.clock().tick(100);
      typeName('Tur ');
      jasmine.clock().tick(SEARCH_DEBOUNCE_MS - 1);
      http.expectNone(() => true);
      jasmine.clock().tick(1);
    } finally {
      jasmine.clock().uninstall();
    }
    http.expectOne('/fhir/R4/Patient?name=Tur&_sort=family,given&_count=20').flush(bundle([alan]));
    fixture.detectChanges();
    expect(rowTexts()).toEqual(['Turing, Alan | — | male']);
  });

  it('follows the next link without its origin, and goes back without asking again', () => {
    firstPage().flush(
      bundle([ada, alan], 'http://localhost:8080/fhir/R4/Patient?_sort=family,given&_count=20&_cursor=a2'),
    );
    fixture.detectChanges();
    expect(button('Previous page').disabled).toBeTrue();

    button('Next page').click();
    http.expectOne('/fhir/R4/Patient?_sort=family,given&_count=20&_cursor=a2').flush(bundle([grace]));
    fixture.detectChanges();
    expect(rowTexts()).toEqual(['Hopper, Grace | 1906-12-09 | —']);
    expect(page.querySelector('.pager')?.textContent).toContain('Page 2');
    expect(button('Next page').disabled).toBeTrue();

    button('Previous page').click();
    fixture.detectChanges();
    expect(rowTexts()).toEqual(['Lovelace, Ada | 1815-12-10 | female', 'Turing, Alan | — | male']);
  });

  it('says when there are no patients at all', () => {
    firstPage().flush(bundle([]));
    fixture.detectChanges();
    expect(page.querySelector('.empty')?.textContent).toContain('No patients yet');
    expect(page.querySelector('table')).toBeNull();
  });

  it('never makes the page scroll sideways at 390 px: the table scrolls in its own box', () => {
    page.style.display = 'block';
    page.style.width = '390px';
    const long = {
      resourceType: 'Patient',
      id: 'p9',
      name: [{ family: 'Featherstonehaugh-Wolfeschlegelsteinhausen', given: ['Bartholomew'] }],
    } as Patient;
    firstPage().flush(bundle([long]));
    fixture.detectChanges();
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
    expect(getComputedStyle(page.querySelector('.table-scroll')!).overflowX).toBe('auto');
  });

  it('says when no patient matches the search', () => {
    firstPage().flush(bundle([ada]));
    jasmine.clock().install();
    jasmine.clock().mockDate();
    try {
      typeName('Zz');
      jasmine.clock().tick(SEARCH_DEBOUNCE_MS);
    } finally {
      jasmine.clock().uninstall();
    }
    http.expectOne('/fhir/R4/Patient?name=Zz&_sort=family,given&_count=20').flush(bundle([]));
    fixture.detectChanges();
    expect(page.querySelector('.empty')?.textContent).toContain('No patients match “Zz”.');
  });

  it('shows the server OperationOutcome when the search fails', () => {
    firstPage().flush(
      {
        resourceType: 'OperationOutcome',
        issue: [
          { severity: 'error', code: 'invalid', details: { text: 'Unknown search parameter' }, expression: ['name'] },
        ],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    fixture.detectChanges();
    const alert = page.querySelector('[role=alert]');
    expect(alert?.textContent).toContain('Could not load patients.');
    expect(alert?.textContent).toContain('name: Unknown search parameter');
    expect(page.querySelector('mat-progress-bar')).toBeNull();
  });
});
