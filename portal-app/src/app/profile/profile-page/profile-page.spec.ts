import type { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideAuthTesting, signInForTest } from '@web-shared/auth/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../app.config';
import { EMERGENCY_CONTACT_URL } from '../profile-model';
import type { Parameters, Person } from '../profile-types';
import { PATIENT_UPDATES_URL } from '../update-profile';
import { PROFILE_CONFLICT_MESSAGE, ProfilePage } from './profile-page';

const PERSON: Person = {
  resourceType: 'Person',
  id: 'pe1',
  meta: { versionId: '5' },
  link: [{ target: { reference: 'Patient/p1' } }, { target: { reference: 'Patient/p2' } }],
  name: [{ given: ['Olivia'], family: 'Bennett' }],
  telecom: [{ system: 'phone', use: 'mobile', value: '07700 900123' }],
  extension: [
    {
      url: EMERGENCY_CONTACT_URL,
      extension: [
        {
          url: 'relationship',
          valueCodeableConcept: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'N' }] },
        },
        { url: 'name', valueHumanName: { text: 'Tom Bennett' } },
      ],
    },
  ],
};
const organization = (id: string, name: string, mode: string) => ({
  resourceType: 'Organization',
  id,
  name,
  extension: [{ url: PATIENT_UPDATES_URL, valueCode: mode }],
});
const RECORDS_BUNDLE = {
  resourceType: 'Bundle',
  type: 'searchset',
  entry: [
    {
      resource: {
        resourceType: 'Patient',
        id: 'p1',
        meta: { versionId: '4' },
        managingOrganization: { reference: 'Organization/o1' },
      },
    },
    {
      resource: {
        resourceType: 'Patient',
        id: 'p2',
        meta: { versionId: '9' },
        managingOrganization: { reference: 'Organization/o2' },
      },
    },
    { resource: organization('o1', 'Harbourside Family Practice', 'automatic'), search: { mode: 'include' } },
    { resource: organization('o2', 'Quay Clinic', 'disabled'), search: { mode: 'include' } },
  ],
};
const EMPTY = { resourceType: 'Bundle', type: 'searchset', entry: [] };

