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
 * The public client the server registers for the console (server/auth/smart/first-party-apps.ts). The
 * console's own API (`/api/…`: EHR launch, the practice's apps and clients) gets the token too.
 * Exported for the specs, which sign in the way the app does.
 */
export const AUTH_OPTIONS: AuthOptions = {
  clientId: 'practitioner-console',
  productName: 'Practice Console',
  apiBases: ['/api'],
};

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    // No zone.js: signals tell Angular what to re-render (and the bundle is smaller).
    provideZonelessChangeDetection(),
    // Route parameters arrive as component inputs (PatientForm's `id`).
    provideRouter(routes, withComponentInputBinding()),
    // The bearer token goes on this origin's /fhir/R4 and /api/ requests (and only those); see web-shared/auth/auth.interceptor.ts.
    provideHttpClient(withInterceptors([authInterceptor])),
    provideAuth(AUTH_OPTIONS),
  ],
};
