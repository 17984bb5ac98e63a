import type { HttpTestingController } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { configureHttpTesting } from '../testing';
import {
  fakeLocation,
  flushDiscovery,
  isDiscoveryRequest,
  nextRequest,
  PENDING_KEY,
  provideAuthTesting,
  signInForTest,
  SMART_CONFIGURATION,
} from './testing';
import { signedInGuard } from './auth.guard';

@Component({ template: '<h1>Private</h1>' })
class PrivatePage {}

@Component({ template: '<h1>Signed out</h1>' })
class SignedOutPage {}

describe('signedInGuard', () => {
  let http: HttpTestingController;

  beforeEach(() => {
    sessionStorage.clear();
    http = configureHttpTesting([
      provideAuthTesting(),
      provideRouter([
        { path: 'signed-out', component: SignedOutPage },
        { path: '', canActivateChild: [signedInGuard], children: [{ path: 'private', component: PrivatePage }] },
      ]),
    ]);
  });

  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  it('lets a signed-in user through', async () => {
    signInForTest();
    const harness = await RouterTestingHarness.create('/private');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Private');
    expect(fakeLocation().assigned).toEqual([]);
  });

  it('sends anyone else to the authorization endpoint, remembering the URL they asked for', async () => {
    const harness = await RouterTestingHarness.create();
    const navigation = harness.navigateByUrl('/private?tab=2');
    await flushDiscovery(http);
    await navigation;
    expect(harness.routeNativeElement?.querySelector('h1')).toBeFalsy();
    expect(TestBed.inject(Router).url).toBe('/');
    const authorize = new URL(fakeLocation().assigned[0]!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(SMART_CONFIGURATION.authorization_endpoint);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(JSON.parse(sessionStorage.getItem(PENDING_KEY)!).returnTo).toBe('/private?tab=2');
  });

  it('shows the signed-out page when sign-in cannot start', async () => {
    const harness = await RouterTestingHarness.create();
    const navigation = harness.navigateByUrl('/private');
    (await nextRequest(http, isDiscoveryRequest, 'discovery')).flush('', { status: 502, statusText: 'Bad Gateway' });
    await navigation;
    expect(TestBed.inject(Router).url).toBe('/signed-out?reason=unavailable');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Signed out');
    expect(fakeLocation().assigned).toEqual([]);
  });
});
