import { inject, Injectable } from '@angular/core';
import { forkJoin, map, type Observable } from 'rxjs';
import {
  BCP47_SYSTEM,
  BIOGRAPHY_URL,
  codesOf,
  FhirClient,
  flagOf,
  HOME_VISITS_URL,
  languageName,
  type Location,
  ONLINE_BOOKING_URL,
  type Practitioner,
  type PractitionerRole,
  resourcesOf,
  WHEELCHAIR_ACCESS_URL,
} from '@web-shared/fhir';
import { conceptTexts, formatName } from '../directory';

/** A practitioner's public profile, as the profile page shows it. */
export interface PractitionerProfile {
  id: string;
  name: string;
  biography?: string;
  languages: string[];
  roles: ProfileRole[];
}

export interface ProfileRole {
  services: string[];
  organization?: string;
  homeVisits: boolean;
  onlineBooking: boolean;
  locations: Array<{ name: string; address?: string; wheelchairAccess: boolean }>;
}

/** Loads one practitioner's profile: their record, and their roles with the roles' locations. */
@Injectable({ providedIn: 'root' })
export class PractitionerProfileService {
  private readonly fhir = inject(FhirClient);

  load(id: string): Observable<PractitionerProfile> {
    return forkJoin({
      practitioner: this.fhir.read<Practitioner>('Practitioner', id),
      roles: this.fhir.search<PractitionerRole | Location>('PractitionerRole', {
        practitioner: `Practitioner/${id}`,
        _include: 'PractitionerRole:location',
        _count: 50,
      }),
    }).pipe(
      map(({ practitioner, roles }) =>
        buildProfile(
          practitioner,
          resourcesOf(roles, 'PractitionerRole') as PractitionerRole[],
          resourcesOf(roles, 'Location') as Location[],
        ),
      ),
    );
  }
}

export function buildProfile(
  practitioner: Practitioner,
  roles: PractitionerRole[],
  locations: Location[],
): PractitionerProfile {
  const byRef = new Map(locations.map((l) => [`Location/${l.id}`, l]));
  const name = practitioner.name?.find((n) => n.use === 'official') ?? practitioner.name?.[0];
  const biography = practitioner.extension?.find((e) => e.url === BIOGRAPHY_URL)?.valueString?.trim();
  return {
    id: practitioner.id ?? '',
    name: formatName(name),
    ...(biography ? { biography } : {}),
    languages: codesOf(practitioner.communication, BCP47_SYSTEM).map((code) => languageName(code)),
    roles: roles
      .filter((r) => r.active !== false)
      .map((role) => ({
        services: conceptTexts(role.specialty),
        ...(role.organization?.display ? { organization: role.organization.display } : {}),
        homeVisits: flagOf(role.extension, HOME_VISITS_URL) === true,
        onlineBooking: flagOf(role.extension, ONLINE_BOOKING_URL) === true,
        // A location the caller may not see (unlisted) is simply not included by the server.
        locations: (role.location ?? []).flatMap((ref) => {
          const location = ref.reference ? byRef.get(ref.reference) : undefined;
          if (!location) return [];
          const address = [...(location.address?.line ?? []), location.address?.city].filter(Boolean).join(', ');
          return [
            {
              name: location.name ?? 'Location',
              ...(address ? { address } : {}),
              wheelchairAccess: flagOf(location.extension, WHEELCHAIR_ACCESS_URL) === true,
            },
          ];
        }),
      })),
  };
}
