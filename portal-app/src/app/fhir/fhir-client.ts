import { HttpClient, HttpHeaders, HttpParams } from '@angular/common/http';
import { inject, Injectable } from '@angular/core';
import type { Observable } from 'rxjs';
import type { Bundle, Resource } from './fhir-types';

/** Same origin as the app: the server serves /portal/ and /fhir/R4 together, so no CORS and no config. */
export const FHIR_BASE = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json';

/** Search parameters as FHIR names them; a value of undefined or '' leaves the parameter out. */
export type SearchParams = Record<string, string | number | undefined>;

/**
 * The portal's door to the FHIR R4 API. The portal only reads public data so far, hence search only.
 * Errors come through as HttpErrorResponse carrying an OperationOutcome, for errorMessages().
 */
@Injectable({ providedIn: 'root' })
export class FhirClient {
  private readonly http = inject(HttpClient);
  // The server sends no Cache-Control; without this a browser may show a directory from its cache.
  private readonly headers = new HttpHeaders({ Accept: FHIR_JSON, 'Cache-Control': 'no-cache' });

  search<T extends Resource>(type: T['resourceType'], params: SearchParams): Observable<Bundle<T>> {
    let query = new HttpParams();
    for (const [name, value] of Object.entries(params)) {
      if (value !== undefined && value !== '') query = query.set(name, String(value));
    }
    return this.http.get<Bundle<T>>(`${FHIR_BASE}/${type}`, { headers: this.headers, params: query });
  }
}

/** The resources of a search Bundle, skipping entries of other types (e.g. an OperationOutcome of warnings). */
export function resourcesOf<T extends Resource>(bundle: Bundle<T>, type: T['resourceType']): T[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => r?.resourceType === type);
}
