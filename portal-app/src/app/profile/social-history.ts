import type { Bundle, CodeableConcept, Observation } from '@web-shared/fhir';
import { dateSortKey } from '../record/format-date';
import type { PracticeRecord } from './update-profile';

/**
 * Social history the patient records themselves (issue #13 contract, decision 0028): Observations of
 * category `social-history`, one per practice that takes updates, sent in one `batch` Bundle. The
 * server marks them as the patient's own and lists them in each practice's inbox; they add to the
 * record and overwrite nothing.
 */

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
export const SOCIAL_HISTORY = {
  system: 'http://terminology.hl7.org/CodeSystem/observation-category',
  code: 'social-history',
} as const;

export type SocialItem = 'smoking' | 'alcohol' | 'occupation' | 'living';

export interface Choice {
  code?: string;
  label: string;
}

export const SOCIAL_ITEMS: Record<SocialItem, { loinc: string; display: string; label: string }> = {
  smoking: { loinc: '72166-2', display: 'Tobacco smoking status', label: 'Smoking' },
  alcohol: { loinc: '74013-4', display: 'Alcoholic drinks per day', label: 'Alcohol (drinks per day)' },
  occupation: { loinc: '11341-5', display: 'History of Occupation', label: 'Occupation' },
  // LOINC "Housing status"; the answers are the patient's own words (a text, no code): the coded
  // answer lists for housing are about stability, not who one lives with.
  living: { loinc: '71802-3', display: 'Housing status', label: 'Living situation' },
};

/** SNOMED CT smoking statuses (the US Core value set's), in plain words. */
export const SMOKING_CHOICES: Choice[] = [
  { code: '266919005', label: 'I have never smoked' },
  { code: '8517006', label: 'I used to smoke' },
  { code: '449868002', label: 'I smoke every day' },
  { code: '428041000124106', label: 'I smoke sometimes' },
];

export const LIVING_CHOICES: Choice[] = [
  { label: 'I live alone' },
  { label: 'I live with family or others' },
  { label: 'I live in a care home or supported housing' },
  { label: 'I have no stable housing' },
];

export interface SocialHistoryValue {
  smoking: string;
  alcohol: number | null;
  occupation: string;
  living: string;
}

export const EMPTY_SOCIAL_HISTORY: SocialHistoryValue = { smoking: '', alcohol: null, occupation: '', living: '' };

export interface LatestValue {
  item: SocialItem;
  text: string;
  date: string | undefined;
}

function itemOf(observation: Observation): SocialItem | undefined {
  const codes = (observation.code?.coding ?? []).filter((c) => c.system === LOINC).map((c) => c.code);
  return (Object.keys(SOCIAL_ITEMS) as SocialItem[]).find((item) => codes.includes(SOCIAL_ITEMS[item].loinc));
}

const whenOf = (o: Observation) => o.effectiveDateTime ?? o.issued ?? o.meta?.lastUpdated;

/** The newest readable value of each item, across all practices (in the order of SOCIAL_ITEMS). */
export function latestValues(observations: Observation[]): LatestValue[] {
  const latest = new Map<SocialItem, Observation>();
  for (const o of observations) {
    const item = itemOf(o);
    if (!item || o.status === 'entered-in-error') continue;
    const current = latest.get(item);
    if (!current || dateSortKey(whenOf(o)) > dateSortKey(whenOf(current))) latest.set(item, o);
  }
  return (Object.keys(SOCIAL_ITEMS) as SocialItem[]).flatMap((item) => {
    const o = latest.get(item);
    return o ? [{ item, text: valueText(o), date: whenOf(o) }] : [];
  });
}

function valueText(o: Observation): string {
  if (o.valueQuantity?.value !== undefined) {
    const unit = o.valueQuantity.code === '{drinks}/d' ? 'drinks per day' : (o.valueQuantity.unit ?? '');
    return `${o.valueQuantity.value} ${unit}`.trim();
  }
  if (o.valueCodeableConcept) {
    const code = o.valueCodeableConcept.coding?.find((c) => c.system === SNOMED)?.code;
    return (
      SMOKING_CHOICES.find((c) => c.code === code)?.label ??
      o.valueCodeableConcept.text ??
      o.valueCodeableConcept.coding?.[0]?.display ??
      ''
    );
  }
  return o.valueString ?? '';
}

/** The values the patient filled in, as Observation bodies without a subject. */
export function observationsOf(value: SocialHistoryValue, now: string): Observation[] {
  const base = (item: SocialItem): Observation & { category: CodeableConcept[] } => ({
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ ...SOCIAL_HISTORY, display: 'Social History' }] }],
    code: { coding: [{ system: LOINC, code: SOCIAL_ITEMS[item].loinc, display: SOCIAL_ITEMS[item].display }] },
    effectiveDateTime: now,
  });
  const list: Observation[] = [];
  const smoking = SMOKING_CHOICES.find((c) => c.code === value.smoking);
  if (smoking) {
    list.push({
      ...base('smoking'),
      valueCodeableConcept: { coding: [{ system: SNOMED, code: smoking.code }], text: smoking.label },
    });
  }
  if (value.alcohol !== null && Number.isFinite(value.alcohol)) {
    list.push({
      ...base('alcohol'),
      valueQuantity: {
        value: value.alcohol,
        unit: 'drinks per day',
        system: UCUM,
        code: '{drinks}/d',
      } as Observation['valueQuantity'],
    });
  }
  if (value.occupation.trim()) list.push({ ...base('occupation'), valueString: value.occupation.trim() });
  if (value.living.trim()) list.push({ ...base('living'), valueCodeableConcept: { text: value.living.trim() } });
  return list;
}

/** The practices that take the patient's updates (a disabled one gets nothing and is named instead). */
export function receivingRecords(records: PracticeRecord[]): { send: PracticeRecord[]; skip: PracticeRecord[] } {
  return {
    send: records.filter((r) => r.mode !== 'disabled'),
    skip: records.filter((r) => r.mode === 'disabled'),
  };
}

export interface ObservationBatch {
  resourceType: 'Bundle';
  type: 'batch';
  entry: { resource: Observation; request: { method: 'POST'; url: 'Observation' } }[];
}

/** One `batch` Bundle: every observation for every receiving practice's Patient. */
export function socialHistoryBatch(observations: Observation[], records: PracticeRecord[]): ObservationBatch {
  return {
    resourceType: 'Bundle',
    type: 'batch',
    entry: records.flatMap((r) =>
      observations.map((o) => ({
        resource: { ...o, subject: { reference: `Patient/${r.patientId}` } },
        request: { method: 'POST' as const, url: 'Observation' as const },
      })),
    ),
  };
}

export interface BatchOutcome {
  practiceName: string;
  ok: boolean;
}

/** Per practice: did all of its entries succeed? (entries answer in request order, per FHIR batch rules) */
export function batchOutcomes(response: Bundle, records: PracticeRecord[], perRecord: number): BatchOutcome[] {
  const entries = (response.entry ?? []) as { response?: { status?: string } }[];
  return records.map((r, i) => {
    const mine = entries.slice(i * perRecord, (i + 1) * perRecord);
    const ok = mine.length === perRecord && mine.every((e) => /^2\d\d/.test(e.response?.status ?? ''));
    return { practiceName: r.practiceName, ok };
  });
}
