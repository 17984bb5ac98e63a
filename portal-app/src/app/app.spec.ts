import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { provideAuthHttpTesting, signInForTest } from '@web-shared/auth/testing';
import { atPhoneWidth, expectToolbarFits, mainNavLinks } from '@web-shared/shell/testing';
import { App } from './app';
import { AUTH_OPTIONS } from './app.config';
import { routes } from './app.routes';

// The frame itself (product name, user, sign-out, skip link) and the guarded routes are specified in
// web-shared/shell; these are the portal's own parts.
describe('App (the portal in the shared frame)', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter(routes), provideAuthHttpTesting(AUTH_OPTIONS)] });
    signInForTest({ access_token: 'access-1' }, 'Patient/pat1');
  });

  it('is the Patient Portal, with "Find a practitioner", "My practitioners" and "My health record" in the main navigation', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('header .product')?.textContent).toBe('Patient Portal');
    expect(mainNavLinks(fixture.nativeElement)).toEqual([
      ['Find a practitioner', '/practitioners'],
      ['My practitioners', '/my-practitioners'],
      ['My health record', '/record'],
    ]);
  });

  it('wraps the toolbar at 390 px instead of overflowing it', async () => {
    const fixture = TestBed.createComponent(App);
    const host = atPhoneWidth(fixture.nativeElement);
    await fixture.whenStable();
    expectToolbarFits(host);
  });

  it('opens the practitioner directory at the root URL, asking the FHIR API with the access token', async () => {
    const harness = await RouterTestingHarness.create('/');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Find a practitioner');
    const http = TestBed.inject(HttpTestingController);
    expect(http.expectOne('/fhir/R4/PractitionerRole?_count=100').request.headers.get('Authorization')).toBe(
      'Bearer access-1',
    );
    expect(http.expectOne('/fhir/R4/Practitioner?_count=100').request.headers.get('Authorization')).toBe(
      'Bearer access-1',
    );
  });

  it('opens "My health record" at /record, asking for the patient\'s records with the access token', async () => {
    const harness = await RouterTestingHarness.create('/record');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('My health record');
    expect(
      TestBed.inject(HttpTestingController)
        .expectOne('/fhir/R4/Patient?_count=100')
        .request.headers.get('Authorization'),
    ).toBe('Bearer access-1');
  });

  it('answers unknown URLs with a not-found page leading back to the directory', async () => {
    const harness = await RouterTestingHarness.create('/nowhere');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Page not found');
    expect(harness.routeNativeElement?.querySelector('a[href="/practitioners"]')?.textContent?.trim()).toBe(
      'Find a practitioner',
    );
  });
});
