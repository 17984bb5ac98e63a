import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { SHARED_DATA, syntheaBundles } from '../support/shared-data.ts';
import { authedFetch } from '../support/test-server.ts';

/**
 * The oracle's data: the Synthea bulk export (10 patients, NDJSON) and the 7 Synthea transaction
 * Bundles from ../shared/data, plus a small, deterministic augmentation so that every parameter
 * type has values to find (the real data has no meta.security, no meta.source, almost no
 * accented names and no resource type with a `number` parameter):
 *
 * - every 5th bulk resource gets a meta.security label, every 3rd a meta.source, every 4th an
 *   extra meta.tag;
 * - each bulk Patient gets an extra (nickname) HumanName with diacritics;
 * - one RiskAssessment per bulk Condition (`probability` is the only number parameter among
 *   these types), with probabilities of varied precision;
 * - conditional references also carry their identifier (Reference.identifier), for `:identifier`.
 */

/** Load order of the bulk files: targets of conditional references first. */
const ORDER = ['Organization', 'Location', 'Practitioner', 'PractitionerRole', 'Patient'];

export interface OracleData {
  /** Bulk resources (augmented), in load order; their ids are kept (PUT). */
  bulk: Resource[];
  /** The Synthea transaction Bundles as they are. */
  bundles: Array<{ name: string; bundle: Bundle }>;
}

export function readOracleData(): OracleData {
  const dir = join(SHARED_DATA, 'synthea-bulk-10');
  const rank = (file: string): number => {
    const i = ORDER.indexOf(file.split('.')[0] as string);
    return i < 0 ? ORDER.length : i;
  };
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ndjson') && f !== 'log.ndjson')
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const bulk: Resource[] = [];
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n'))
      if (line.trim()) bulk.push(JSON.parse(line) as Resource);
  }
  augment(bulk);
  const bundles = syntheaBundles().map(({ name, text }) => ({ name, bundle: JSON.parse(text) as Bundle }));
  return { bulk, bundles };
}

/** A deterministic number in [0, 1) from a string (FNV-1a), so augmentation never varies. */
export function hashUnit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32;
}

const SECURITY = [
  { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N', display: 'normal' },
  { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R', display: 'restricted' },
  { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'V', display: 'very restricted' },
  { system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HTEST', display: 'test health data' },
];
const SOURCES = [
  'https://bulk.synthea.example/export-10',
  'https://bulk.synthea.example/export-10/part-1',
  'https://bulk.synthea.example/export-10/part-2',
  'urn:oid:2.16.840.1.113883.19.5',
];
const TAGS = [
  { system: 'https://oracle.example/tags', code: 'reviewed' },
  { system: 'https://oracle.example/tags', code: 'imported' },
  { code: 'no-system' },
];
const ACCENTED = [
  'Zoë',
  'José',
  'Müller',
  'Ñúñez',
  'Françoise',
  'Ødegård',
  'Łukasz',
  'Ångström',
  'Dvořák',
  'Renée',
  'Anaïs',
  'Çelik',
  'Gödel',
];

/** Probabilities with 0 to 16 decimals, some exactly on a rounding boundary (e.g. 12.5, 0.25). */
function probability(key: string): number {
  const u = hashUnit(key);
  const places = [0, 1, 1, 2, 2, 3, 5, 16][Math.floor(hashUnit(`${key}#p`) * 8)] as number;
  return Number((u * 100).toFixed(places));
}

/**
 * Conditional references (`Practitioner?identifier=sys|val`, resolved by the server on import) also
 * get that identifier as Reference.identifier, as a logical reference would carry it: data for
 * `:identifier` searches on every reference parameter that uses them.
 */
function addReferenceIdentifiers(value: unknown): void {
  if (Array.isArray(value)) value.forEach(addReferenceIdentifiers);
  else if (value && typeof value === 'object') {
    const v = value as { reference?: unknown; identifier?: unknown };
    const m = typeof v.reference === 'string' ? /^[A-Z][A-Za-z]+\?identifier=([^|]*)\|(.+)$/.exec(v.reference) : null;
    if (m && v.identifier === undefined) v.identifier = { system: m[1], value: m[2] };
    Object.values(value).forEach(addReferenceIdentifiers);
  }
}

function augment(bulk: Resource[]): void {
  const derived: Resource[] = [];
  bulk.forEach((r, i) => {
    addReferenceIdentifiers(r);
    const meta = (r.meta ??= {});
    if (i % 5 === 0) meta.security = [SECURITY[Math.floor(i / 5) % SECURITY.length] as (typeof SECURITY)[number]];
    if (i % 3 === 0) meta.source = SOURCES[Math.floor(i / 3) % SOURCES.length] as string;
    if (i % 4 === 0) meta.tag = [...(meta.tag ?? []), TAGS[Math.floor(i / 4) % TAGS.length] as (typeof TAGS)[number]];
    if (r.resourceType === 'Patient') {
      const family = ACCENTED[i % ACCENTED.length] as string;
      const given = ACCENTED[(i + 5) % ACCENTED.length] as string;
      r.name = [...(r.name ?? []), { use: 'nickname', family, given: [given] }];
    }
    if (r.resourceType === 'Condition' && r.subject?.reference) {
      const when = r.recordedDate ?? (r as { onsetDateTime?: string }).onsetDateTime;
      derived.push({
        resourceType: 'RiskAssessment',
        id: `risk-${r.id}`,
        status: 'final',
        subject: { reference: r.subject.reference },
        condition: { reference: `Condition/${r.id}` },
        ...(when ? { occurrenceDateTime: when } : {}),
        prediction: [{ outcome: r.code ?? { text: 'unknown' }, probabilityDecimal: probability(r.id as string) }],
      } as Resource);
    }
  });
  bulk.push(...derived);
}

/** Posts JSON to the FHIR base and returns the parsed Bundle, or throws with the server's answer. */
async function postBundle(fhirUrl: string, body: string, what: string): Promise<Bundle> {
  const res = await authedFetch(fhirUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
    body,
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status} ${text.slice(0, 800)}`);
  return JSON.parse(text) as Bundle;
}

function storedResources(response: Bundle, what: string): Resource[] {
  return (response.entry ?? []).map((e: BundleEntry, i) => {
    if (!e.response?.status?.startsWith('20') || !e.resource)
      throw new Error(`${what} entry ${i}: ${JSON.stringify(e.response)}`);
    return e.resource;
  });
}

/**
 * Loads the data into a server over HTTP: bulk resources as transactions of `chunk` PUT entries
 * (keeping their ids; their conditional references are resolved by the server), then the Synthea
 * Bundles as the transactions they are. Returns every resource as the server stored it
 * (server-assigned ids, rewritten references, meta.versionId/lastUpdated).
 */
export async function loadOverHttp(fhirUrl: string, data: OracleData, chunk = 500): Promise<Resource[]> {
  const stored: Resource[] = [];
  for (let i = 0; i < data.bulk.length; i += chunk) {
    const entry = data.bulk
      .slice(i, i + chunk)
      .map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } }));
    const what = `bulk transaction ${i / chunk}`;
    stored.push(
      ...storedResources(
        await postBundle(fhirUrl, JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }), what),
        what,
      ),
    );
  }
  for (const { name, bundle } of data.bundles)
    stored.push(...storedResources(await postBundle(fhirUrl, JSON.stringify(bundle), name), name));
  return stored;
}
