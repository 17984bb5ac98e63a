import {
  BCP47_SYSTEM,
  BIOGRAPHY_URL,
  codesOf,
  type Coding,
  flagOf,
  HOME_VISITS_URL,
  languageConcept,
  type Location,
  ONLINE_BOOKING_URL,
  type Practitioner,
  type PractitionerRole,
  type Resource,
  serviceConcept,
  SNOMED_SYSTEM,
  WHEELCHAIR_ACCESS_URL,
  withExtension,
} from '@web-shared/fhir';

/** The public directory's mark (server/access/access-index.ts DIRECTORY_LISTED). */
export const DIRECTORY_LISTED: Coding = {
  system: 'https://patient-portal.example.org/fhir/CodeSystem/directory',
  code: 'listed',
};

/** The directory profile as the form edits it. */
export interface ProfileForm {
  listed: boolean;
  languages: string[];
  biography: string;
  roles: Array<{ id: string; organization: string; services: string[]; homeVisits: boolean; onlineBooking: boolean }>;
  locations: Array<{ id: string; name: string; wheelchairAccess: boolean }>;
}

/** The records the profile is kept in. */
export interface ProfileRecords {
  practitioner: Practitioner & { id: string };
  roles: Array<PractitionerRole & { id: string }>;
  locations: Array<Location & { id: string }>;
}

export function isListed(resource: Resource): boolean {
  return (resource.meta?.tag ?? []).some(
    (t) => t.system === DIRECTORY_LISTED.system && t.code === DIRECTORY_LISTED.code,
  );
}

export function formOf(records: ProfileRecords): ProfileForm {
  const { practitioner, roles, locations } = records;
  return {
    listed: isListed(practitioner),
    languages: codesOf(practitioner.communication, BCP47_SYSTEM),
    biography: practitioner.extension?.find((e) => e.url === BIOGRAPHY_URL)?.valueString ?? '',
    roles: roles.map((r) => ({
      id: r.id,
      organization: r.organization?.display ?? 'Practice',
      services: codesOf(r.specialty, SNOMED_SYSTEM),
      homeVisits: flagOf(r.extension, HOME_VISITS_URL) === true,
      onlineBooking: flagOf(r.extension, ONLINE_BOOKING_URL) === true,
    })),
    locations: locations.map((l) => ({
      id: l.id,
      name: l.name ?? 'Location',
      wheelchairAccess: flagOf(l.extension, WHEELCHAIR_ACCESS_URL) === true,
    })),
  };
}

/**
 * The records with the form applied. Listing marks the practitioner and their roles (and their
 * locations, so that a search on wheelchair access can reach them); unlisting unmarks the
 * practitioner and the roles only: a location is shared with colleagues who may still be listed.
 * Specialties of other code systems are kept as they are.
 */
export function recordsOf(form: ProfileForm, records: ProfileRecords): ProfileRecords {
  // A record whose part of the form is unchanged is kept exactly (nothing to save for it).
  const was = formOf(records);
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const listingSame = was.listed === form.listed;
  const bio = form.biography.trim();
  const practitionerSame = listingSame && same(was.languages, form.languages) && was.biography.trim() === bio;
  const practitioner = practitionerSame
    ? records.practitioner
    : withListed(
        {
          ...records.practitioner,
          communication: [
            ...(records.practitioner.communication ?? []).filter(
              (c) => !c.coding?.some((x) => x.system === BCP47_SYSTEM),
            ),
            ...form.languages.map(languageConcept),
          ],
          extension: withExtension(
            records.practitioner.extension,
            BIOGRAPHY_URL,
            bio ? { url: BIOGRAPHY_URL, valueString: bio } : undefined,
          ),
        },
        form.listed,
      );
  const roles = records.roles.map((role) => {
    const edit = form.roles.find((r) => r.id === role.id);
    if (
      !edit ||
      (listingSame &&
        same(
          edit,
          was.roles.find((r) => r.id === role.id),
        ))
    )
      return role;
    let extension = withExtension(role.extension, HOME_VISITS_URL, {
      url: HOME_VISITS_URL,
      valueBoolean: edit.homeVisits,
    });
    extension = withExtension(extension, ONLINE_BOOKING_URL, {
      url: ONLINE_BOOKING_URL,
      valueBoolean: edit.onlineBooking,
    });
    return withListed(
      {
        ...role,
        specialty: [
          ...(role.specialty ?? []).filter((c) => !c.coding?.some((x) => x.system === SNOMED_SYSTEM)),
          ...edit.services.map(serviceConcept),
        ],
        extension,
      },
      form.listed,
    );
  });
  const locations = records.locations.map((location) => {
    const edit = form.locations.find((l) => l.id === location.id);
    const unchanged = same(
      edit,
      was.locations.find((l) => l.id === location.id),
    );
    if (!edit || (unchanged && (!form.listed || isListed(location)))) return location;
    const changed = {
      ...location,
      extension: withExtension(location.extension, WHEELCHAIR_ACCESS_URL, {
        url: WHEELCHAIR_ACCESS_URL,
        valueBoolean: edit.wheelchairAccess,
      }),
    };
    return form.listed ? withListed(changed, true) : changed;
  });
  return { practitioner, roles, locations };
}

function withListed<T extends Resource>(resource: T, listed: boolean): T {
  const others = (resource.meta?.tag ?? []).filter(
    (t) => !(t.system === DIRECTORY_LISTED.system && t.code === DIRECTORY_LISTED.code),
  );
  return { ...resource, meta: { ...resource.meta, tag: listed ? [...others, { ...DIRECTORY_LISTED }] : others } };
}
