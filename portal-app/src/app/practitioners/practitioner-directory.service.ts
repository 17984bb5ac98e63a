import { inject, Injectable } from '@angular/core';
import { forkJoin, map, type Observable } from 'rxjs';
import {
  BCP47_SYSTEM,
  FhirClient,
  type Practitioner,
  type PractitionerRole,
  resourcesOf,
  type SearchParams,
  SNOMED_SYSTEM,
} from '@web-shared/fhir';
import { buildDirectory, type DirectoryEntry } from './directory';

/** A practice has a handful of practitioners; one page of each covers it (no paging UI needed yet). */
export const DIRECTORY_PAGE_SIZE = 100;

/** The directory's filters; each empty one is left out of the search. */
export interface DirectoryFilters {
  /** A BCP-47 code. */
  language?: string;
  /** A SNOMED CT specialty code. */
  service?: string;
  homeVisits?: boolean;
  wheelchairAccess?: boolean;
  /** A city (the location's address). */
  city?: string;
}

export function hasFilters(f: DirectoryFilters): boolean {
  return !!(f.language || f.service || f.homeVisits || f.wheelchairAccess || f.city?.trim());
}

/**
 * The filters as the server's search parameters on PractitionerRole: R4's `specialty` and chains to
 * `practitioner.communication` and `location.address-city`, and our SearchParameters `home-visits`
 * and `location.wheelchair-access` (fhir-profiles/search-parameters/). The server answers only
 * listed practitioners (and, for a signed-in patient, those of their practices).
 */
export function filterParams(f: DirectoryFilters): SearchParams {
  return {
    'practitioner.communication': f.language ? `${BCP47_SYSTEM}|${f.language}` : undefined,
    specialty: f.service ? `${SNOMED_SYSTEM}|${f.service}` : undefined,
    'home-visits': f.homeVisits ? 'true' : undefined,
    'location.wheelchair-access': f.wheelchairAccess ? 'true' : undefined,
    'location.address-city': f.city?.trim() || undefined,
  };
}

/** Loads the public practitioner directory: both searches in parallel, joined in the browser. */
@Injectable({ providedIn: 'root' })
export class PractitionerDirectoryService {
  private readonly fhir = inject(FhirClient);

  load(): Observable<DirectoryEntry[]> {
    return forkJoin({
      roles: this.fhir.search<PractitionerRole>('PractitionerRole', { _count: DIRECTORY_PAGE_SIZE }),
      practitioners: this.fhir.search<Practitioner>('Practitioner', { _count: DIRECTORY_PAGE_SIZE }),
    }).pipe(
      map(({ roles, practitioners }) =>
        buildDirectory(resourcesOf(practitioners, 'Practitioner'), resourcesOf(roles, 'PractitionerRole')),
      ),
    );
  }

  /** The practitioners whose roles match every filter: one search, the practitioners included. */
  search(filters: DirectoryFilters): Observable<DirectoryEntry[]> {
    return this.fhir
      .search<PractitionerRole | Practitioner>('PractitionerRole', {
        ...filterParams(filters),
        _include: 'PractitionerRole:practitioner',
        _count: DIRECTORY_PAGE_SIZE,
      })
      .pipe(
        map((bundle) =>
          buildDirectory(
            resourcesOf(bundle, 'Practitioner') as Practitioner[],
            resourcesOf(bundle, 'PractitionerRole') as PractitionerRole[],
          ),
        ),
      );
  }
}