describe('ProfilePage', () => {
  let fixture: ComponentFixture<ProfilePage>;
  let http: HttpTestingController;
  let page: HTMLElement;

  function start(fhirUser = 'Person/pe1'): void {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    signInForTest({}, fhirUser);
    fixture = TestBed.createComponent(ProfilePage);
    page = fixture.nativeElement;
    fixture.detectChanges();
  }
  afterEach(() => http.verify());

  const isRecords = (r: TestRequest['request']) =>
    r.url === '/fhir/R4/Patient' &&
    r.params.get('_id') === 'p1,p2' &&
    r.params.get('_include') === 'Patient:organization';

  /** Answers the page's reads (Person, records) and its sections' (social history, reviews). */
  async function loaded(person: Person = PERSON): Promise<void> {
    http.expectOne('/fhir/R4/Person/pe1').flush(person);
    http.expectOne(isRecords).flush(RECORDS_BUNDLE);
    await fixture.whenStable();
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/fhir/R4/Observation').flush(EMPTY);
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush(EMPTY);
    await fixture.whenStable();
    fixture.detectChanges();
  }

  /** After a save the page reads the records again (their new versions) and the reviews. */
  async function afterSave(): Promise<void> {
    http.expectOne(isRecords).flush(RECORDS_BUNDLE);
    await fixture.whenStable();
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush(EMPTY);
    fixture.detectChanges();
  }

  const input = (name: string) => page.querySelector(`[formcontrolname="${name}"]`) as HTMLInputElement;
  function type(name: string, value: string): void {
    const field = input(name);
    field.value = value;
    field.dispatchEvent(new Event('input'));
    field.dispatchEvent(new Event('blur'));
  }
  const button = (text: string) =>
    Array.from(page.querySelectorAll('button')).find((b) => b.textContent?.trim() === text) as HTMLButtonElement;
  const status = () => page.querySelector('.save-status')?.textContent ?? '';

  it('shows the profile read from the account’s Person, with its emergency contact', async () => {
    start();
    await loaded();
    expect(page.querySelector('h1')?.textContent).toBe('My profile');
    expect(input('given').value).toBe('Olivia');
    expect(input('family').value).toBe('Bennett');
    expect(input('mobile').value).toBe('07700 900123');
    expect(input('name').value).toBe('Tom Bennett');
    // Every form field has a visible label.
    for (const field of Array.from(page.querySelectorAll('mat-form-field'))) {
      expect(field.querySelector('mat-label')?.textContent?.trim())
        .withContext(field.outerHTML.slice(0, 80))
        .toBeTruthy();
    }
  });

  it('saves with $update-profile and the loaded versions, then says per practice what happened', async () => {
    start();
    await loaded();
    type('mobile', '07700 900999');
    button('Save my profile').click();
    const save = http.expectOne({ method: 'POST', url: '/fhir/R4/Person/pe1/$update-profile' });
    const body = save.request.body as Parameters;
    const profile = body.parameter?.find((p) => p.name === 'profile')?.resource as Person;
    expect(profile.meta?.versionId).toBe('5');
    expect(profile.link).toEqual(PERSON.link);
    expect(profile.telecom).toEqual([{ system: 'phone', use: 'mobile', value: '07700 900999' }]);
    expect(body.parameter?.filter((p) => p.name === 'record').map((p) => p.part)).toEqual([
      [
        { name: 'patient', valueReference: { reference: 'Patient/p1' } },
        { name: 'version', valueId: '4' },
      ],
      [
        { name: 'patient', valueReference: { reference: 'Patient/p2' } },
        { name: 'version', valueId: '9' },
      ],
    ]);
    save.flush({
      resourceType: 'Parameters',
      parameter: [
        { name: 'profile', resource: { ...profile, meta: { versionId: '6' } } },
        {
          name: 'result',
          part: [
            { name: 'patient', valueReference: { reference: 'Patient/p1' } },
            { name: 'status', valueCode: 'updated' },
          ],
        },
        {
          name: 'result',
          part: [
            { name: 'patient', valueReference: { reference: 'Patient/p2' } },
            { name: 'status', valueCode: 'not-sent' },
          ],
        },
      ],
    });
    await afterSave();
    expect(status()).toContain('Your profile was saved.');
    expect(status()).toContain('Harbourside Family Practice: updated');
    expect(status()).toContain(
      'Quay Clinic: this practice does not take updates from the portal; kept in your profile only',
    );

    // The next save carries the stored version.
    button('Save my profile').click();
    const again = http.expectOne({ method: 'POST', url: '/fhir/R4/Person/pe1/$update-profile' });
    expect((again.request.body as Parameters).parameter?.[0]?.resource?.meta?.versionId).toBe('6');
    again.flush({ resourceType: 'Parameters', parameter: [] });
    await afterSave();
  });

  it('names the fields a practice changed meanwhile and offers Reload', async () => {
    start();
    await loaded();
    type('home', '020 7946 0001');
    button('Save my profile').click();
    http.expectOne({ method: 'POST', url: '/fhir/R4/Person/pe1/$update-profile' }).flush({
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'result',
          part: [
            { name: 'patient', valueReference: { reference: 'Patient/p1' } },
            { name: 'status', valueCode: 'conflict' },
            { name: 'field', valueCode: 'telecom' },
          ],
        },
      ],
    });
    await afterSave();
    expect(status()).toContain(
      'Harbourside Family Practice: changed your record since you opened this page (phone or e-mail). Reload to see their version.',
    );
    button('Reload').click();
    await loaded();
    expect(status()).not.toContain('changed your record');
  });

  it('says plainly when the profile changed elsewhere (409) and reloads on "Reload"', async () => {
    start();
    await loaded();
    button('Save my profile').click();
    http
      .expectOne({ method: 'POST', url: '/fhir/R4/Person/pe1/$update-profile' })
      .flush(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict' }] },
        { status: 409, statusText: 'Conflict' },
      );
    fixture.detectChanges();
    expect(page.querySelector('[role="alert"]')?.textContent).toContain(PROFILE_CONFLICT_MESSAGE);
    button('Reload').click();
    await loaded({ ...PERSON, meta: { versionId: '7' }, name: [{ given: ['Liv'], family: 'Bennett' }] });
    expect(input('given').value).toBe('Liv');
    expect(page.textContent).not.toContain(PROFILE_CONFLICT_MESSAGE);
  });

  it('explains what to fix instead of sending an invalid form', async () => {
    start();
    await loaded();
    type('family', '');
    type('birthDate', '2020-02-30');
    type('email', 'not-an-address');
    button('Save my profile').click();
    fixture.detectChanges();
    const text = page.textContent ?? '';
    expect(text).toContain('Please enter your last name.');
    expect(text).toContain('Write the date as year-month-day, e.g. 1980-02-29, with a day that exists.');
    expect(text).toContain('Write an e-mail address like name@example.org.');
    expect(text).toContain('Some fields need your attention');
  });

  it('adds and removes emergency contacts by keyboard-reachable buttons, asking for a relationship and a name', async () => {
    start();
    await loaded();
    button('Add a contact').click();
    fixture.detectChanges();
    expect(page.querySelectorAll('fieldset.contact').length).toBe(2);
    button('Save my profile').click();
    fixture.detectChanges();
    expect(page.textContent).toContain('Please choose who this person is to you.');
    expect(page.textContent).toContain("Please enter this contact's name.");
    (page.querySelector('button[aria-label="Remove contact 2"]') as HTMLButtonElement).click();
    (page.querySelector('button[aria-label="Remove contact 1 (Tom Bennett)"]') as HTMLButtonElement).click();
    fixture.detectChanges();
    expect(page.textContent).toContain('No emergency contact yet.');
    button('Save my profile').click();
    const save = http.expectOne({ method: 'POST', url: '/fhir/R4/Person/pe1/$update-profile' });
    expect(((save.request.body as Parameters).parameter?.[0]?.resource as Person).extension).toBeUndefined();
    save.flush({ resourceType: 'Parameters', parameter: [] });
    await afterSave();
  });

  it('shows script-looking text as text', async () => {
    start();
    await loaded({
      ...PERSON,
      name: [{ family: '<img src=x onerror="window.hacked=1">' }],
    });
    expect(input('family').value).toBe('<img src=x onerror="window.hacked=1">');
    button('Save my profile').click();
    http.expectOne({ method: 'POST', url: '/fhir/R4/Person/pe1/$update-profile' }).flush({
      resourceType: 'Parameters',
      parameter: [
        {
          name: 'result',
          part: [
            { name: 'patient', valueReference: { reference: 'Patient/x', display: '<script>alert(1)</script>' } },
            { name: 'status', valueCode: 'updated' },
          ],
        },
      ],
    });
    await afterSave();
    expect(status()).toContain('<script>alert(1)</script>: updated');
    expect(page.querySelector('script, img')).toBeNull();
  });

  it('fits a 390 px screen without scrolling sideways', async () => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    signInForTest({}, 'Person/pe1');
    fixture = TestBed.createComponent(ProfilePage);
    page = atPhoneWidth(fixture.nativeElement);
    document.body.appendChild(page);
    fixture.detectChanges();
    await loaded();
    expect(page.scrollWidth).toBeLessThanOrEqual(page.clientWidth);
    for (const el of Array.from(page.querySelectorAll<HTMLElement>('mat-form-field, button'))) {
      expect(el.getBoundingClientRect().right)
        .withContext(el.textContent ?? '')
        .toBeLessThanOrEqual(page.getBoundingClientRect().right + 0.5);
    }
    page.remove();
  });

  it('tells an account without a profile of its own (not a patient) what this page is for', async () => {
    start('Practitioner/pr1');
    await fixture.whenStable();
    fixture.detectChanges();
    expect(page.textContent).toContain('Your profile could not be loaded.');
    expect(page.textContent).toContain('This page is for patients');
  });

  it('says when no practice has connected the record yet', async () => {
    start();
    http.expectOne('/fhir/R4/Person/pe1').flush({ ...PERSON, link: undefined });
    await fixture.whenStable();
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/fhir/R4/Observation').flush(EMPTY);
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush(EMPTY);
    fixture.detectChanges();
    expect(page.textContent).toContain('No practice has connected your record to the portal yet.');
  });

  it('shows the server’s words and "Try again" when the profile cannot be read', async () => {
    start();
    http.expectOne('/fhir/R4/Person/pe1').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', diagnostics: 'Not yours' }],
      },
      { status: 403, statusText: 'Forbidden' },
    );
    fixture.detectChanges();
    expect(page.textContent).toContain('Not yours');
    button('Try again').click();
    await loaded();
    expect(input('family').value).toBe('Bennett');
  });
});
