import { HttpClient, HttpHeaders, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { Observable } from 'rxjs';
import type { Bundle, Resource } from './fhir-types';

/** Same origin as the apps: the server serves /console/, /portal/ and /fhir/R4 together, so no CORS and no config. */
export const FHIR_BASE = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json';

/** Search parameters as FHIR names them; a value of undefined or '' leaves the parameter out. */
export type SearchParams = Record<string, string | number | undefined>;

/**
 * The apps' only door to the FHIR R4 API. It speaks FHIR JSON and leaves errors as they come
 * (HttpErrorResponse carrying an OperationOutcome) for errorMessages() to explain to the user.
 */
@Injectable({ providedIn: 'root' })
export class FhirClient {
  private readonly http = inject(HttpClient);
  // The server sends Last-Modified without Cache-Control, which lets the browser reuse a read from its
  // cache: a form would then edit (and If-Match) a stale version after "Reload", a list show stale
  // search results. Always revalidate.
  private readonly readHeaders = new HttpHeaders({ Accept: FHIR_JSON, 'Cache-Control': 'no-cache' });
  private readonly writeHeaders = new HttpHeaders({ Accept: FHIR_JSON, 'Content-Type': FHIR_JSON });

  search<T extends Resource>(type: T['resourceType'], params: SearchParams): Observable<Bundle<T>> {
    let query = new HttpParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') query = query.set(name, String(value));
    }
    return this.http.get<Bundle<T>>(`${FHIR_BASE}/${type}`, { headers: this.readHeaders, params: query });
  }

  /** Follows a Bundle link (e.g. relation "next") exactly as the server wrote it, minus the origin. */
  page<T extends Resource>(linkUrl: string): Observable<Bundle<T>> {
    return this.http.get<Bundle<T>>(sameOriginPath(linkUrl), { headers: this.readHeaders });
  }

  read<T extends Resource>(type: T['resourceType'], id: string): Observable<T> {
    return this.http.get<T>(`${FHIR_BASE}/${type}/${encodeURIComponent(id)}`, { headers: this.readHeaders });
  }

  create<T extends Resource>(resource: T): Observable<T> {
    return this.http.post<T>(`${FHIR_BASE}/${resource.resourceType}`, resource, { headers: this.writeHeaders });
  }

  /**
   * PUTs the whole resource. With a versionId it is a conditional update (If-Match), so the server
   * refuses with 412 instead of silently overwriting a change someone else saved meanwhile.
   */
  update<T extends Resource>(resource: T & { id: string }): Observable<T> {
    const versionId = resource.meta?.versionId;
    const headers = versionId ? this.writeHeaders.set('If-Match', `W/"${versionId}"`) : this.writeHeaders;
    return this.http.put<T>(`${FHIR_BASE}/${resource.resourceType}/${encodeURIComponent(resource.id)}`, resource, {
      headers,
    });
  }
}

/**
 * Bundle links are absolute (the server's BASE_URL) or relative to the FHIR base. Requesting only the
 * path and query keeps every request on this page's origin, whatever host name the server believes it has.
 */
export function sameOriginPath(linkUrl: string): string {
  const url = new URL(linkUrl, `https://fhir.invalid${FHIR_BASE}/`);
  return url.pathname + url.search;
}

/** The resources of a search Bundle, skipping entries of other types (e.g. an OperationOutcome of warnings). */
export function resourcesOf<T extends Resource>(bundle: Bundle<T>, type: T['resourceType']): T[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);
}

/** The Bundle's `next` link (another page of the same search), as the server wrote it. */
export function nextLink(bundle: Bundle): string | undefined {
  return bundle.link?.find((l) => l.relation === 'next')?.url;
}

/** One page of a search: its resources of `type`, and the link to the next page when there is one. */
export interface Page<T extends Resource> {
  items: T[];
  next?: string;
}

export function pageOf<T extends Resource>(bundle: Bundle<T>, type: T['resourceType']): Page<T> {
  const next = nextLink(bundle);
  return next ? { items: resourcesOf(bundle, type), next } : { items: resourcesOf(bundle, type) };
}
