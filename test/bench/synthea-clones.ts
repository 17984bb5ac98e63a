import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Appointment, Bundle, BundleEntry, Invoice, Resource } from '@medplum/fhirtypes';
import { SHARED_DATA, sharedDataMissing, syntheaBundles } from '../support/shared-data.ts';

/**
 * Synthetic patients for the benchmark, made by cloning and re-identifying the real Synthea records
 * in ../shared/data/synthea-r4-bundles (never copied into the project, read at run time).
 *
 * Patient i clones one of the 7 source records (chosen by a seeded random draw) and keeps a bounded
 * subset of it (KEEP below, ~32 resources): the Patient, its most recent vital-signs and other
 * Observations, its most recent Conditions and the (at most 3) most recent Encounters those point
 * at. Every clone gets new ids, a new name (surnames drawn so that `name=smi` matches about as
 * many patients as "Smith" does in the US: ~0.8%), new identifiers, phone and street, and all its
 * dates shifted by whole days so that its latest Observation falls in the year before `today`.
 * Synthea has no Appointments or Invoices: each clone gets 3 of each (appointments around today,
 * past ones fulfilled and future ones booked; invoices issued, balanced, draft or cancelled).
 * Practices (Organization, Practitioner) are shared: they are stored once with their Synthea ids
 * and the clones refer to them.
 *
 * Everything is deterministic for a given `today`: the same i always gives the same record.
 */

/** Per patient: Observations kept (most recent first) and the caps on the other kinds. */
export const KEEP = {
  vitalSigns: 14,
  otherObservations: 6,
  conditions: 2,
  encounters: 3,
  appointments: 3,
  invoices: 3,
};

type Json = Record<string, any>;

/** One source record: its resources by kind, references still as the bundle's urn:uuid fullUrls. */
interface SourceRecord {
  patient: Json;
  patientUrl: string;
  vitals: Json[];
  others: Json[];
  conditions: Json[];
  encounters: Map<string, Json>;
  /** fullUrl → `Type/id` of the shared practice resources. */
  shared: Map<string, string>;
  practitioner?: string;
  organization?: string;
  /** Latest date (YYYY-MM-DD) among the kept Observations: it is shifted to within the last year. */
  anchor: string;
}

export interface CloneSource {
  records: SourceRecord[];
  /** Organizations and Practitioners of all source bundles, with their Synthea ids (stored once). */
  practices: Resource[];
}

/** A clone: its resources carry final ids; references inside the clone are `urn:uuid:<id>`. */
export interface Clone {
  patientId: string;
  family: string;
  given: string;
  resources: Resource[];
}

export function requireSyntheaBundles(): void {
  if (sharedDataMissing('synthea-r4-bundles')) {
    throw new Error(
      `npm run bench needs the Synthea bundles in ${join(SHARED_DATA, 'synthea-r4-bundles')} (read at run time, never copied into the project), and that folder is absent`,
    );
  }
}

