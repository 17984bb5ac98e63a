import assert from 'node:assert/strict';
import type { Location, Practitioner, PractitionerRole, Resource } from '@medplum/fhirtypes';
import { after, before, describe, it } from 'node:test';
import { DIRECTORY_LISTED, OWNER_SYSTEM } from '../server/access/access-index.ts';
import { provisionPractice } from './support/practice-client.ts';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';

/**
 * The portal's directory search (issue #13) over generated data: many practitioners with random
 * languages, services, home visits and locations (with or without wheelchair access), listed or
 * not, at two practices. For every filter the portal offers, and combinations of them, the answer
 * to an anonymous search is compared with the same filter computed here over what was generated:
 * exactly the listed practitioners matching it, and nothing unlisted, not even through `_include`
 * or `_revinclude`. The seed is in the test name, so a failure can be replayed.
 */
const SEED = Number(process.env.DIRECTORY_SEED ?? 20261203);
const EXT = 'https://patient-portal.example.org/fhir/StructureDefinition/';
const BCP47 = 'urn:ietf:bcp:47';
const SNOMED = 'http://snomed.info/sct';
const LANGUAGES = ['en', 'fr', 'de', 'vi', 'ar', 'zh'];
const SERVICES = ['394814009', '394587001', '722165004', '394537008']; // GP, psychiatry, nutrition, paediatrics
const FAMILIES = ['Nguyen', 'Martin', 'Okafor', 'Schmidt', 'Haddad', 'Li'];

