import type { HttpTestingController } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter, Router } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { configureHttpTesting } from '../../testing';
import {
  fakeLocation,
  flushDiscovery,
  formFields,
  isTokenRequest,
  nextRequest,
  provideAuthTesting,
  tokenResponse,
  until,
} from '../testing';
import { AuthService } from '../auth.service';
import { SignedIn } from './signed-in';

@Component({ template: '<h1>Patient</h1>' })
class PatientPage {}

describe('SignedIn (redirect URI page)', () => {
  let http: HttpTestingController;
  let auth: AuthService;

  beforeEach(() => {
    sessionStorage.clear();
    http = configureHttpTesting([
      provideAuthTesting(),
      provideRouter([
        { path: 'signed-in', component: SignedIn },
        { path: 'patients/:id', component: PatientPage },
      ]),
    ]);
    auth = TestBed.inject(AuthService);
  });

  afterEach(() => {
    http.verify();
    sessionStorage.clear();
  });

  /** Starts sign-in from /patients/7 and returns the state the server would send back. */
  async function startedSignIn(): Promise<string> {
    const started = auth.signIn('/patients/7');
    await flushDiscovery(http);
    await started;
    return new URL(fakeLocation().assigned[0]!).searchParams.get('state')!;
  }

  const heading = (harness: RouterTestingHarness) => harness.routeNativeElement?.querySelector('h1')?.textContent;

  it('exchanges the code, then opens the page sign-in started from', async () => {
    const state = await startedSignIn();
    const harness = await RouterTestingHarness.create(`/signed-in?code=abc&state=${encodeURIComponent(state)}`);
    expect(heading(harness)).toBe('Signing in…');
    const req = await nextRequest(http, isTokenRequest, 'the code exchange');
    expect(formFields(req)['code']).toBe('abc');
    req.flush(tokenResponse());
    await until(() => TestBed.inject(Router).url === '/patients/7', 'the return to /patients/7');
    harness.detectChanges();
    expect(heading(harness)).toBe('Patient');
    expect(auth.fhirUser()).toBe('Practitioner/p1');
  });

  it('refuses a mismatched state with an explanation and a way to sign in again', async () => {
    await startedSignIn();
    const harness = await RouterTestingHarness.create('/signed-in?code=abc&state=someone-elses');
    await until(() => !!harness.routeNativeElement?.querySelector('[role=alert]'), 'the error');
    harness.detectChanges();
    expect(heading(harness)).toBe('Sign-in failed');
    expect(harness.routeNativeElement?.querySelector('[role=alert]')?.textContent).toContain('state mismatch');
    http.expectNone(isTokenRequest);
    expect(auth.signedIn()).toBeFalse();

    (harness.routeNativeElement?.querySelector('button') as HTMLButtonElement).click();
    await until(() => fakeLocation().assigned.length === 2, 'a new sign-in');
  });

  it('shows the server’s error answer', async () => {
    const state = await startedSignIn();
    const harness = await RouterTestingHarness.create(
      `/signed-in?error=access_denied&state=${encodeURIComponent(state)}`,
    );
    await until(() => {
      harness.detectChanges();
      return !!harness.routeNativeElement?.querySelector('[role=alert]');
    }, 'the error');
    expect(harness.routeNativeElement?.querySelector('[role=alert]')?.textContent).toContain(
      'Sign-in was cancelled or refused.',
    );
    http.expectNone(isTokenRequest);
  });
});
