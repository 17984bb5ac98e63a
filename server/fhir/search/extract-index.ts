import { evalFhirPathTyped, parseFhirPath, toTypedValue } from '@medplum/core';
import type { FhirPathAtom, TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { searchParametersFor } from '../definitions.ts';
import type { IndexRow } from './index-rows.ts';
import { MAX_INSTANT, MIN_INSTANT } from './index-rows.ts';
import { dateRange, normalizeString } from './normalize.ts';

/**
 * Computes the search index rows of a resource once, at write time, by evaluating every standard
 * SearchParameter's FHIRPath expression and normalising the values per parameter type.
 * `_id` and `_lastUpdated` are columns of the stored version, not rows.
 */
export function extractIndexRows(resource: Resource, baseUrl: string): IndexRow[] {
  const rows: IndexRow[] = [];
  const typed = [toTypedValue(resource)];
  for (const { code, convert, expression } of compiledParametersFor(resource.resourceType)) {
    for (const value of evaluate(expression, typed)) convert(code, value, rows, baseUrl);
  }
  return dedupe(rows);
}

interface CompiledParameter {
  code: string;
  convert: Converter;
  expression: FhirPathAtom;
}

const compiled = new Map<string, CompiledParameter[]>();

/**
 * The indexable parameters of a type with their FHIRPath parsed once. Standard expressions are
 * unions over many types (`AllergyIntolerance.recordedDate | CarePlan.period | ...`); only the
 * terms that apply to this type are kept, which makes indexing several times faster.
 * `_id` and `_lastUpdated` are columns of the stored version; composite and special parameters are
 * evaluated from the rows of their components (search issue).
 */
function compiledParametersFor(resourceType: string): CompiledParameter[] {
  let list = compiled.get(resourceType);
  if (!list) {
    list = [];
    for (const [code, sp] of searchParametersFor(resourceType)) {
      const convert = CONVERTERS[sp.type as keyof typeof CONVERTERS];
      if (!convert || code === '_id' || code === '_lastUpdated') continue;
      const expression = termsFor(resourceType, sp.expression as string);
      if (expression) list.push({ code, convert, expression: parseFhirPath(expression) });
    }
    compiled.set(resourceType, list);
  }
  return list;
}

/** Keeps the top-level union terms of `expression` that start with this type (or Resource). */
export function termsFor(resourceType: string, expression: string): string | undefined {
  const terms = splitTopLevelUnion(expression);
  const applies = (term: string): boolean => {
    const head = term.trim().replace(/^\(+/, '');
    return head.startsWith(`${resourceType}.`) || head.startsWith('Resource.') || head === resourceType || !/^[A-Z]/.test(head);
  };
  const kept = terms.filter(applies);
  return kept.length ? kept.join(' | ') : undefined;
}

function splitTopLevelUnion(expression: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quote = !quote;
    else if (!quote && c === '(') depth++;
    else if (!quote && c === ')') depth--;
    else if (!quote && depth === 0 && c === '|') {
      terms.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(expression.slice(start));
  return terms;
}

function evaluate(expression: FhirPathAtom, typed: TypedValue[]): TypedValue[] {
  try {
    return evalFhirPathTyped(expression, typed).filter((v) => v.value !== undefined && v.value !== null);
  } catch {
    // A few standard expressions use functions FHIRPath engines implement differently
    // (e.g. resolve()); such a parameter simply contributes no rows for this resource.
    return [];
  }
}

type Converter = (param: string, value: TypedValue, rows: IndexRow[], baseUrl: string) => void;

const CONVERTERS: Record<'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri', Converter> = {
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
    if (typeof text === 'string' && text.trim()) rows.push({ kind: 'string', param, value: normalizeString(text), exact: text });
  };
  if (type === 'HumanName') {
    const n = value as { family?: string; given?: string[]; prefix?: string[]; suffix?: string[]; text?: string };
    [n.family, n.text, ...(n.given ?? []), ...(n.prefix ?? []), ...(n.suffix ?? [])].forEach(push);
  } else if (type === 'Address') {
    const a = value as Record<string, unknown>;
    [...((a.line as string[] | undefined) ?? []), a.city, a.district, a.state, a.postalCode, a.country, a.text].forEach(push);
  } else {
    push(value);
  }
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
  const v = value as Record<string, any>;
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
      break;
    case 'ContactPoint':
      push(null, v.value, null);
      break;
    default:
      if (typeof value !== 'object') push(null, value, null);
  }
}

function referenceRows(param: string, { type, value }: TypedValue, rows: IndexRow[], baseUrl: string): void {
  const ref = type === 'Reference' ? (value as { reference?: string }).reference : typeof value === 'string' ? value : undefined;
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
  if (typeof value === 'number' && Number.isFinite(value)) rows.push({ kind: 'number', param, low: value, high: value });
}

function quantityRows(param: string, { type, value }: TypedValue, rows: IndexRow[]): void {
  if (type !== 'Quantity' && type !== 'Age' && type !== 'Duration' && type !== 'Distance' && type !== 'Count' && type !== 'Money') return;
  const q = value as { value?: number; system?: string; code?: string; unit?: string; currency?: string };
  if (typeof q.value !== 'number') return;
  const system = type === 'Money' ? 'urn:iso:std:iso:4217' : (q.system ?? null);
  rows.push({ kind: 'quantity', param, system, code: q.code ?? q.currency ?? q.unit ?? null, low: q.value, high: q.value });
}

function uriRows(param: string, { value }: TypedValue, rows: IndexRow[]): void {
  if (typeof value === 'string') rows.push({ kind: 'uri', param, value });
}

function dedupe(rows: IndexRow[]): IndexRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = JSON.stringify(row);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
