import type { CareTeam, Location, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { DIRECTORY_LISTED, OWNER_SYSTEM } from '../access/access-index.ts';
import { PATIENT_CHOSEN } from '../access/grants/care-team-rule.ts';
import { ORIGIN_SYSTEM } from '../access/record-sharing.ts';
import type { Repository } from '../storage/repository.ts';

/**
 * The demo's directory profiles (issue #13): a location per practice (Harbourside's with wheelchair
 * access), each practitioner's biography, coded services, home visits and online bookings; and
 * Olivia's own list of practitioners across her two practices ("My practitioners", decision 0030).
 * Runs inside seedDemoData's transaction, after the practitioners and patients exist.
 */
const EXT = 'https://patient-portal.example.org/fhir/StructureDefinition/';
const SNOMED = 'http://snomed.info/sct';

const PROFILES: Record<
  string,
  { bio: string; service?: { code: string; display: string }; homeVisits: boolean; onlineBooking: boolean }
> = {
  amara: {
    bio: 'Family doctor with a special interest in asthma and diabetes care. Speaks Igbo.',
    service: { code: '394814009', display: 'General practice' },
    homeVisits: true,
    onlineBooking: true,
  },
  lucas: {
    bio: 'Psychologist for adults and adolescents; sessions in English or French.',
    homeVisits: false,
    onlineBooking: true,
  },
  mei: {
    bio: 'Dietitian: weight, diabetes and food intolerances.',
    service: { code: '722165004', display: 'Nutrition and dietetics' },
    homeVisits: true,
    onlineBooking: false,
  },
  sam: {
    bio: 'Physiotherapist: sports injuries and rehabilitation after surgery.',
    service: { code: '394602003', display: 'Rehabilitation' },
    homeVisits: false,
    onlineBooking: true,
  },
};

const LOCATIONS = {
  harbour: { name: 'Harbourside rooms', line: '12 Quay Street', city: 'Sydney', wheelchair: true },
  north: { name: 'Northside clinic', line: '3 Miller Street', city: 'North Sydney', wheelchair: false },
} as const;

/** Olivia's list: her GP and dietitian at Harbourside, her physiotherapist at Northside. */
const OLIVIA_CHOSEN = ['amara', 'mei', 'sam'];

/**
 * Adds the directory profiles and Olivia's list (about her Harbourside record, `oliviaId`); answers
 * how many resources it wrote. `practitionerIds`: Practitioner id by demo key.
 */
export async function seedDemoDirectory(
  tx: Repository,
  practiceIds: Record<keyof typeof LOCATIONS, string>,
  practitionerIds: Record<string, string>,
  oliviaId: string,
): Promise<number> {
  const input = { practiceIds, practitionerIds };
  let written = 0;
  const meta = (practiceId: string, listed: boolean) => ({
    tag: [{ system: OWNER_SYSTEM, code: practiceId }, ...(listed ? [{ ...DIRECTORY_LISTED }] : [])],
  });
  const locationIds: Record<string, string> = {};
  for (const [key, l] of Object.entries(LOCATIONS) as Array<[keyof typeof LOCATIONS, (typeof LOCATIONS)['harbour']]>) {
    const location = await tx.create<Location>({
      resourceType: 'Location',
      meta: meta(input.practiceIds[key], true),
      status: 'active',
      name: l.name,
      address: { line: [l.line], city: l.city, state: 'NSW', country: 'AU' },
      managingOrganization: { reference: `Organization/${input.practiceIds[key]}` },
      extension: [{ url: `${EXT}wheelchair-access`, valueBoolean: l.wheelchair }],
    });
    locationIds[key] = location.resource.id as string;
    written++;
  }
  for (const [key, profile] of Object.entries(PROFILES)) {
    const id = input.practitionerIds[key];
    if (!id) continue;
    const practitioner = await tx.read<Practitioner>('Practitioner', id);
    await tx.update<Practitioner>({
      ...practitioner,
      extension: [...(practitioner.extension ?? []), { url: `${EXT}biography`, valueString: profile.bio }],
    });
    written++;
    const roles = (
      await tx.search({
        resourceType: 'PractitionerRole',
        filters: [{ kind: 'reference', param: 'practitioner', any: [{ target: `Practitioner/${id}` }] }],
        sort: [],
        count: 10,
        total: 'none',
      })
    ).versions.flatMap((v) => (v.resource ? [v.resource as PractitionerRole] : []));
    for (const role of roles) {
      const practice = (Object.keys(input.practiceIds) as Array<keyof typeof LOCATIONS>).find(
        (k) => role.organization?.reference === `Organization/${input.practiceIds[k]}`,
      );
      const text = role.specialty?.[0]?.text;
      await tx.update<PractitionerRole>({
        ...role,
        ...(profile.service
          ? { specialty: [{ coding: [{ system: SNOMED, ...profile.service }], ...(text ? { text } : {}) }] }
          : {}),
        ...(practice ? { location: [{ reference: `Location/${locationIds[practice]}` }] } : {}),
        extension: [
          { url: `${EXT}home-visits`, valueBoolean: profile.homeVisits },
          { url: `${EXT}online-booking`, valueBoolean: profile.onlineBooking },
        ],
      });
      written++;
    }
  }
  const practiceId = practiceIds.harbour;
  await tx.create<CareTeam>({
    resourceType: 'CareTeam',
    meta: {
      tag: [
        { system: OWNER_SYSTEM, code: practiceId },
        // As if Olivia had made it in the portal (write-checks.ts marks what patients create).
        { system: ORIGIN_SYSTEM, code: 'patient' },
      ],
    },
    status: 'active',
    name: 'My practitioners',
    category: [{ coding: [{ ...PATIENT_CHOSEN, display: 'Chosen by the patient' }] }],
    subject: { reference: `Patient/${oliviaId}` },
    participant: OLIVIA_CHOSEN.filter((m) => input.practitionerIds[m]).map((m) => ({
      member: { reference: `Practitioner/${input.practitionerIds[m]}` },
    })),
  } as CareTeam & Resource);
  return written + 1;
}
