import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import type { EnvironmentProviders, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';

/**
 * The set-up of a spec whose code talks HTTP: TestBed with HttpClient on the testing backend (no
 * interceptors: for the app's sign-in and bearer token see provideAuthHttpTesting in
 * `@web-shared/auth/testing`) plus `providers`; returns the controller that answers the requests.
 * The spec still says `afterEach(() => http.verify())` itself, where a reader looks for it.
 */
export function configureHttpTesting(providers: (Provider | EnvironmentProviders)[] = []): HttpTestingController {
  TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), ...providers] });
  return TestBed.inject(HttpTestingController);
}
