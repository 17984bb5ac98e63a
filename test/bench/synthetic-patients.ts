import type { Patient } from '@medplum/fhirtypes';

/** Deterministic synthetic patients for the benchmark (no real data): names from small lists with suffixes. */
const FAMILIES = [
  'Smith',
  'Nguyen',
  'Garcia',
  'Okafor',
  'Tanaka',
  'Müller',
  'Rossi',
  'Kowalski',
  'Haddad',
  'Silva',
  'Brown',
  'Patel',
];
const GIVEN = ['Olivia', 'Noah', 'Zoë', 'Liam', 'Ava', 'Ethan', 'Maya', 'Jack', 'Aiko', 'Omar', 'Lena', 'Ravi'];

/** A tiny linear congruential generator, so every run makes the same data. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

export function syntheticPatient(i: number): Patient {
  const rnd = random(i + 1);
  const family = `${FAMILIES[i % FAMILIES.length]}${Math.floor(i / FAMILIES.length) % 1000}`;
  const year = 1930 + Math.floor(rnd() * 90);
  const month = 1 + Math.floor(rnd() * 12);
  const day = 1 + Math.floor(rnd() * 28);
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'urn:bench:mrn', value: `B${i}` }],
    active: true,
    name: [{ family, given: [GIVEN[Math.floor(rnd() * GIVEN.length)] as string] }],
    gender: rnd() < 0.5 ? 'female' : 'male',
    birthDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    telecom: [{ system: 'phone', value: `+61 4${String(i).padStart(8, '0')}` }],
  };
}

/** Three-letter search prefixes that occur in the generated families. */
export const NAME_PREFIXES = FAMILIES.map((f) => f.slice(0, 3).toLowerCase());
