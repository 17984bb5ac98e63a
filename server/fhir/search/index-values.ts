import type { TypedValue } from '@medplum/core';
import type { CodeableConcept, Coding, Identifier } from '@medplum/fhirtypes';
import type { IndexRow } from './index-rows.ts';
import { MAX_INSTANT, MIN_INSTANT } from './index-rows.ts';
import { dateRange, normalizeString } from './normalize.ts';

/**
 * Turns the values a search parameter's FHIRPath expression yields into index rows, one converter
 * per parameter type (see index-rows.ts for the normalised forms).
 */
export type Converter = (param: string, value: TypedValue, rows: IndexRow[], baseUrl: string) => void;

export const CONVERTERS: Record<'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri', Converter> =
  {
    string: stringRows,
    token: tokenRows,
    reference: referenceRows,
    date: dateRows,
    number: numberRows,
    quantity: quantityRows,
    uri: uriRows,
  };

function stringRows(param: string, { type, value }: TypedValue, rows: IndexRow[]): void {
  const push = (text: unknown): void => {
    if (typeof text === 'string' && text.trim())
      rows.push({ kind: 'string', param, value: normalizeString(text), exact: text });
  };
  if (type === 'HumanName') {
    const n = value as { family?: string; given?: string[]; prefix?: string[]; suffix?: string[]; text?: string };
    [n.family, n.text, ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? [])].forEach(push);
  } else if (type === 'Address') {
    const a = value as Record<string, unknown>;
    [...((a.line as string[] | undefined) ?? []), a.city, a.district, a.state, a.postalCode, a.country, a.text].forEach(
      push,
    );
  } else {
    push(value);
  }
}

/** What tokenRows reads of a CodeableConcept, Coding, Identifier or ContactPoint; `push` checks every value. */
interface TokenElement {
  coding?: Coding[];
  text?: string;
  system?: string;
  code?: string;
  display?: string;
  value?: string;
  type?: CodeableConcept;
}

function tokenRows(param: string, { type, value }: TypedValue, rows: IndexRow[]): void {
  const push = (system: unknown, code: unknown, text: unknown): void => {
    rows.push({
      kind: 'token',
      param,
      system: typeof system === 'string' ? system : null,
      code: typeof code === 'string' || typeof code === 'boolean' || typeof code === 'number' ? String(code) : null,
      text: typeof text === 'string' ? normalizeString(text) : null,
    });
  };
  const v = value as TokenElement;
  switch (type) {
    case 'CodeableConcept':
      for (const c of v.coding ?? []) push(c.system, c.code, v.text ?? c.display);
      if (!v.coding?.length && v.text) push(null, null, v.text);
      break;
    case 'Coding':
      push(v.system, v.code, v.display);
      break;
    case 'Identifier':
      push(v.system, v.value, v.type?.text);
      identifierTypeRows(param, v, rows);
      break;
    case 'ContactPoint':
      push(null, v.value, null);
      break;
    default:
      if (typeof value !== 'object') push(null, value, null);
  }
}

/**
 * `identifier:of-type=system|code|value` rows: one per coding of Identifier.type, under the
 * parameter name `<param>:of-type` with the type's `system|code` as system and the value as code.
 */
function identifierTypeRows(param: string, identifier: Identifier, rows: IndexRow[]): void {
  if (typeof identifier.value !== 'string') return;
  for (const c of identifier.type?.coding ?? []) {
    if (typeof c.code !== 'string') continue;
    rows.push({
      kind: 'token',
      param: `${param}:of-type`,
      system: `${c.system ?? ''}|${c.code}`,
      code: identifier.value,
      text: null,
    });
  }
}

function referenceRows(param: string, { type, value }: TypedValue, rows: IndexRow[], baseUrl: string): void {
  if (type === 'Reference') {
    // `subject:identifier=system|value` searches Reference.identifier: token rows under `<param>:identifier`.
    const identifier = (value as { identifier?: { system?: string; value?: string } }).identifier;
    if (identifier?.value)
      rows.push({
        kind: 'token',
        param: `${param}:identifier`,
        system: identifier.system ?? null,
        code: identifier.value,
        text: null,
      });
  }
  const ref =
    type === 'Reference' ? (value as { reference?: string }).reference : typeof value === 'string' ? value : undefined;
  if (!ref) return;
  const target = localReference(ref, baseUrl);
  const match = /^([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}$/.exec(target);
  rows.push({ kind: 'reference', param, target, targetType: match ? (match[1] as string) : null });
}

/** `Patient/1/_history/2` and `<base>/Patient/1` both index as `Patient/1`; other URLs stay whole. */
export function localReference(ref: string, baseUrl: string): string {
  let r = ref;
  const base = baseUrl.endsWith('/') ? baseUrl : baseUrl + '/';
  if (r.startsWith(base)) r = r.slice(base.length);
  const versioned = /^([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})\/_history\/[A-Za-z0-9\-.]+$/.exec(r);
  return versioned ? (versioned[1] as string) : r;
}

function dateRows(param: string, { type, value }: TypedValue, rows: IndexRow[]): void {
  const push = (low: string, high: string): void => {
    rows.push({ kind: 'date', param, low, high });
  };
  if (typeof value === 'string') {
    const r = dateRange(value);
    if (r) push(r.low, r.high);
  } else if (type === 'Period') {
    const p = value as { start?: string; end?: string };
    const start = p.start ? dateRange(p.start)?.low : MIN_INSTANT;
    const end = p.end ? dateRange(p.end)?.high : MAX_INSTANT;
    if (start && end) push(start, end);
  } else if (type === 'Timing') {
    for (const event of (value as { event?: string[] }).event ?? []) {
      const r = dateRange(event);
      if (r) push(r.low, r.high);
    }
  }
}

function numberRows(param: string, { value }: TypedValue, rows: IndexRow[]): void {
  if (typeof value === 'number' && Number.isFinite(value))
    rows.push({ kind: 'number', param, low: value, high: value });
}

function quantityRows(param: string, { type, value }: TypedValue, rows: IndexRow[]): void {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // A bare decimal (e.g. a Money amount reached through `.value`): a quantity without unit.
    rows.push({ kind: 'quantity', param, system: null, code: null, low: value, high: value });
    return;
  }
  if (
    type !== 'Quantity' &&
    type !== 'Age' &&
    type !== 'Duration' &&
    type !== 'Distance' &&
    type !== 'Count' &&
    type !== 'Money' &&
    type !== 'SimpleQuantity'
  )
    return;
  const q = value as { value?: number; system?: string; code?: string; unit?: string; currency?: string };
  if (typeof q.value !== 'number' || !Number.isFinite(q.value)) return;
  const system = type === 'Money' ? 'urn:iso:std:iso:4217' : (q.system ?? null);
  rows.push({
    kind: 'quantity',
    param,
    system,
    code: q.code ?? q.currency ?? q.unit ?? null,
    low: q.value,
    high: q.value,
  });
}

function uriRows(param: string, { value }: TypedValue, rows: IndexRow[]): void {
  if (typeof value === 'string') rows.push({ kind: 'uri', param, value });
}
