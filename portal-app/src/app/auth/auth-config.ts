import { Injectable, InjectionToken, type Provider } from '@angular/core';

/**
 * What this app is to the authorization server. The client is registered by the server at start-up
 * (server/auth/smart/first-party-apps.ts): public (no secret), PKCE S256, exact redirect URI
 * `<app base>/signed-in`, post-logout redirect URI `<app base>`.
 */
export interface AuthConfig {
  clientId: string;
  scope: string;
}

/** The scope the server lets the first-party apps ask for (and grants without a consent page). */
export const FIRST_PARTY_SCOPE = 'openid fhirUser offline_access user/*.cruds';

export const AUTH_CONFIG = new InjectionToken<AuthConfig>('AUTH_CONFIG');

export function provideAuth(config: { clientId: string; scope?: string }): Provider[] {
  return [{ provide: AUTH_CONFIG, useValue: { clientId: config.clientId, scope: config.scope ?? FIRST_PARTY_SCOPE } satisfies AuthConfig }];
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

  /** The app's own base URL from `<base href>`, e.g. `https://portal.example/portal/`. */
  appBase(): string {
    return new URL('./', document.baseURI).href;
  }

  /** Leaves the app for `url` (a full page load: everything in memory is gone afterwards). */
  assign(url: string): void {
    window.location.assign(url);
  }
}
