import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { authInterceptor, pendingSignInKey } from '@web-shared/auth';
import { fakeLocation, flushDiscovery, isRevocationRequest, nextRequest, provideAuthTesting, signInForTest, SMART_CONFIGURATION, until } from '@web-shared/auth/testing';
import { App } from './app';
import { AUTH_OPTIONS } from './app.config';
import { routes } from './app.routes';

describe('App shell', () => {
  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [provideRouter(routes), provideHttpClient(withInterceptors([authInterceptor])), provideHttpClientTesting(), provideAuthTesting(AUTH_OPTIONS)],
    });
  });

  afterEach(() => sessionStorage.clear());

  describe('signed in', () => {
    beforeEach(() => signInForTest({ access_token: 'access-1' }, 'Patient/pat1'));

    it('shows the product name and a "Find a practitioner" link', async () => {
      const fixture = TestBed.createComponent(App);
      await fixture.whenStable();
      const toolbar = fixture.nativeElement.querySelector('mat-toolbar') as HTMLElement;
      expect(toolbar.textContent).toContain('Patient Portal');
      const link = toolbar.querySelector('nav a') as HTMLAnchorElement;
      expect(link.textContent?.trim()).toBe('Find a practitioner');
      expect(link.getAttribute('href')).toBe('/practitioners');
    });

    it('wraps the toolbar at 390 px instead of overflowing it', async () => {
      const fixture = TestBed.createComponent(App);
      const host = fixture.nativeElement as HTMLElement;
      host.style.display = 'block';
      host.style.width = '390px';
      await fixture.whenStable();
            const toolbar = host.querySelector('mat-toolbar') as HTMLElement;
      expect(toolbar.scrollWidth).toBeLessThanOrEqual(toolbar.clientWidth);
      const edge = toolbar.getBoundingClientRect();
      for (const item of Array.from(toolbar.querySelectorAll<HTMLElement>('a, button, .user'))) {
        const box = item.getBoundingClientRect();
        expect(box.right).withContext(item.textContent ?? '').toBeLessThanOrEqual(edge.right + 0.5);
        expect(box.bottom).withContext(item.textContent ?? '').toBeLessThanOrEqual(edge.bottom + 0.5);
      }
    });

    it('shows who is signed in and signs out from the toolbar', async () => {
      const fixture = TestBed.createComponent(App);
      await fixture.whenStable();
      const toolbar = fixture.nativeElement.querySelector('mat-toolbar') as HTMLElement;
      expect(toolbar.querySelector('.user')?.textContent?.trim()).toBe('Signed in as Patient/pat1');
      const signOut = Array.from(toolbar.querySelectorAll('button')).find((b) => b.textContent?.trim() === 'Sign out')!;
      signOut.click();
      await fixture.whenStable();
      expect(toolbar.querySelector('.user')).toBeNull();

      const http = TestBed.inject(HttpTestingController);
      await flushDiscovery(http);
      (await nextRequest(http, isRevocationRequest, 'revocation')).flush(null);
      await until(() => fakeLocation().assigned.length > 0, 'the end-session redirect');
      expect(fakeLocation().assigned[0]).toContain(SMART_CONFIGURATION.end_session_endpoint);
    });

    it('opens the practitioner directory at the root URL, asking the FHIR API with the access token', async () => {
      const harness = await RouterTestingHarness.create('/');
      expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Find a practitioner');
      const http = TestBed.inject(HttpTestingController);
      expect(http.expectOne('/fhir/R4/PractitionerRole?_count=100').request.headers.get('Authorization')).toBe('Bearer access-1');
      expect(http.expectOne('/fhir/R4/Practitioner?_count=100').request.headers.get('Authorization')).toBe('Bearer access-1');
    });

    it('answers unknown URLs with a not-found page', async () => {
      const harness = await RouterTestingHarness.create('/nowhere');
      expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Page not found');
    });
  });

  describe('signed out', () => {
    it('sends the user to sign in instead of opening a page, and back to it afterwards', async () => {
      const harness = await RouterTestingHarness.create();
      const navigation = harness.navigateByUrl('/practitioners');
      await flushDiscovery(TestBed.inject(HttpTestingController));
      await navigation;
      const authorize = new URL(fakeLocation().assigned[0]!);
      expect(`${authorize.origin}${authorize.pathname}`).toBe(SMART_CONFIGURATION.authorization_endpoint);
      expect(authorize.searchParams.get('client_id')).toBe('patient-portal');
      expect(harness.routeNativeElement?.querySelector('h1')).toBeFalsy();
      expect(JSON.parse(sessionStorage.getItem(pendingSignInKey(AUTH_OPTIONS.clientId))!).returnTo).toBe('/practitioners');
      TestBed.inject(HttpTestingController).expectNone('/fhir/R4/Practitioner?_count=100');
    });

    it('shows the signed-out page without signing in', async () => {
      const harness = await RouterTestingHarness.create('/signed-out');
      expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Signed out');
      expect(fakeLocation().assigned).toEqual([]);
    });
  });
});
