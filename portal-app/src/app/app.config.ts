import { provideHttpClient, withInterceptors } from '@angular/common/http';
import {
  type ApplicationConfig,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { type AuthOptions, authInterceptor, provideAuth } from '@web-shared/auth';
import { routes } from './app.routes';

/**
 * The public client the server registers for the portal (server/auth/smart/first-party-apps.ts); only
 * the FHIR API gets the token. Exported for the specs, which sign in the way the app does.
 */
export const AUTH_OPTIONS: AuthOptions = { clientId: 'patient-portal', productName: 'Patient Portal' };

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    // No zone.js: signals tell Angular what to re-render (and the bundle is smaller).
    provideZonelessChangeDetection(),
    // Route parameters bind to page inputs (the practitioner profile's :id).
    provideRouter(routes, withComponentInputBinding()),
    // The bearer token goes on FHIR API requests (and only those); see web-shared/auth/auth.interceptor.ts.
    provideHttpClient(withInterceptors([authInterceptor])),
    provideAuth(AUTH_OPTIONS),
  ],
};
