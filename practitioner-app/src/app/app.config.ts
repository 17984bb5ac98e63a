import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { type ApplicationConfig, provideBrowserGlobalErrorListeners, provideZonelessChangeDetection } from '@angular/core';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { provideAuth } from './auth/auth-config';
import { authInterceptor } from './auth/auth.interceptor';
import { routes } from './app.routes';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    // No zone.js: signals tell Angular what to re-render (and the bundle is smaller).
    provideZonelessChangeDetection(),
    // Route parameters arrive as component inputs (PatientForm's `id`).
    provideRouter(routes, withComponentInputBinding()),
    // The bearer token goes on this origin's /fhir/R4 and /api/ requests (and only those); see auth/auth.interceptor.ts.
    provideHttpClient(withInterceptors([authInterceptor])),
    // The public client the server registers for the console (server/auth/smart/first-party-apps.ts).
    provideAuth({ clientId: 'practitioner-console' }),
  ],
};
