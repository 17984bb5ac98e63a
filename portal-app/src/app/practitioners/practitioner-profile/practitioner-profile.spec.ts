import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { BIOGRAPHY_URL, HOME_VISITS_URL, PATIENT_CHOSEN, WHEELCHAIR_ACCESS_URL } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { PractitionerProfilePage } from './practitioner-profile';

const bundle = (...resources: object[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource) => ({ resource })),
});
const MINE = (r: { url: string; params: { get(n: string): string | null } }) =>
  r.url === '/fhir/R4/CareTeam' && r.params.get('category') === `${PATIENT_CHOSEN.system}|${PATIENT_CHOSEN.code}`;

describe('PractitionerProfilePage', () => {
  let fixture: ComponentFixture<PractitionerProfilePage>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting([provideRouter([])]);
    fixture = TestBed.createComponent(PractitionerProfilePage);
    fixture.componentRef.setInput('id', 'p1');
    page = fixture.nativeElement;
    fixture.detectChanges();
  });
  afterEach(() => http.verify());

  function respond(): void {
    http.expectOne('/fhir/R4/Practitioner/p1').flush({
      resourceType: 'Practitioner',
      id: 'p1',
      name: [{ family: 'Tran', given: ['Anh'] }],
      communication: [{ coding: [{ system: 'urn:ietf:bcp:47', code: 'vi' }] }],
      extension: [{ url: BIOGRAPHY_URL, valueString: 'Family doctor for twenty years.' }],
    });
    http
      .expectOne((r) => r.url === '/fhir/R4/PractitionerRole' && r.params.get('practitioner') === 'Practitioner/p1')
      .flush(
        bundle(
          {
            resourceType: 'PractitionerRole',
            specialty: [{ text: 'General practice' }],
            location: [{ reference: 'Location/l1' }],
            extension: [{ url: HOME_VISITS_URL, valueBoolean: true }],
          },
          {
            resourceType: 'Location',
            id: 'l1',
            name: 'Riverside',
            address: { city: 'Lyon' },
            extension: [{ url: WHEELCHAIR_ACCESS_URL, valueBoolean: true }],
          },
        ),
      );
  }

  it('shows the profile: biography, languages by name, services, home visits, wheelchair access', () => {
    expect(page.querySelector('mat-progress-bar')).not.toBeNull();
    respond();
    http.expectOne(MINE).flush(bundle());
    fixture.detectChanges();
    expect(page.querySelector('h1')?.textContent).toContain('Anh Tran');
    expect(page.textContent).toContain('Family doctor for twenty years.');
    expect(page.querySelector('.languages')?.textContent).toContain('Speaks Vietnamese');
    expect(page.textContent).toContain('General practice');
    expect(page.textContent).toContain('Visits patients at home');
    expect(page.querySelector('.location')?.textContent).toContain('Riverside, Lyon');
    expect(page.querySelector('.location')?.textContent).toContain('Wheelchair access');
  });

  it('adds to and removes from my practitioners, announcing each change', () => {
    respond();
    http.expectOne(MINE).flush(bundle());
    fixture.detectChanges();
    const button = page.querySelector('button.my-list') as HTMLButtonElement;
    expect(button.textContent).toContain('Add to my practitioners');
    expect(button.getAttribute('aria-pressed')).toBe('false');
    button.click();
    http
      .expectOne(MINE)
      .flush(
        bundle({ resourceType: 'CareTeam', id: 't1', participant: [{ member: { reference: 'Practitioner/p9' } }] }),
      );
    http.expectOne({ method: 'PUT', url: '/fhir/R4/CareTeam/t1' }).flush({ resourceType: 'CareTeam', id: 't1' });
    fixture.detectChanges();
    expect(button.textContent).toContain('Remove from my practitioners');
    expect(button.getAttribute('aria-pressed')).toBe('true');
    expect(page.querySelector('.saved')?.textContent).toContain('Added to my practitioners.');
  });

  it('explains a refused change in plain words', () => {
    respond();
    http.expectOne(MINE).flush(bundle());
    fixture.detectChanges();
    (page.querySelector('button.my-list') as HTMLButtonElement).click();
    http.expectOne(MINE).flush(bundle({ resourceType: 'CareTeam', id: 't1' }));
    http.expectOne({ method: 'PUT', url: '/fhir/R4/CareTeam/t1' }).flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', details: { text: 'Your access does not allow this' } }],
      },
      { status: 403, statusText: 'Forbidden' },
    );
    fixture.detectChanges();
    const alert = page.querySelector('[role=alert]') as HTMLElement;
    expect(alert.textContent).toContain('Your list could not be changed.');
    expect(alert.textContent).toContain('Your access does not allow this');
  });

  it('says when the profile cannot be loaded', () => {
    http.expectOne('/fhir/R4/Practitioner/p1').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'not-found', details: { text: 'Not found' } }],
      },
      { status: 404, statusText: 'Not Found' },
    );
    http.expectOne((r) => r.url === '/fhir/R4/PractitionerRole');
    http.expectOne(MINE).flush(bundle());
    fixture.detectChanges();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('This profile could not be loaded.');
  });
});
