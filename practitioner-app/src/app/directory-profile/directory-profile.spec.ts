import { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { provideRouter } from '@angular/router';
import { provideAuthHttpTesting, signInForTest } from '@web-shared/auth/testing';
import { HOME_VISITS_URL } from '@web-shared/fhir';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { AUTH_OPTIONS } from '../app.config';
import { operationOutcome } from '../practices/practices-testing';
import { DirectoryProfilePage } from './directory-profile';

const bundle = (...resources: object[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource) => ({ resource })),
});
const PRACTITIONER = { resourceType: 'Practitioner', id: 'p1', meta: { versionId: '4' }, name: [{ family: 'Tran' }] };
const ROLE = {
  resourceType: 'PractitionerRole',
  id: 'r1',
  meta: { versionId: '7' },
  practitioner: { reference: 'Practitioner/p1' },
  organization: { reference: 'Organization/o1', display: 'Riverside' },
  location: [{ reference: 'Location/l1' }],
};
const LOCATION = { resourceType: 'Location', id: 'l1', meta: { versionId: '1' }, name: 'Riverside rooms' };

describe('DirectoryProfilePage', () => {
  let fixture: ComponentFixture<DirectoryProfilePage>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideAuthHttpTesting(AUTH_OPTIONS),
        provideRouter([]),
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
      ],
    });
    http = TestBed.inject(HttpTestingController);
  });
  afterEach(() => http.verify());

  async function open(phone = false): Promise<void> {
    signInForTest({ access_token: 'access-1' }, 'Practitioner/p1');
    fixture = TestBed.createComponent(DirectoryProfilePage);
    page = fixture.nativeElement;
    if (phone) atPhoneWidth(page);
    await fixture.whenStable();
  }

  async function respond(): Promise<void> {
    http.expectOne('/fhir/R4/Practitioner/p1').flush(PRACTITIONER);
    http
      .expectOne((r) => r.url === '/fhir/R4/PractitionerRole' && r.params.get('practitioner') === 'Practitioner/p1')
      .flush(bundle(ROLE, LOCATION));
    await fixture.whenStable();
  }

  const checkbox = (label: string) =>
    Array.from(page.querySelectorAll('mat-checkbox'))
      .find((c) => c.textContent?.includes(label))!
      .querySelector('input') as HTMLInputElement;

  it('shows the profile with a label for every control, loading first', async () => {
    await open();
    expect(page.querySelector('mat-progress-bar')).not.toBeNull();
    await respond();
    expect(page.querySelector('h1')?.textContent).toBe('My directory profile');
    expect(checkbox('List me in the public directory').checked).toBeFalse();
    expect(page.querySelector('legend')?.textContent).toContain('At Riverside');
    expect(checkbox('Riverside rooms has wheelchair access')).toBeDefined();
    for (const input of Array.from(page.querySelectorAll('input, textarea'))) {
      const id = input.getAttribute('id');
      const labelled =
        input.getAttribute('aria-label') ||
        input.getAttribute('aria-labelledby') ||
        (id && page.querySelector(`label[for="${id}"]`));
      expect(labelled).withContext(input.outerHTML).toBeTruthy();
    }
  });

  it('saves only what changed, each record with If-Match, and says so', async () => {
    await open();
    await respond();
    checkbox('List me in the public directory').click();
    checkbox('I visit patients at home').click();
    await fixture.whenStable();
    (page.querySelector('button[type=submit]') as HTMLButtonElement).click();
    await fixture.whenStable();
    const practitioner = http.expectOne({ method: 'PUT', url: '/fhir/R4/Practitioner/p1' });
    expect(practitioner.request.headers.get('If-Match')).toBe('W/"4"');
    expect(practitioner.request.body.meta.tag).toContain(jasmine.objectContaining({ code: 'listed' }));
    const role = http.expectOne({ method: 'PUT', url: '/fhir/R4/PractitionerRole/r1' });
    expect(role.request.body.extension).toContain({ url: HOME_VISITS_URL, valueBoolean: true });
    // Listing marks the location too, so that a wheelchair search can reach it.
    const location = http.expectOne({ method: 'PUT', url: '/fhir/R4/Location/l1' });
    practitioner.flush({ ...practitioner.request.body, meta: { ...practitioner.request.body.meta, versionId: '5' } });
    role.flush(role.request.body);
    location.flush(location.request.body);
    await fixture.whenStable();
    expect(page.querySelector('.saved')?.textContent).toContain('Your directory profile is saved.');
  });

  it('explains a refused save in plain words and keeps the edits', async () => {
    await open();
    await respond();
    checkbox('I visit patients at home').click();
    await fixture.whenStable();
    (page.querySelector('button[type=submit]') as HTMLButtonElement).click();
    await fixture.whenStable();
    http
      .expectOne({ method: 'PUT', url: '/fhir/R4/PractitionerRole/r1' })
      .flush(operationOutcome('Only the practitioner or an administrator may change this'), {
        status: 403,
        statusText: 'Forbidden',
      });
    await fixture.whenStable();
    const alert = page.querySelector('[role=alert]') as HTMLElement;
    expect(alert.textContent).toContain('Your directory profile was not saved.');
    expect(alert.textContent).toContain('Only the practitioner or an administrator may change this');
    expect(checkbox('I visit patients at home').checked).toBeTrue();
  });

  it('says when the profile cannot be loaded, and fits a 390 px screen', async () => {
    await open(true);
    http.expectOne('/fhir/R4/Practitioner/p1').flush(operationOutcome('Not found', 'not-found'), {
      status: 404,
      statusText: 'Not Found',
    });
    http.expectOne((r) => r.url === '/fhir/R4/PractitionerRole');
    await fixture.whenStable();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('Your directory profile could not be loaded.');
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });
});
