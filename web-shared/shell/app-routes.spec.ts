import { HttpTestingController } from '@angular/common/http/testing';
import { ChangeDetectionStrategy, Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { pendingSignInKey } from '@web-shared/auth';
import {
  fakeLocation,
  flushDiscovery,
  provideAuthHttpTesting,
  signInForTest,
  SMART_CONFIGURATION,
  TEST_AUTH_OPTIONS,
} from '@web-shared/auth/testing';
import { appRoutes } from './app-routes';

@Component({ changeDetection: ChangeDetectionStrategy.OnPush, template: '<h1>Patients</h1>' })
class PatientsPage {}

const routes = appRoutes({
  home: { path: 'patients', label: 'Go to patients' },
  pages: [{ path: 'patients', title: 'Patients · Practice Console', component: PatientsPage }],
});

describe('appRoutes', () => {
  beforeEach(() => {
    sessionStorage.clear();
    TestBed.configureTestingModule({
      providers: [
        provideRouter(routes),
        provideAuthHttpTesting({ ...TEST_AUTH_OPTIONS, productName: 'Practice Console' }),
      ],
    });
  });

  afterEach(() => sessionStorage.clear());

  describe('signed in', () => {
    beforeEach(() => signInForTest());

    it('opens the home page at the root URL', async () => {
      const harness = await RouterTestingHarness.create('/');
      expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Patients');
      expect(TestBed.inject(Router).url).toBe('/patients');
    });

    it('answers unknown URLs with a not-found page titled with the product, linking home', async () => {
      const harness = await RouterTestingHarness.create('/nowhere/at/all');
      const page = harness.routeNativeElement!;
      expect(page.querySelector('h1')?.textContent).toBe('Page not found');
      expect(page.querySelector('a')?.getAttribute('href')).toBe('/patients');
      expect(page.querySelector('a')?.textContent?.trim()).toBe('Go to patients');
      expect(TestBed.inject(Title).getTitle()).toBe('Page not found · Practice Console');
    });
  });

  describe('signed out', () => {
    it('sends the user to sign in instead of opening a page, and back to it afterwards', async () => {
      const harness = await RouterTestingHarness.create();
      const navigation = harness.navigateByUrl('/patients');
      await flushDiscovery(TestBed.inject(HttpTestingController));
      await navigation;
      const authorize = new URL(fakeLocation().assigned[0]!);
      expect(`${authorize.origin}${authorize.pathname}`).toBe(SMART_CONFIGURATION.authorization_endpoint);
      expect(authorize.searchParams.get('client_id')).toBe(TEST_AUTH_OPTIONS.clientId);
      expect(harness.routeNativeElement?.querySelector('h1')).toBeFalsy();
      expect(JSON.parse(sessionStorage.getItem(pendingSignInKey(TEST_AUTH_OPTIONS.clientId))!).returnTo).toBe(
        '/patients',
      );
    });

    it('guards unknown URLs too (the not-found page is for signed-in users)', async () => {
      const harness = await RouterTestingHarness.create();
      const navigation = harness.navigateByUrl('/nowhere');
      await flushDiscovery(TestBed.inject(HttpTestingController));
      await navigation;
      expect(fakeLocation().assigned.length).toBe(1);
      expect(harness.routeNativeElement?.querySelector('h1')).toBeFalsy();
    });

    it('shows the signed-out page without signing in', async () => {
      const harness = await RouterTestingHarness.create('/signed-out');
      expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Signed out');
      expect(fakeLocation().assigned).toEqual([]);
    });
  });
});
