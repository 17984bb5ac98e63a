import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Bundle, Practitioner, PractitionerRole } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { PractitionerDirectory } from './practitioner-directory';

const practitioners: Bundle<Practitioner> = {
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [
    {
      resource: {
        resourceType: 'Practitioner',
        id: 'p1',
        name: [{ family: 'Zwart', given: ['Zoë'], prefix: ['Dr.'] }],
      },
    },
    { resource: { resourceType: 'Practitioner', id: 'p2', name: [{ family: 'Abbott', given: ['Adam'] }] } },
  ],
};

const roles: Bundle<PractitionerRole> = {
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [
    {
      resource: {
        resourceType: 'PractitionerRole',
        practitioner: { reference: 'Practitioner/p1' },
        specialty: [{ text: 'Cardiology' }],
        organization: { display: 'Good Health Clinic' },
      },
    },
  ],
};

describe('PractitionerDirectory', () => {
  let fixture: ComponentFixture<PractitionerDirectory>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = configureHttpTesting([provideRouter([])]);
    fixture = TestBed.createComponent(PractitionerDirectory);
    page = fixture.nativeElement;
    fixture.detectChanges();
  });

  afterEach(() => http.verify());

  function respond(practitionerBundle: Bundle<Practitioner>, roleBundle: Bundle<PractitionerRole>): void {
    http.expectOne('/fhir/R4/PractitionerRole?_count=100').flush(roleBundle);
    http.expectOne('/fhir/R4/Practitioner?_count=100').flush(practitionerBundle);
    fixture.detectChanges();
  }

  const names = () => Array.from(page.querySelectorAll('pp-practitioner-card h2')).map((h) => h.textContent?.trim());

  function typeFilter(text: string): void {
    const input = page.querySelector('input[type=search]') as HTMLInputElement;
    input.value = text;
    input.dispatchEvent(new Event('input'));
    fixture.detectChanges();
  }

  it('shows a loading state, then every practitioner with specialty and organization', () => {
    expect(page.querySelector('h1')?.textContent).toBe('Find a practitioner');
    expect(page.querySelector('mat-progress-bar')).not.toBeNull();
    respond(practitioners, roles);
    expect(page.querySelector('mat-progress-bar')).toBeNull();
    expect(names()).toEqual(['Adam Abbott', 'Dr. Zoë Zwart']);
    expect(page.querySelectorAll('pp-practitioner-card')[1]!.textContent).toContain('Cardiology · Good Health Clinic');
    expect(page.querySelector('.count')?.textContent).toContain('Showing 2 of 2 practitioners');
  });

  it('filters by name as the user types, ignoring accents', () => {
    respond(practitioners, roles);
    typeFilter('zoe');
    expect(names()).toEqual(['Dr. Zoë Zwart']);
    expect(page.querySelector('.count')?.textContent).toContain('Showing 1 of 2 practitioners');
    typeFilter('nobody');
    expect(names()).toEqual([]);
    expect(page.querySelector('.empty')?.textContent).toContain("No practitioner's name matches “nobody”.");
  });

  it('says when the directory is empty', () => {
    respond({ resourceType: 'Bundle', type: 'searchset' }, { resourceType: 'Bundle', type: 'searchset' });
    expect(page.querySelector('.empty')?.textContent).toContain('No practitioners are listed yet.');
  });

  it('shows the server error and loads again on "Try again"', () => {
    http.expectOne('/fhir/R4/PractitionerRole?_count=100').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'exception', details: { text: 'Internal server error' } }],
      },
      { status: 500, statusText: 'Server Error' },
    );
    // The join failed as a whole, so the other search was abandoned.
    expect(http.expectOne('/fhir/R4/Practitioner?_count=100').cancelled).toBeTrue();
    fixture.detectChanges();
    const alert = page.querySelector('[role=alert]') as HTMLElement;
    expect(alert.textContent).toContain('The practitioner directory could not be loaded.');
    expect(alert.textContent).toContain('Internal server error');
    expect(names()).toEqual([]);

    (alert.querySelector('button') as HTMLButtonElement).click();
    fixture.detectChanges();
    respond(practitioners, roles);
    expect(page.querySelector('[role=alert]')).toBeNull();
    expect(names().length).toBe(2);
  });

  it('asks the server for the filtered directory on Search, and says when nothing matches', () => {
    respond(practitioners, roles);
    for (const label of ['Home visits', 'Wheelchair access']) {
      const box = Array.from(page.querySelectorAll('mat-checkbox')).find((c) => c.textContent?.includes(label))!;
      (box.querySelector('input') as HTMLInputElement).click();
    }
    const city = page.querySelector('input[autocomplete=address-level2]') as HTMLInputElement;
    city.value = 'Lyon';
    city.dispatchEvent(new Event('input'));
    fixture.detectChanges();
    (
      Array.from(page.querySelectorAll('button')).find((b) => b.textContent?.trim() === 'Search') as HTMLButtonElement
    ).click();
    fixture.detectChanges();
    const search = http.expectOne((r) => r.url === '/fhir/R4/PractitionerRole' && r.params.has('home-visits'));
    expect(search.request.params.get('home-visits')).toBe('true');
    expect(search.request.params.get('location.wheelchair-access')).toBe('true');
    expect(search.request.params.get('location.address-city')).toBe('Lyon');
    expect(search.request.params.get('_include')).toBe('PractitionerRole:practitioner');
    search.flush({ resourceType: 'Bundle', type: 'searchset' });
    fixture.detectChanges();
    expect(page.querySelector('.empty')?.textContent).toContain('No listed practitioner matches these filters.');
  });

  it("links each card to the practitioner's profile", () => {
    respond(practitioners, roles);
    const link = page.querySelector('pp-practitioner-card h2 a') as HTMLAnchorElement;
    expect(link.getAttribute('href')).toBe('/practitioners/p2');
  });
});