interface Generated {
  practitioner: string;
  role: string;
  listed: boolean;
  family: string;
  languages: string[];
  services: string[];
  homeVisits: boolean;
  location: string;
}
interface GeneratedLocation {
  ref: string;
  listed: boolean;
  wheelchair: boolean;
  city: string;
}

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe(`directory search over generated practitioners (seed ${SEED})`, () => {
  let server: TestServer;
  const people: Generated[] = [];
  const locations: GeneratedLocation[] = [];
  const rnd = random(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rnd() < 0.35);

  before(async () => {
    server = await startTestServer();
    const practices = [server.practice.practiceId, (await provisionPractice(server.app, 'Practice Y')).practiceId];
    const save = async <T extends Resource>(resource: T, owner: string, listed: boolean) =>
      (
        await server.repo.create<T>({
          ...resource,
          meta: { tag: [{ system: OWNER_SYSTEM, code: owner }, ...(listed ? [DIRECTORY_LISTED] : [])] },
        })
      ).resource as T & { id: string };
    for (let i = 0; i < 8; i++) {
      const owner = pick(practices);
      const listed = rnd() < 0.7;
      const wheelchair = rnd() < 0.5;
      const city = pick(['Lyon', 'Hanoi', 'Berlin']);
      const location = await save<Location>(
        {
          resourceType: 'Location',
          name: `Site ${i}`,
          address: { city },
          extension: [{ url: `${EXT}wheelchair-access`, valueBoolean: wheelchair }],
        },
        owner,
        listed,
      );
      locations.push({ ref: `Location/${location.id}`, listed, wheelchair, city });
    }
    for (let i = 0; i < 40; i++) {
      const owner = pick(practices);
      const listed = rnd() < 0.6;
      const family = pick(FAMILIES);
      const languages = some(LANGUAGES);
      const services = some(SERVICES);
      const homeVisits = rnd() < 0.4;
      const location = pick(locations).ref;
      const practitioner = await save<Practitioner>(
        {
          resourceType: 'Practitioner',
          name: [{ family, given: [`P${i}`] }],
          communication: languages.map((code) => ({ coding: [{ system: BCP47, code }] })),
        },
        owner,
        listed,
      );
      const role = await save<PractitionerRole>(
        {
          resourceType: 'PractitionerRole',
          active: true,
          practitioner: { reference: `Practitioner/${practitioner.id}` },
          location: [{ reference: location }],
          specialty: services.map((code) => ({ coding: [{ system: SNOMED, code }] })),
          extension: [{ url: `${EXT}home-visits`, valueBoolean: homeVisits }],
        },
        owner,
        listed,
      );
      people.push({
        practitioner: `Practitioner/${practitioner.id}`,
        role: `PractitionerRole/${role.id}`,
        listed,
        family,
        languages,
        services,
        homeVisits,
        location,
      });
    }
  });
  after(() => server?.close());

  const search = async (query: string) => {
    const res = await fhirFetch(`${server.fhirUrl}/PractitionerRole?${query}&_count=1000`, { anonymous: true });
    assert.equal(res.status, 200, `${query}: ${JSON.stringify(res.body)}`);
    const entries: Array<{ resource: Resource; search?: { mode?: string } }> = res.body.entry ?? [];
    const of = (mode: string) =>
      entries
        .filter((e) => (e.search?.mode ?? 'match') === mode)
        .map((e) => `${e.resource.resourceType}/${e.resource.id}`)
        .sort();
    return { matches: of('match'), included: of('include') };
  };
  const locationOf = (ref: string) => locations.find((l) => l.ref === ref)!;

  /** Each filter of the portal: its query and the same filter computed over the generated data. */
  const filters: Array<{ name: string; query: string; holds: (g: Generated) => boolean }> = [
    ...LANGUAGES.map((code) => ({
      name: `language ${code}`,
      query: `practitioner.communication=${encodeURIComponent(`${BCP47}|${code}`)}`,
      holds: (g: Generated) => g.languages.includes(code),
    })),
    ...SERVICES.map((code) => ({
      name: `service ${code}`,
      query: `specialty=${encodeURIComponent(`${SNOMED}|${code}`)}`,
      holds: (g: Generated) => g.services.includes(code),
    })),
    { name: 'home visits', query: 'home-visits=true', holds: (g) => g.homeVisits },
    {
      name: 'wheelchair access',
      query: 'location.wheelchair-access=true',
      // Through the chain: only a listed location can make a role match an anonymous search.
      holds: (g) => locationOf(g.location).wheelchair && locationOf(g.location).listed,
    },
    ...['Lyon', 'Hanoi', 'Berlin'].map((city) => ({
      name: `location in ${city}`,
      query: `location.address-city=${city}`,
      holds: (g: Generated) => locationOf(g.location).city === city && locationOf(g.location).listed,
    })),
    ...FAMILIES.map((family) => ({
      name: `name ${family}`,
      query: `practitioner.name=${family}`,
      holds: (g: Generated) => g.family === family,
    })),
  ];

  it('each filter alone returns exactly the listed practitioners matching it', async () => {
    let informative = 0;
    for (const f of filters) {
      const expected = people.filter((g) => g.listed && f.holds(g)).map((g) => g.role);
      // A filter that an unlisted practitioner also matches is the one that could leak.
      if (expected.length > 0 && people.some((g) => !g.listed && f.holds(g))) informative++;
      assert.deepEqual((await search(f.query)).matches, expected.sort(), f.name);
    }
    assert.ok(informative >= filters.length / 2, `the generated data exercises the filters (${informative})`);
  });

  it('combinations of filters (AND) return exactly the listed practitioners matching all of them', async () => {
    for (let i = 0; i < 30; i++) {
      const chosen = [pick(filters), pick(filters), pick(filters)];
      const expected = people.filter((g) => g.listed && chosen.every((f) => f.holds(g))).map((g) => g.role);
      const query = chosen.map((f) => f.query).join('&');
      assert.deepEqual((await search(query)).matches, expected.sort(), chosen.map((f) => f.name).join(' + '));
    }
  });

  it('_include and _revinclude never bring an unlisted practitioner, role or location', async () => {
    const unlisted = new Set([
      ...people.filter((g) => !g.listed).flatMap((g) => [g.practitioner, g.role]),
      ...locations.filter((l) => !l.listed).map((l) => l.ref),
    ]);
    const { included } = await search('_include=PractitionerRole:practitioner&_include=PractitionerRole:location');
    assert.ok(included.length > 0, 'something is included');
    for (const ref of included) assert.ok(!unlisted.has(ref), `${ref} is unlisted`);
    const expectedPractitioners = people.filter((g) => g.listed).map((g) => g.practitioner);
    assert.deepEqual(
      included.filter((r) => r.startsWith('Practitioner/')),
      expectedPractitioners.sort(),
    );
    const res = await fhirFetch(
      `${server.fhirUrl}/Practitioner?_revinclude=PractitionerRole:practitioner&_count=1000`,
      { anonymous: true },
    );
    const refs: string[] = (res.body.entry ?? []).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);
    for (const ref of refs) assert.ok(!unlisted.has(ref), `${ref} is unlisted (revinclude)`);
    assert.deepEqual(
      refs.filter((r) => r.startsWith('PractitionerRole/')).sort(),
      people
        .filter((g) => g.listed)
        .map((g) => g.role)
        .sort(),
    );
    // Iterating from a listed location back to roles does not reach unlisted ones either.
    const back = await fhirFetch(
      `${server.fhirUrl}/Location?_revinclude=PractitionerRole:location&_include:iterate=PractitionerRole:practitioner&_count=1000`,
      { anonymous: true },
    );
    for (const e of back.body.entry ?? []) {
      const ref = `${e.resource.resourceType}/${e.resource.id}`;
      assert.ok(!unlisted.has(ref), `${ref} is unlisted (iterate)`);
    }
  });

  it('hostile search input is refused or matches nothing, and never reveals unlisted records', async () => {
    const hostile = [
      `practitioner.name=${encodeURIComponent("x' OR '1'='1")}`,
      `practitioner.communication=${encodeURIComponent('en"; DROP TABLE resources; --')}`,
      `home-visits=${encodeURIComponent('{"$ne":null}')}`,
      `location.wheelchair-access[$ne]=false`,
      `_tag=${encodeURIComponent(`${DIRECTORY_LISTED.system}|`)}`,
      `_tag:not=${encodeURIComponent(`${DIRECTORY_LISTED.system}|${DIRECTORY_LISTED.code}`)}`,
      `practitioner._tag:not=${encodeURIComponent(`${DIRECTORY_LISTED.system}|${DIRECTORY_LISTED.code}`)}`,
      `specialty=${'%'.repeat(3)}25`,
    ];
    const unlisted = new Set(people.filter((g) => !g.listed).flatMap((g) => [g.practitioner, g.role]));
    for (const query of hostile) {
      const res = await fhirFetch(
        `${server.fhirUrl}/PractitionerRole?${query}&_include=PractitionerRole:practitioner`,
        {
          anonymous: true,
        },
      );
      assert.ok([200, 400].includes(res.status), `${query}: ${res.status}`);
      for (const e of res.body.entry ?? [])
        assert.ok(!unlisted.has(`${e.resource.resourceType}/${e.resource.id}`), `${query} revealed an unlisted record`);
    }
  });
});