export function loadCloneSource(): CloneSource {
  requireSyntheaBundles();
  const records: SourceRecord[] = [];
  const practices = new Map<string, Resource>();
  for (const { text } of syntheaBundles()) {
    const bundle = JSON.parse(text) as Bundle;
    const byUrl = new Map<string, Json>();
    const shared = new Map<string, string>();
    for (const entry of bundle.entry ?? []) {
      const r = entry.resource as Json;
      byUrl.set(entry.fullUrl as string, r);
      if (r.resourceType === 'Organization' || r.resourceType === 'Practitioner') {
        shared.set(entry.fullUrl as string, `${r.resourceType}/${r.id}`);
        practices.set(`${r.resourceType}/${r.id}`, r as Resource);
      }
    }
    const all = [...byUrl.values()];
    const patientEntry = (bundle.entry ?? []).find((e) => e.resource?.resourceType === 'Patient') as BundleEntry;
    const patient = patientEntry.resource as Json;
    const newestFirst = (date: (r: Json) => string) => (a: Json, b: Json) => date(b).localeCompare(date(a));
    const observations = all
      .filter((r) => r.resourceType === 'Observation')
      .sort(newestFirst((r) => r.effectiveDateTime ?? ''));
    const isVital = (o: Json) =>
      (o.category ?? []).some((c: Json) => (c.coding ?? []).some((x: Json) => x.code === 'vital-signs'));
    const vitals = observations.filter(isVital).slice(0, KEEP.vitalSigns);
    const others = observations.filter((o) => !isVital(o)).slice(0, KEEP.otherObservations);
    const conditions = all
      .filter((r) => r.resourceType === 'Condition')
      .sort(newestFirst((r) => r.onsetDateTime ?? r.recordedDate ?? ''))
      .slice(0, KEEP.conditions);
    const wanted = new Set([...vitals, ...others, ...conditions].map((r) => r.encounter?.reference).filter(Boolean));
    const encounterList = [...wanted]
      .map((url) => [url, byUrl.get(url)] as [string, Json])
      .filter(([, e]) => e)
      .sort(([, a], [, b]) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''))
      .slice(0, KEEP.encounters);
    const encounters = new Map(encounterList);
    const firstEncounter = encounterList[0]?.[1];
    const anchor =
      [...vitals, ...others]
        .map((o) => (o.effectiveDateTime ?? '') as string)
        .sort()
        .at(-1)
        ?.slice(0, 10) ?? new Date().toISOString().slice(0, 10);
    records.push({
      patient,
      patientUrl: patientEntry.fullUrl as string,
      vitals,
      others,
      conditions,
      encounters,
      shared,
      anchor,
      practitioner: shared.get(firstEncounter?.participant?.[0]?.individual?.reference),
      organization: shared.get(firstEncounter?.serviceProvider?.reference),
    });
  }
  return { records, practices: [...practices.values()] };
}

/**
 * sfc32 (128-bit state) seeded through splitmix32 from the inputs: neighbouring seeds give
 * independent streams, and 64K patients × ~1,000 draws do not overlap as they would with 32 bits.
 */
export function rng(...seed: number[]): () => number {
  let x = 0x9e3779b9;
  const mix = (): number => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  for (const s of seed) x = (Math.imul(x ^ (s >>> 0), 0x27d4eb2d) + mix()) | 0;
  let a = mix();
  let b = mix();
  let c = mix();
  let d = 1;
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 2 ** 32;
  };
  for (let k = 0; k < 12; k++) next();
  return next;
}

