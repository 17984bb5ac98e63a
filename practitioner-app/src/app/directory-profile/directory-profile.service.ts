import { inject, Injectable } from '@angular/core';
import { forkJoin, map, type Observable, of } from 'rxjs';
import {
  FhirClient,
  type Location,
  type Practitioner,
  type PractitionerRole,
  type Resource,
  resourcesOf,
} from '@web-shared/fhir';
import type { ProfileRecords } from './directory-profile-model';

/**
 * Reads and saves a practitioner's directory profile: their Practitioner, their roles, and the
 * roles' locations. Saving PUTs each record with If-Match, so a change saved meanwhile by someone
 * else is refused (412) instead of overwritten. The server decides who may (the practitioner
 * themselves or an administrator of their practice: server/access/grants/directory-profile-rule.ts).
 */
@Injectable({ providedIn: 'root' })
export class DirectoryProfileService {
  private readonly fhir = inject(FhirClient);

  load(practitionerId: string): Observable<ProfileRecords> {
    return forkJoin({
      practitioner: this.fhir.read<Practitioner>('Practitioner', practitionerId),
      roles: this.fhir.search<PractitionerRole | Location>('PractitionerRole', {
        practitioner: `Practitioner/${practitionerId}`,
        _include: 'PractitionerRole:location',
        _count: 50,
      }),
    }).pipe(
      map(({ practitioner, roles }) => ({
        practitioner: practitioner as Practitioner & { id: string },
        roles: (resourcesOf(roles, 'PractitionerRole') as PractitionerRole[]).filter(
          (r): r is PractitionerRole & { id: string } => !!r.id && r.active !== false,
        ),
        locations: (resourcesOf(roles, 'Location') as Location[]).filter((l): l is Location & { id: string } => !!l.id),
      })),
    );
  }

  /** Saves the records that changed; answers the records as stored. */
  save(before: ProfileRecords, after: ProfileRecords): Observable<ProfileRecords> {
    const put = <T extends Resource & { id: string }>(old: T, next: T): Observable<T> =>
      JSON.stringify(old) === JSON.stringify(next) ? of(old) : (this.fhir.update(next) as Observable<T>);
    return forkJoin({
      practitioner: put(before.practitioner, after.practitioner),
      roles: forkJoinOrEmpty(after.roles.map((r, i) => put(before.roles[i]!, r))),
      locations: forkJoinOrEmpty(after.locations.map((l, i) => put(before.locations[i]!, l))),
    });
  }
}

function forkJoinOrEmpty<T>(items: Array<Observable<T>>): Observable<T[]> {
  return items.length === 0 ? of([]) : forkJoin(items);
}
