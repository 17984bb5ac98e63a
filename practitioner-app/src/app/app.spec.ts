import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { provideAuthHttpTesting, signInForTest } from '@web-shared/auth/testing';
import { atPhoneWidth, expectToolbarFits, mainNavLinks } from '@web-shared/shell/testing';
import { App } from './app';
import { AUTH_OPTIONS } from './app.config';
import { routes } from './app.routes';
import { expectPracticesRequest, flushPractices } from './practices/practices-testing';

// The frame itself (product name, user, sign-out, skip link) and the guarded routes are specified in
// web-shared/shell; these are the console's own parts.
describe('App (the console in the shared frame)', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideRouter(routes, withComponentInputBinding()), provideAuthHttpTesting(AUTH_OPTIONS)],
    });
    signInForTest({ access_token: 'access-1' }, 'Practitioner/p1');
  });

  it('is the Practice Console, with Patients in the main navigation', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    expect(fixture.nativeElement.querySelector('header .product')?.textContent).toBe('Practice Console');
    expect(mainNavLinks(fixture.nativeElement)).toEqual([
      ['Patients', '/patients'],
      ['Inbox', '/inbox'],
      ['My directory profile', '/directory-profile'],
    ]);
  });

  it('shows “Connected apps” in the toolbar to practice administrators only', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const http = TestBed.inject(HttpTestingController);
    expect(mainNavLinks(fixture.nativeElement)).toEqual([
      ['Patients', '/patients'],
      ['Inbox', '/inbox'],
      ['My directory profile', '/directory-profile'],
    ]);

    flushPractices(http, [
      { id: 'o1', name: 'Riverside', admin: false },
      { id: 'o2', name: 'Hilltop', admin: true },
    ]);
    await fixture.whenStable();
    expect(mainNavLinks(fixture.nativeElement)).toEqual([
      ['Patients', '/patients'],
      ['Inbox', '/inbox'],
      ['My directory profile', '/directory-profile'],
      ['Connected apps', '/apps'],
      ['Settings', '/settings/portal'],
    ]);
  });

  it('hides “Connected apps” from practitioners who administer no practice', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    flushPractices(TestBed.inject(HttpTestingController), [{ id: 'o1', name: 'Riverside', admin: false }]);
    await fixture.whenStable();
    expect(mainNavLinks(fixture.nativeElement)).toEqual([
      ['Patients', '/patients'],
      ['Inbox', '/inbox'],
      ['My directory profile', '/directory-profile'],
    ]);
    expect((fixture.nativeElement as HTMLElement).querySelector('a[href="/apps"]')).toBeNull();
    expect((fixture.nativeElement as HTMLElement).querySelector('a[href="/settings/portal"]')).toBeNull();
  });

  it('hides “Connected apps” when the practices cannot be read', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    expectPracticesRequest(TestBed.inject(HttpTestingController)).flush({}, { status: 500, statusText: 'Error' });
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('a[href="/apps"]')).toBeNull();
  });

  it('opens the settings page at /settings/portal', async () => {
    const harness = await RouterTestingHarness.create('/settings/portal');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Patient portal and clinical sharing');
    flushPractices(TestBed.inject(HttpTestingController), [{ id: 'o1', name: 'Riverside', admin: true }]);
    await harness.fixture.whenStable();
    TestBed.inject(HttpTestingController).expectOne('/fhir/R4/Organization/o1');
  });

  it('opens the Connected apps page at /apps', async () => {
    const harness = await RouterTestingHarness.create('/apps');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Connected apps');
    flushPractices(TestBed.inject(HttpTestingController), [{ id: 'o1', name: 'Riverside', admin: true }]);
    await harness.fixture.whenStable();
    TestBed.inject(HttpTestingController).expectOne('/api/practices/o1/clients');
  });

  it('asks the Connected apps page before leaving it', async () => {
    const harness = await RouterTestingHarness.create('/apps');
    const page = harness.routeDebugElement!.componentInstance as { confirmLeave(): boolean };
    const confirmLeave = spyOn(page, 'confirmLeave').and.returnValue(false);
    await harness.navigateByUrl('/patients');
    expect(confirmLeave).toHaveBeenCalled();
    expect(TestBed.inject(Router).url).toBe('/apps');
  });

  it('names the practice the practitioner works in, in the toolbar', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const practice = () => (fixture.nativeElement as HTMLElement).querySelector('mat-toolbar .practice');
    expect(practice()).toBeNull();
    flushPractices(TestBed.inject(HttpTestingController), [{ id: 'o1', name: 'Harbourside Family Practice' }]);
    await fixture.whenStable();
    expect(practice()?.textContent?.trim()).toBe('Practice: Harbourside Family Practice');
    expect(practice()?.querySelector('.visually-hidden')?.textContent?.trim()).toBe('Practice:');
  });

  it('names every practice of a practitioner who works in several', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    flushPractices(TestBed.inject(HttpTestingController), [
      { id: 'o1', name: 'Riverside', admin: false },
      { id: 'o2', name: 'Hilltop', admin: true },
    ]);
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('mat-toolbar .practice')?.textContent?.trim()).toBe(
      'Practices: Hilltop, Riverside',
    );
  });

  it('wraps the toolbar at 390 px instead of overflowing it', async () => {
    const fixture = TestBed.createComponent(App);
    const host = atPhoneWidth(fixture.nativeElement);
    await fixture.whenStable();
    flushPractices(TestBed.inject(HttpTestingController), [
      { id: 'o1', name: 'Harbourside Family Practice', admin: true },
    ]);
    await fixture.whenStable();
    expectToolbarFits(host);
  });

  it('opens the patient list at the root URL, asking the FHIR API with the access token', async () => {
    const harness = await RouterTestingHarness.create('/');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Patients');
    const req = TestBed.inject(HttpTestingController).expectOne((r) => r.url === '/fhir/R4/Patient');
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-1');
  });

  it("opens the patient's chart with the id from the URL", async () => {
    const harness = await RouterTestingHarness.create('/patients/abc');
    const http = TestBed.inject(HttpTestingController);
    http.expectOne('/fhir/R4/Patient/abc').flush({ resourceType: 'Patient', id: 'abc', name: [{ family: 'Doe' }] });
    await harness.fixture.whenStable();
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Doe');
    expect(harness.routeNativeElement?.querySelector('a[href="/patients/abc/edit"]')?.textContent?.trim()).toBe(
      'Edit details',
    );
  });

  it('opens the form for an existing patient on /patients/:id/edit', async () => {
    const harness = await RouterTestingHarness.create('/patients/abc/edit');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Edit patient');
    TestBed.inject(HttpTestingController).expectOne('/fhir/R4/Patient/abc');
  });

  it('answers unknown URLs with a not-found page leading back to the patients', async () => {
    const harness = await RouterTestingHarness.create('/nowhere');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Page not found');
    expect(harness.routeNativeElement?.querySelector('a[href="/patients"]')?.textContent?.trim()).toBe(
      'Go to patients',
    );
  });
});
