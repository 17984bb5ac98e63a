import { inject, Injectable } from '@angular/core';
import { forkJoin, map, type Observable } from 'rxjs';
import { FhirClient, type Practitioner, type PractitionerRole, resourcesOf } from '@web-shared/fhir';
import { buildDirectory, type DirectoryEntry } from './directory';

/** A practice has a handful of practitioners; one page of each covers it (no paging UI needed yet). */
export const DIRECTORY_PAGE_SIZE = 100;

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
}
