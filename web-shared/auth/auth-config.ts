import { Injectable, InjectionToken, type Provider } from '@angular/core';

/**
 * What an app tells the shared sign-in code about itself, through `provideAuth(…)` in its
 * `app.config.ts`. The client is registered by the server at start-up
 * (server/auth/smart/first-party-apps.ts): public (no secret), PKCE S256, exact redirect URI
 * `<app base>/signed-in`, post-logout redirect URI `<app base>`.
 */
export interface AuthOptions {
  /** The app's OAuth client id, e.g. `practitioner-console`. */
  clientId: string;
  /** The app's name as users see it (page titles, "You are signed out of the …"). */
  productName: string;
  /** Defaults to FIRST_PARTY_SCOPE. */
  scope?: string;
  /**
   * Same-origin path prefixes that, besides the FHIR API (`/fhir/R4`), get the access token, e.g.
   * `['/api']` for the console's API: `/api/…` then carries it, `/api` itself and `/apix/…` do not.
   * Each starts with `/` and does not end with one. None by default.
   */
  apiBases?: readonly string[];
}

/** AuthOptions with the defaults filled in, as the sign-in code reads them. */
export interface AuthConfig {
  clientId: string;
  productName: string;
  scope: string;
  apiBases: readonly string[];
}

/** The scope the server lets the first-party apps ask for (and grants without a consent page). */
export const FIRST_PARTY_SCOPE = 'openid fhirUser profile online_access user/*.cruds';

export const AUTH_CONFIG = new InjectionToken<AuthConfig>('AUTH_CONFIG');

export function provideAuth(options: AuthOptions): Provider[] {
  for (const base of options.apiBases ?? []) {
    if (!base.startsWith('/') || base.endsWith('/'))
      throw new Error(`An API base starts with "/" and does not end with one: "${base}"`);
  }
  const config: AuthConfig = {
    clientId: options.clientId,
    productName: options.productName,
    scope: options.scope ?? FIRST_PARTY_SCOPE,
    apiBases: [...(options.apiBases ?? [])],
  };
  return [{ provide: AUTH_CONFIG, useValue: config }];
}

/**
 * The page's address and the way out of it. Sign-in and sign-out leave the app (full-page
 * navigations to the server); specs replace this class to watch where the app would go.
 */
@Injectable({ providedIn: 'root' })
export class BrowserLocation {
  /** This page's origin, e.g. `https://portal.example`. */
  origin(): string {
    return window.location.origin;
  }

  /** The app's own base URL from `<base href>`, e.g. `https://portal.example/console/`. */
  appBase(): string {
    return new URL('./', document.baseURI).href;
  }

  /** Leaves the app for `url` (a full page load: everything in memory is gone afterwards). */
  assign(url: string): void {
    window.location.assign(url);
  }
}
