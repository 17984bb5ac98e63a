import { HttpClient, HttpHeaders } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { Observable } from 'rxjs';

/** The server's console API on this origin (the auth interceptor adds the bearer token to it). */
export const APP_API = '/api';

/** An app a practitioner of the practice can launch from the console. */
export interface LaunchableApp {
  clientId: string;
  name: string;
  launchUri: string;
}

/** `POST /api/ehr-launch` body: the patient (and encounter) in view. */
export interface EhrLaunchRequest {
  patient: string;
  encounter?: string;
}

/** The launch context the server stored: the opaque `launch` value and the FHIR base URL (`iss`). */
export interface EhrLaunch {
  launch: string;
  iss: string;
}

export type ClientKind = 'public' | 'confidential-symmetric' | 'confidential-asymmetric' | 'backend';

/** A client (app) registered for a practice, as the server lists it (never with a secret). */
export interface RegisteredClient {
  clientId: string;
  name: string;
  kind: ClientKind;
  redirectUris: string[];
  scope: string;
  launchUri?: string;
  jwksUri?: string;
  /** A backend service registered to manage the practice's memberships and access grants. */
  managesAccess?: boolean;
}

/** A JSON Web Key Set (RFC 7517 §5): public keys only. */
export interface Jwks {
  keys: object[];
}

/** `POST /api/practices/{practiceId}/clients` body. */
export interface ClientRegistration {
  name: string;
  kind: ClientKind;
  redirectUris?: string[];
  launchUri?: string;
  scope: string;
  jwksUri?: string;
  jwks?: Jwks;
  /**
   * Backend services only (the server answers 400 for other kinds): may create, change and end the
   * practice's memberships and access grants like an administrator. Sent only as `true`.
   */
  managesAccess?: boolean;
}

/** The answer to a registration: the secret (confidential-symmetric only) is sent this once. */
export interface ClientCredentials {
  clientId: string;
  clientSecret?: string;
}

const JSON_HEADERS = new HttpHeaders({ Accept: 'application/json', 'Cache-Control': 'no-cache' });

/**
 * The server's `/api/` endpoints for apps: the apps a practice's practitioners can launch, EHR launch
 * contexts, and (practice admins only, 403 otherwise) the practice's client registrations. Errors come
 * back as HttpErrorResponse with an OperationOutcome body, for errorMessages().
 */
@Injectable({ providedIn: 'root' })
export class PracticeAppsApi {
  private readonly http = inject(HttpClient);

  /** `GET /api/practices/{practiceId}/apps`. */
  launchableApps(practiceId: string): Observable<LaunchableApp[]> {
    return this.http.get<LaunchableApp[]>(`${practiceUrl(practiceId)}/apps`, { headers: JSON_HEADERS });
  }

  /** `POST /api/ehr-launch` → 201 `{ launch, iss }`. */
  createLaunch(request: EhrLaunchRequest): Observable<EhrLaunch> {
    return this.http.post<EhrLaunch>(`${APP_API}/ehr-launch`, request, { headers: JSON_HEADERS });
  }

  /** `GET /api/practices/{practiceId}/clients`. */
  clients(practiceId: string): Observable<RegisteredClient[]> {
    return this.http.get<RegisteredClient[]>(`${practiceUrl(practiceId)}/clients`, { headers: JSON_HEADERS });
  }

  /** `POST /api/practices/{practiceId}/clients` → 201 `{ clientId, clientSecret? }`. */
  registerClient(practiceId: string, registration: ClientRegistration): Observable<ClientCredentials> {
    return this.http.post<ClientCredentials>(`${practiceUrl(practiceId)}/clients`, registration, {
      headers: JSON_HEADERS,
    });
  }

  /** `DELETE /api/practices/{practiceId}/clients/{clientId}` → 204. */
  deleteClient(practiceId: string, clientId: string): Observable<unknown> {
    return this.http.delete(`${practiceUrl(practiceId)}/clients/${encodeURIComponent(clientId)}`, {
      headers: JSON_HEADERS,
    });
  }
}

function practiceUrl(practiceId: string): string {
  return `${APP_API}/practices/${encodeURIComponent(practiceId)}`;
}

/**
 * The app's launch URL (SMART App Launch, EHR launch): `launchUri?iss=…&launch=…`, each value
 * encoded with encodeURIComponent. A launch URI that already has a query gets the two parameters
 * appended with `&`; a fragment stays at the end. Anything but an absolute http(s) URL is refused
 * (a `javascript:` launch URI opened from the console would run script in its origin).
 */
export function launchUrl(launchUri: string, launch: EhrLaunch): string {
  if (!isWebUrl(launchUri)) throw new Error(`The app’s launch URL is not an http(s) address: ${launchUri}`);
  const hashAt = launchUri.indexOf('#');
  const base = hashAt < 0 ? launchUri : launchUri.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : launchUri.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}iss=${encodeURIComponent(launch.iss)}&launch=${encodeURIComponent(launch.launch)}${hash}`;
}

function isWebUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Opens URLs outside the console; specs replace it to see what would open. */
@Injectable({ providedIn: 'root' })
export class AppWindow {
  /**
   * Opens `url` in a new tab or window that cannot reach back to the console (`noopener`: no
   * `window.opener`) and is not told which console page it came from (`noreferrer`).
   */
  openInNewTab(url: string): void {
    window.open(url, '_blank', 'noopener,noreferrer');
  }
}