const int = (rnd: () => number, min: number, max: number): number => min + Math.floor(rnd() * (max - min + 1));
const pick = <T>(rnd: () => number, list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;

/** The k-th id of patient i: a UUID-shaped hash, so ids are unique, random-looking and repeatable. */
function uuid(i: number, k: number): string {
  const s = createHash('sha1').update(`bench-clone/${i}/${k}`).digest('hex');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-5${s.slice(13, 16)}-${'89ab'[parseInt(s[16] as string, 16) & 3]}${s.slice(17, 20)}-${s.slice(20, 32)}`;
}

/**
 * The 50 most common US surnames with their frequency per 100,000 people (2010 census, rounded);
 * together about 12% of people. The other 88% get a generated surname from a long tail of ~1,300
 * three-letter beginnings (consonant, vowel, consonant), so no tail name starts with "smi".
 */
const COMMON_SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['Smith', 828],
  ['Johnson', 655],
  ['Williams', 550],
  ['Brown', 487],
  ['Jones', 483],
  ['Garcia', 395],
  ['Miller', 394],
  ['Davis', 378],
  ['Rodriguez', 371],
  ['Martinez', 359],
  ['Hernandez', 354],
  ['Lopez', 296],
  ['Gonzalez', 285],
  ['Wilson', 272],
  ['Anderson', 266],
  ['Thomas', 256],
  ['Taylor', 255],
  ['Moore', 246],
  ['Jackson', 240],
  ['Martin', 238],
  ['Lee', 235],
  ['Perez', 231],
  ['Thompson', 225],
  ['White', 224],
  ['Harris', 212],
  ['Sanchez', 208],
  ['Clark', 191],
  ['Ramirez', 189],
  ['Lewis', 180],
  ['Robinson', 180],
  ['Walker', 177],
  ['Young', 164],
  ['Allen', 164],
  ['King', 158],
  ['Wright', 156],
  ['Scott', 149],
  ['Torres', 148],
  ['Nguyen', 148],
  ['Hill', 147],
  ['Flores', 147],
  ['Green', 146],
  ['Adams', 145],
  ['Nelson', 144],
  ['Baker', 142],
  ['Hall', 138],
  ['Rivera', 133],
  ['Campbell', 131],
  ['Mitchell', 130],
  ['Carter', 128],
  ['Roberts', 128],
];
const COMMON_TOTAL = COMMON_SURNAMES.reduce((sum, [, n]) => sum + n, 0);
const ONSET = 'bcdfghklmnprstvwz';
const VOWELS = 'aeiou';
const CODA = 'bdgklmnrstvz';
const ENDINGS = [
  'son',
  'man',
  'er',
  'ski',
  'ez',
  'ov',
  'ley',
  'ton',
  'berg',
  'ova',
  'ini',
  'ard',
  'ford',
  'wick',
  'elli',
  'stein',
  'ner',
  'ick',
  'o',
  'a',
];
const GIVEN: Record<'female' | 'male', readonly string[]> = {
  female: [
    'Olivia',
    'Emma',
    'Ava',
    'Sophia',
    'Isabella',
    'Mia',
    'Amelia',
    'Harper',
    'Evelyn',
    'Abigail',
    'Emily',
    'Elizabeth',
    'Sofia',
    'Avery',
    'Ella',
    'Scarlett',
    'Grace',
    'Chloe',
    'Victoria',
    'Riley',
    'Aria',
    'Lily',
    'Zoë',
    'Nora',
    'Hannah',
    'Maria',
    'Aiko',
    'Priya',
    'Fatima',
    'Linh',
  ],
  male: [
    'Liam',
    'Noah',
    'William',
    'James',
    'Oliver',
    'Benjamin',
    'Elijah',
    'Lucas',
    'Mason',
    'Logan',
    'Alexander',
    'Ethan',
    'Jacob',
    'Michael',
    'Daniel',
    'Henry',
    'Jackson',
    'Sebastian',
    'Aiden',
    'Matthew',
    'Samuel',
    'David',
    'Joseph',
    'Carter',
    'Owen',
    'Wyatt',
    'José',
    'Omar',
    'Ravi',
    'Minh',
  ],
};
const STREETS = [
  'Oak',
  'Maple',
  'Cedar',
  'Pine',
  'Elm',
  'Washington',
  'Lake',
  'Hill',
  'Park',
  'Main',
  'Church',
  'River',
  'Mill',
  'Spring',
  'Ridge',
];
const STREET_TYPES = ['Street', 'Avenue', 'Road', 'Lane', 'Drive', 'Court', 'Way'];

export function surname(rnd: () => number): string {
  if (rnd() < COMMON_TOTAL / 100_000) {
    let x = rnd() * COMMON_TOTAL;
    for (const [name, n] of COMMON_SURNAMES) if ((x -= n) < 0) return name;
  }
  const head = pick(rnd, [...ONSET]).toUpperCase() + pick(rnd, [...VOWELS]) + pick(rnd, [...CODA]);
  return head + (rnd() < 0.5 ? pick(rnd, [...VOWELS]) + pick(rnd, [...CODA]) : '') + pick(rnd, ENDINGS);
}

/** Adds whole days to the date part of a FHIR date/dateTime/instant, keeping its time and zone. */
function shiftDate(value: string, days: number): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(.*)$/.exec(value);
  if (!m) return value;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + days * 86_400_000);
  return d.toISOString().slice(0, 10) + m[4];
}

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Deep copy that shifts every date and rewrites every reference through `ref` (undefined drops it). */
function copy(value: unknown, days: number, ref: (r: string) => string | undefined): any {
  if (Array.isArray(value)) return value.map((v) => copy(v, days, ref)).filter((v) => v !== undefined);
  if (value && typeof value === 'object') {
    const obj = value as Json;
    if (typeof obj.reference === 'string') {
      const to = ref(obj.reference);
      return to === undefined ? undefined : { ...obj, reference: to };
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      const c = copy(v, days, ref);
      if (c !== undefined) out[k] = c;
    }
    return out;
  }
  return typeof value === 'string' && DATE_LIKE.test(value) ? shiftDate(value, days) : value;
}

const daysBetween = (from: string, to: string): number => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);
const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The record of synthetic patient i, cloned from `source` and re-identified; `today` is YYYY-MM-DD. */
export function clonePatient(source: CloneSource, i: number, today: string): Clone {
  const rnd = rng(i, 7);
  const record = source.records[Math.floor(rnd() * source.records.length)] as SourceRecord;
  const src = record.patient;
  const gender: 'female' | 'male' = src.gender === 'male' ? 'male' : 'female';
  const family = surname(rnd);
  const given = pick(rnd, GIVEN[gender]);
  // The newest kept Observation lands 1 to 365 days before today; everything else moves with it.
  const days = daysBetween(record.anchor, today) - int(rnd, 1, 365);

  let idCount = 0;
  const newId = (): string => uuid(i, idCount++);
  const ids = new Map<string, string>();
  const patientId = newId();
  ids.set(record.patientUrl, patientId);
  for (const url of record.encounters.keys()) ids.set(url, newId());
  const ref = (r: string): string | undefined => {
    const id = ids.get(r);
    if (id) return `urn:uuid:${id}`;
    return record.shared.get(r); // a practice, or undefined: an Encounter not kept is dropped
  };

  const birth = shiftDate(src.birthDate as string, days - int(rnd, 0, 20 * 365));
  const extension = (src.extension ?? [])
    .filter((e: Json) => !String(e.url).startsWith('http://synthetichealth.github.io/'))
    .map((e: Json) =>
      e.url === 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName'
        ? { ...e, valueString: `${pick(rnd, GIVEN.female)} ${surname(rnd)}` }
        : e,
    );
  const address = (src.address ?? []).slice(0, 1).map((a: Json) => ({
    ...a,
    extension: undefined,
    line: [`${int(rnd, 1, 999)} ${pick(rnd, STREETS)} ${pick(rnd, STREET_TYPES)}`],
  }));
  const mrn = newId();
  const patient: Json = {
    resourceType: 'Patient',
    id: patientId,
    meta: src.meta,
    extension,
    identifier: [
      { system: 'https://github.com/synthetichealth/synthea', value: mrn },
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR', display: 'Medical Record Number' },
          ],
          text: 'Medical Record Number',
        },
        system: 'http://hospital.smarthealthit.org',
        value: mrn,
      },
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'SS', display: 'Social Security Number' },
          ],
          text: 'Social Security Number',
        },
        system: 'http://hl7.org/fhir/sid/us-ssn',
        value: `999-${pad(int(rnd, 10, 99), 2)}-${pad(int(rnd, 0, 9999), 4)}`,
      },
    ],
    name: [
      { use: 'official', family, given: [given], ...(src.name?.[0]?.prefix ? { prefix: src.name[0].prefix } : {}) },
    ],
    telecom: [
      { system: 'phone', value: `555-${pad(int(rnd, 200, 999), 3)}-${pad(int(rnd, 0, 9999), 4)}`, use: 'home' },
    ],
    gender,
    birthDate: birth,
    address: JSON.parse(JSON.stringify(address)),
    maritalStatus: src.maritalStatus,
    multipleBirthBoolean: src.multipleBirthBoolean,
    communication: src.communication,
  };

  const resources: Json[] = [patient];
  for (const [url, encounter] of record.encounters) resources.push({ ...copy(encounter, days, ref), id: ids.get(url) });
  for (const r of [...record.conditions, ...record.vitals, ...record.others])
    resources.push({ ...copy(r, days, ref), id: newId() });

  const patientRef = { reference: `urn:uuid:${patientId}` };
  const practitioner = record.practitioner
    ? [{ actor: { reference: record.practitioner }, status: 'accepted' as const }]
    : [];
  for (let k = 0; k < KEEP.appointments; k++) {
    // One in the past (fulfilled), the others up to four months either side of today.
    const offset = k === 0 ? -int(rnd, 1, 180) : int(rnd, -120, 120) || 1;
    const start = new Date(
      Date.parse(`${shiftDate(today, offset)}T00:00:00Z`) + (8 * 60 + 15 * int(rnd, 0, 36)) * 60_000,
    );
    const minutes = pick(rnd, [15, 20, 30, 45]);
    const appointment: Appointment = {
      resourceType: 'Appointment',
      id: newId(),
      status: offset < 0 ? 'fulfilled' : 'booked',
      appointmentType: {
        coding: [
          pick(rnd, [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0276',
              code: 'ROUTINE',
              display: 'Routine appointment',
            },
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0276',
              code: 'FOLLOWUP',
              display: 'A follow up visit from a previous appointment',
            },
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0276',
              code: 'CHECKUP',
              display: 'A routine check-up, such as an annual physical',
            },
          ]),
        ],
      },
      description: pick(rnd, [
        'Follow-up visit',
        'Annual check-up',
        'Blood pressure review',
        'Vaccination',
        'Lab results discussion',
      ]),
      start: start.toISOString(),
      end: new Date(start.getTime() + minutes * 60_000).toISOString(),
      minutesDuration: minutes,
      participant: [{ actor: patientRef, status: 'accepted' }, ...practitioner],
    };
    resources.push(appointment);
  }
  for (let k = 0; k < KEEP.invoices; k++) {
    const x = rnd();
    const status = x < 0.4 ? 'issued' : x < 0.85 ? 'balanced' : x < 0.95 ? 'draft' : 'cancelled';
    const gross = Math.round((40 + rnd() * 860) * 100) / 100;
    const invoice: Invoice = {
      resourceType: 'Invoice',
      id: newId(),
      status,
      subject: patientRef,
      date: `${shiftDate(today, -int(rnd, 0, 365))}T${pad(int(rnd, 8, 17), 2)}:00:00Z`,
      ...(record.organization ? { issuer: { reference: record.organization } } : {}),
      totalNet: { value: gross, currency: 'USD' },
      totalGross: { value: gross, currency: 'USD' },
    };
    resources.push(invoice);
  }
  return { patientId, family, given, resources: resources as Resource[] };
}

/** A clone as the entries of a transaction Bundle: POST with urn:uuid fullUrls (the server assigns ids). */
export function transactionEntries(clone: Clone): BundleEntry[] {
  return clone.resources.map(({ id, ...resource }) => ({
    fullUrl: `urn:uuid:${id}`,
    resource: resource as Resource,
    request: { method: 'POST', url: resource.resourceType },
  }));
}

/** A clone with its own ids kept and urn:uuid references turned into `Type/id` (for direct loading). */
export function withLocalReferences(clone: Clone): Resource[] {
  const types = new Map(clone.resources.map((r) => [`urn:uuid:${r.id}`, `${r.resourceType}/${r.id}`]));
  return clone.resources.map((r) => copy(r, 0, (ref) => types.get(ref) ?? ref) as Resource);
}

/** The normalised 3-letter prefix a name search would send for this family ("Müller" → "mul"). */
export function namePrefix(family: string): string {
  return family
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase()
    .slice(0, 3);
}
