import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { Resource, SearchParameter } from '@medplum/fhirtypes';
import { searchParametersFor } from '../../server/fhir/definitions.ts';
import { decimalToString } from './decimal.ts';
import type { CompositeValue, OracleQuery, ReferenceModel, SearchValue } from './reference-evaluator.ts';
import { normalizeText } from './reference-evaluator.ts';

/**
 * fast-check generators of search requests, one per feature of the search issue. Values are drawn
 * mostly from the loaded data (real codes, names, dates, ids, quantities) so that most queries
 * match some resources but not all of them, and partly at random (near misses, unknown values).
 *
 * Features not implemented by the server yet are listed in DISABLED_FEATURES: their generators
 * exist but are not used. Flip them on by removing them from that set.
 */
export const ALL_FEATURES = [
  // string
  'string',
  'string-exact',
  'string-contains',
  // token
  'token',
  'token-not',
  'token-text',
  'token-of-type',
  // reference
  'reference',
  'reference-type',
  'reference-identifier',
  // date
  'date',
  'date-period',
  // number, quantity
  'number',
  'quantity',
  // uri
  'uri',
  'uri-below',
  'uri-above',
  // composite
  'composite',
  // special
  'id',
  'lastUpdated',
  'tag',
  'profile',
  'security',
  'source',
  // modifiers and combinations
  'missing',
  'or',
  'and',
  'chain',
  'chain-2',
  'has',
  'has-nested',
  // result shaping
  'sort',
  'total',
] as const;

export type FeatureName = (typeof ALL_FEATURES)[number];

/** Features the server does not implement yet (the generators are ready). */
export const DISABLED_FEATURES: ReadonlySet<FeatureName> = new Set<FeatureName>([]);

export const ENABLED_FEATURES: readonly FeatureName[] = ALL_FEATURES.filter((f) => !DISABLED_FEATURES.has(f));

/**
 * Server bugs the oracle found that are not fixed yet (see README.md for each reproduction). While
 * a bug is listed, the generators avoid its trigger, so that the run stays green and still covers
 * everything else; remove it from this set once fixed (or run with ORACLE_KNOWN_BUGS=none).
 *
 * - number-precision: a number/quantity search value with more than 14 significant digits gets an
 *   empty `eq` range (parse-values.ts rounds both bounds to 15 digits), so `probability=67.79766653198749`
 *   does not find the resource whose probability is exactly that.
 * - mongo-lastUpdated-eq-ap: the MongoDB compiler builds `{ lastUpdated: {$gte}, lastUpdated: {$lte} }`
 *   for `_lastUpdated` with `eq`/`ap`, so the first bound is lost (duplicate object key).
 */
export const KNOWN_BUGS = ['number-precision', 'mongo-lastUpdated-eq-ap'] as const;
export type KnownBug = (typeof KNOWN_BUGS)[number];
export const UNFIXED_BUGS: ReadonlySet<KnownBug> = new Set<KnownBug>([]);

/** Features that produce a search criterion (the others shape or combine criteria). */
const CLAUSE_FEATURES: readonly FeatureName[] = ALL_FEATURES.filter((f) => !['or', 'and', 'sort', 'total'].includes(f));

export interface GeneratedQuery {
  query: OracleQuery;
  /** Every feature the query exercises. */
  features: FeatureName[];
  /** Into how many pages the runner should split the results (it sets `_count` accordingly). */
  pages: number;
  /** Whether to ask for `_total=accurate` and check Bundle.total. */
  total: boolean;
}

interface Clause {
  key: string;
  value: string;
  features: FeatureName[];
}

// ---------------------------------------------------------------------------------------------
// Pools: the values of every searchable parameter in the data

interface ParamPool {
  type: string;
  code: string;
  sp: SearchParameter;
  /** Distinct values (at most MAX_POOL, spread over the data). */
  values: SearchValue[];
  /** How many resources have a value. */
  present: number;
  total: number;
}

const MAX_POOL = 400;
const SEARCHABLE = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri', 'composite']);

export class Pools {
  readonly model: ReferenceModel;
  readonly types: string[];
  readonly #pools = new Map<string, ParamPool>();

  constructor(model: ReferenceModel) {
    this.model = model;
    this.types = [...model.byType.keys()].sort();
    for (const type of this.types) {
      for (const [code, sp] of searchParametersFor(type)) {
        if (!SEARCHABLE.has(sp.type as string) || code === '_id') continue;
        const byId = model.values(type, code);
        const seen = new Map<string, SearchValue>();
        let present = 0;
        for (const values of byId.values()) {
          if (values.some((v) => v.kind !== 'of-type' && v.kind !== 'reference-identifier')) present++;
          for (const v of values) {
            const key = JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
            if (!seen.has(key)) seen.set(key, v);
          }
        }
        let values = [...seen.values()];
        if (values.length > MAX_POOL) {
          const step = values.length / MAX_POOL;
          values = Array.from({ length: MAX_POOL }, (_, i) => values[Math.floor(i * step)] as SearchValue);
        }
        this.#pools.set(`${type}.${code}`, { type, code, sp, values, present, total: byId.size });
      }
    }
  }

  pool(type: string, code: string): ParamPool | undefined {
    return this.#pools.get(`${type}.${code}`);
  }

  /** Pools of `type` matching `accept`, with at least one value of `kind` (when given). */
  pools(type: string, accept: (p: ParamPool) => boolean): ParamPool[] {
    return [...this.#pools.values()].filter((p) => p.type === type && accept(p));
  }

  ids(type: string): string[] {
    return this.model.resources(type).map((r) => r.id as string);
  }
}

const SPECIAL = new Set(['_tag', '_profile', '_security', '_source', '_lastUpdated', '_id']);
const valuesOfKind = <K extends SearchValue['kind']>(p: ParamPool, kind: K): Extract<SearchValue, { kind: K }>[] =>
  p.values.filter((v): v is Extract<SearchValue, { kind: K }> => v.kind === kind);

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Escapes the characters that separate values (`,`) so that a data value stays one value. */
function escapeValue(text: string): string {
  return text.replace(/,/g, '\\,');
}

function recase(text: string, mode: number): string {
  switch (mode % 4) {
    case 1:
      return text.toUpperCase();
    case 2:
      return text.toLowerCase();
    case 3:
      return [...text].map((c, i) => (i % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
    default:
      return text;
  }
}

const RANDOM_WORD = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzéü -'.split('')), minLength: 1, maxLength: 6 })
  .filter((s) => s.trim() !== '');

/** 1..3 values joined by commas when OR is enabled, otherwise one value. */
function orValues(
  ctx: GenContext,
  one: Arbitrary<string>,
  features: FeatureName[],
): Arbitrary<{ value: string; features: FeatureName[] }> {
  if (!ctx.enabled.has('or')) return one.map((value) => ({ value, features }));
  return fc
    .array(one, { minLength: 1, maxLength: 3 })
    .map((vs) => ({ value: vs.join(','), features: vs.length > 1 ? [...features, 'or'] : features }));
}

export interface GenContext {
  pools: Pools;
  enabled: ReadonlySet<FeatureName>;
  baseUrl: string;
  /** Known bugs whose triggers the generators avoid (UNFIXED_BUGS by default). */
  avoid: ReadonlySet<KnownBug>;
}

// ---------------------------------------------------------------------------------------------
// Values per parameter type (also used for composite components and chain ends)

function stringValue(values: SearchValue[], match: 'prefix' | 'exact' | 'contains'): Arbitrary<string> {
  const strings = values
    .filter((v): v is Extract<SearchValue, { kind: 'string' }> => v.kind === 'string')
    .map((v) => v.raw);
  if (!strings.length) return RANDOM_WORD.map(escapeValue);
  const fromData = fc.tuple(fc.constantFrom(...strings), fc.nat(), fc.nat(), fc.nat(8)).map(([raw, a, b, mode]) => {
    const chars = [...raw];
    switch (match) {
      case 'exact':
        // Mostly the value itself; sometimes another case or an accent-stripped form (no match).
        return mode < 6 ? raw : mode === 6 ? recase(raw, 1) : normalizeText(raw);
      case 'contains': {
        const start = a % chars.length;
        const length = 1 + (b % Math.min(6, chars.length - start));
        return recase(chars.slice(start, start + length).join(''), mode);
      }
      default: {
        const length = 1 + (a % chars.length);
        const prefix = chars.slice(0, length).join('');
        return mode === 7 ? normalizeText(prefix) : recase(prefix, mode);
      }
    }
  });
  return fc.oneof(
    { weight: 6, arbitrary: fromData.filter((s) => s.trim() !== '').map(escapeValue) },
    { weight: 1, arbitrary: RANDOM_WORD.map(escapeValue) },
  );
}

/** Token value forms: `code`, `system|code`, `|code`, `system|`. */
function tokenValue(
  values: SearchValue[],
  forms: Array<'code' | 'system|code' | '|code' | 'system|'> = ['code', 'system|code', '|code', 'system|'],
): Arbitrary<string> {
  // Without the `system|` form (composite components), every value names a code.
  const needCode = !forms.includes('system|');
  const tokens = values.filter(
    (v): v is Extract<SearchValue, { kind: 'token' }> =>
      v.kind === 'token' && (needCode ? v.code !== null && v.code !== '' : v.code !== null || v.system !== null),
  );
  const random = needCode
    ? fc.constantFrom('unknown-code', 'http://unknown.example|x', '|nope', 'male', 'true')
    : fc.constantFrom('unknown-code', 'http://unknown.example|x', '|nope', 'http://loinc.org|', 'male', 'true');
  if (!tokens.length) return random;
  const fromData = fc.tuple(fc.constantFrom(...tokens), fc.constantFrom(...forms)).map(([t, form]) => {
    const code = t.code ?? '';
    const system = t.system ?? '';
    switch (form) {
      case 'code':
        return code || `${system}|`;
      case 'system|code':
        return system ? `${system}|${code}` : code;
      case '|code':
        return `|${code}`;
      case 'system|':
        return system ? `${system}|` : `|${code}`;
    }
  });
  return fc.oneof(
    { weight: 8, arbitrary: fromData.filter((s) => s !== '' && s !== '|').map(escapeValue) },
    { weight: 1, arbitrary: random },
  );
}

function referenceValue(ctx: GenContext, p: ParamPool, values: SearchValue[]): Arbitrary<string> {
  const own = values.flatMap((v) => (v.kind === 'reference' && LOCAL.test(v.target) ? [v.target] : []));
  const targets = own.length
    ? own
    : valuesOfKind(p, 'reference')
        .map((v) => v.target)
        .filter((t) => LOCAL.test(t));
  const types = ((p.sp.target ?? []) as string[]).filter((t) => ctx.pools.types.includes(t));
  const someId = types.length
    ? fc.constantFrom(...types).chain((t) => fc.constantFrom(...ctx.pools.ids(t)).map((id) => `${t}/${id}`))
    : fc.constant('Patient/unknown');
  const target = targets.length
    ? fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...targets) }, { weight: 1, arbitrary: someId })
    : someId;
  return fc.tuple(target, fc.nat(5)).map(([t, form]) => {
    // A bare id names a resource of any of the parameter's target types.
    if (form === 0) return t.split('/')[1] as string;
    if (form === 1) return `${ctx.baseUrl}/${t}`;
    if (form === 2) return `${t.split('/')[0]}/does-not-exist`;
    return t;
  });
}

// Dates ---------------------------------------------------------------------------------------

const PREFIXES = ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'] as const;
type Precision = 'year' | 'month' | 'day' | 'minute' | 'second' | 'ms';
const PRECISIONS: Precision[] = ['year', 'month', 'day', 'day', 'minute', 'second', 'second', 'ms'];
const OFFSETS = [null, 0, -300, 60, 330, -720, 840];
const MIN_DATE = Date.UTC(1900, 0, 1);
const MAX_DATE = Date.UTC(2030, 0, 1);

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Renders instant `t` at a precision; times carry an offset (minutes) or none (UTC on the server). */
export function renderDate(t: number, precision: Precision, offset: number | null): string {
  const shifted = new Date(t + (offset ?? 0) * 60_000);
  const y = pad(shifted.getUTCFullYear(), 4);
  const mo = pad(shifted.getUTCMonth() + 1);
  const d = pad(shifted.getUTCDate());
  if (precision === 'year') return y;
  if (precision === 'month') return `${y}-${mo}`;
  const date = `${y}-${mo}-${d}`;
  if (precision === 'day') return date;
  const zone =
    offset === null
      ? ''
      : offset === 0
        ? 'Z'
        : `${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  let time = `${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}`;
  if (precision !== 'minute') time += `:${pad(shifted.getUTCSeconds())}`;
  if (precision === 'ms') time += `.${pad(shifted.getUTCMilliseconds(), 3)}`;
  return `${date}T${time}${zone}`;
}

function instantsOf(values: SearchValue[]): number[] {
  const out: number[] = [];
  for (const v of values) {
    if (v.kind !== 'date') continue;
    if (Number.isFinite(v.low)) out.push(v.low);
    if (Number.isFinite(v.high)) out.push(v.high);
  }
  return out;
}

function dateValue(values: SearchValue[], prefixes: readonly string[] = PREFIXES): Arbitrary<string> {
  const instants = instantsOf(values);
  const random = fc.integer({ min: MIN_DATE, max: MAX_DATE });
  const nudges = [0, 0, 0, 1, -1, 999, -1000, 86_400_000, -86_400_000];
  const instant = instants.length
    ? fc.oneof(
        {
          weight: 5,
          arbitrary: fc.tuple(fc.constantFrom(...instants), fc.constantFrom(...nudges)).map(([t, n]) => t + n),
        },
        { weight: 1, arbitrary: random },
      )
    : random;
  return fc
    .tuple(
      fc.constantFrom(...prefixes),
      instant,
      fc.constantFrom(...PRECISIONS),
      fc.constantFrom(...OFFSETS),
      fc.boolean(),
    )
    .map(
      ([prefix, t, precision, offset, explicitEq]) =>
        `${prefix === 'eq' && !explicitEq ? '' : prefix}${renderDate(t, precision, offset)}`,
    );
}

// Numbers -------------------------------------------------------------------------------------

/** Significant digits of a decimal text ("0.00120" → 3, "67.79766653198749" → 16). */
function significantDigits(text: string): number {
  const digits = text
    .replace(/[eE].*$/, '')
    .replace(/[^0-9]/g, '')
    .replace(/^0+/, '');
  return Math.max(1, digits.length);
}

function numberText(values: SearchValue[], avoid: ReadonlySet<KnownBug>): Arbitrary<string> {
  const numbers = values.flatMap((v) => (v.kind === 'number' || v.kind === 'quantity' ? [v.value] : []));
  const random = fc.oneof(
    fc.integer({ min: -5, max: 300 }).map(String),
    fc.integer({ min: 0, max: 100_000 }).map((n) => (n / 1000).toFixed(3)),
  );
  if (!numbers.length) return random;
  const fromData = fc.tuple(fc.constantFrom(...numbers), fc.nat(7)).map(([d, form]) => {
    const exact = decimalToString(d);
    const x = Number(exact);
    switch (form) {
      case 0:
        return exact;
      case 1:
        return exact.includes('.') ? `${exact}0` : `${exact}.0`;
      case 2:
        return x.toFixed(0);
      case 3:
        return x.toFixed(1);
      case 4:
        return x.toFixed(2);
      case 5:
        return x === 0 ? '0' : x.toExponential(2);
      case 6:
        return (x * 1.05).toFixed(2);
      default:
        return String(Math.round(x) + 1);
    }
  });
  const safe = avoid.has('number-precision')
    ? fromData.map((t) => (significantDigits(t) > 14 ? Number(t).toPrecision(12) : t))
    : fromData;
  return fc.oneof({ weight: 6, arbitrary: safe }, { weight: 1, arbitrary: random });
}

function numberValue(values: SearchValue[], avoid: ReadonlySet<KnownBug>): Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...PREFIXES), fc.boolean(), numberText(values, avoid))
    .map(([prefix, explicitEq, n]) => `${prefix === 'eq' && !explicitEq ? '' : prefix}${n}`);
}

function quantityValue(values: SearchValue[], avoid: ReadonlySet<KnownBug>): Arbitrary<string> {
  const units = values.flatMap((v) => (v.kind === 'quantity' && v.code ? [{ system: v.system, code: v.code }] : []));
  const unit = units.length
    ? fc.constantFrom(...units)
    : fc.constant({ system: 'http://unitsofmeasure.org', code: 'kg' });
  return fc.tuple(numberValue(values, avoid), unit, fc.nat(5)).map(([n, u, form]) => {
    if (form === 0) return n;
    if (form === 1) return `${n}||${u.code}`;
    if (form === 2) return `${n}|http://unitsofmeasure.org|not-a-unit`;
    return u.system ? `${n}|${u.system}|${u.code}` : `${n}||${u.code}`;
  });
}

// URIs ----------------------------------------------------------------------------------------

function uriValue(values: SearchValue[], modifier: 'exact' | 'below' | 'above'): Arbitrary<string> {
  const uris = values.flatMap((v) => (v.kind === 'uri' ? [v.value] : []));
  const random = fc.constantFrom('http://example.org/unknown', 'urn:oid:1.2.3', 'http://hl7.org/fhir');
  if (!uris.length) return random;
  const fromData = fc.tuple(fc.constantFrom(...uris), fc.nat(), fc.nat(3)).map(([uri, cut, extra]) => {
    if (modifier === 'exact') return uri;
    const slashes = [...uri.matchAll(/\//g)].map((m) => m.index as number).filter((i) => i > uri.indexOf('//') + 1);
    if (modifier === 'below') {
      // A '/'-ancestor of the value, or the value, or a sibling-ish prefix that is not a path.
      if (extra === 3) return uri.slice(0, Math.max(1, uri.length - 3));
      return slashes.length && extra > 0 ? uri.slice(0, slashes[cut % slashes.length]) : uri;
    }
    // :above: a descendant path of the value (matches), or the value, or a parent (no match).
    if (extra === 0) return uri;
    if (extra === 3 && slashes.length) return uri.slice(0, slashes[cut % slashes.length]);
    return `${uri}/child${extra === 2 ? '/grandchild' : ''}`;
  });
  return fc.oneof({ weight: 6, arbitrary: fromData }, { weight: 1, arbitrary: random });
}

// ---------------------------------------------------------------------------------------------
// Clause generators per feature. Each yields candidates (one per applicable parameter); a
// candidate makes a criterion from the values of an *anchor* resource when it has some (so that
// several criteria of one query tend to match the same resources), else from the whole data.

interface Candidate {
  /** The parameter whose values the criterion is made of (anchors are chosen among resources having some). */
  code: string | null;
  make: (anchor: Resource | undefined) => Arbitrary<Clause>;
}

type ClauseGen = (ctx: GenContext, type: string) => Candidate[];

const hasValues =
  (kind: SearchValue['kind']) =>
  (p: ParamPool): boolean =>
    p.values.some((v) => v.kind === kind);

/** The anchor's values of a parameter, or the pool's when the anchor has none. */
function anchored(ctx: GenContext, p: ParamPool, anchor: Resource | undefined): SearchValue[] {
  const own = anchor ? ctx.pools.model.values(p.type, p.code).get(anchor.id as string) : undefined;
  return own?.length ? own : p.values;
}

function perPool(
  ctx: GenContext,
  type: string,
  accept: (p: ParamPool) => boolean,
  make: (p: ParamPool, values: SearchValue[]) => Arbitrary<Clause>,
): Candidate[] {
  return ctx.pools
    .pools(type, accept)
    .map((p) => ({ code: p.code, make: (anchor) => make(p, anchored(ctx, p, anchor)) }));
}

function simpleClause(ctx: GenContext, key: string, one: Arbitrary<string>, feature: FeatureName): Arbitrary<Clause> {
  return orValues(ctx, one, [feature]).map(({ value, features }) => ({ key, value, features }));
}

const isType =
  (t: string) =>
  (p: ParamPool): boolean =>
    p.sp.type === t && !SPECIAL.has(p.code);
const isPeriod = (v: SearchValue): boolean => v.kind === 'date' && v.high - v.low > 86_400_000;

const GENERATORS: Record<FeatureName, ClauseGen | undefined> = {
  string: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('string')(p) && hasValues('string')(p),
      (p, vs) => simpleClause(ctx, p.code, stringValue(vs, 'prefix'), 'string'),
    ),
  'string-exact': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('string')(p) && hasValues('string')(p),
      (p, vs) => simpleClause(ctx, `${p.code}:exact`, stringValue(vs, 'exact'), 'string-exact'),
    ),
  'string-contains': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('string')(p) && hasValues('string')(p),
      (p, vs) => simpleClause(ctx, `${p.code}:contains`, stringValue(vs, 'contains'), 'string-contains'),
    ),
  token: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('token')(p) && hasValues('token')(p),
      (p, vs) => simpleClause(ctx, p.code, tokenValue(vs), 'token'),
    ),
  // :not excludes what it names: values of the whole data (not the anchor's) keep most queries non-empty.
  'token-not': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('token')(p) && hasValues('token')(p),
      (p) => simpleClause(ctx, `${p.code}:not`, tokenValue(p.values), 'token-not'),
    ),
  'token-text': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('token')(p) && valuesOfKind(p, 'token').some((t) => t.texts.some((x) => x.trim() !== '')),
      (p, vs) => {
        const own = vs.flatMap((v) => (v.kind === 'token' ? v.texts : [])).filter((t) => t.trim() !== '');
        const texts = [
          ...new Set(
            own.length
              ? own
              : valuesOfKind(p, 'token')
                  .flatMap((t) => t.texts)
                  .filter((t) => t.trim() !== ''),
          ),
        ];
        const word = fc.tuple(fc.constantFrom(...texts), fc.nat(), fc.nat(), fc.nat(3)).map(([text, w, len, mode]) => {
          const words = text.split(/\s+/).filter(Boolean);
          const chosen = words[w % words.length] ?? text;
          const rest = words.slice(w % words.length).join(' ');
          // A word prefix, or a phrase prefix spanning words.
          const base = mode === 3 ? rest : chosen;
          return recase([...base].slice(0, 1 + (len % [...base].length)).join(''), mode);
        });
        return simpleClause(
          ctx,
          `${p.code}:text`,
          fc.oneof(
            { weight: 6, arbitrary: word.map(escapeValue) },
            { weight: 1, arbitrary: RANDOM_WORD.map(escapeValue) },
          ),
          'token-text',
        );
      },
    ),
  'token-of-type': (ctx, type) =>
    perPool(ctx, type, hasValues('of-type'), (p, vs) => {
      const own = vs.filter((v): v is Extract<SearchValue, { kind: 'of-type' }> => v.kind === 'of-type');
      const ofType = own.length ? own : valuesOfKind(p, 'of-type');
      const one = fc
        .tuple(fc.constantFrom(...ofType), fc.nat(4))
        .map(([v, form]) => `${v.system ?? ''}|${v.code}|${form === 4 ? 'no-such-value' : v.value}`);
      return simpleClause(ctx, `${p.code}:of-type`, one.map(escapeValue), 'token-of-type');
    }),
  reference: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('reference')(p) && hasValues('reference')(p),
      (p, vs) => simpleClause(ctx, p.code, referenceValue(ctx, p, vs), 'reference'),
    ),
  'reference-type': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('reference')(p) && valuesOfKind(p, 'reference').some((v) => LOCAL.test(v.target)),
      (p, vs) => {
        const own = vs.flatMap((v) => (v.kind === 'reference' && LOCAL.test(v.target) ? [v.target] : []));
        const targets = own.length
          ? own
          : valuesOfKind(p, 'reference')
              .map((v) => v.target)
              .filter((t) => LOCAL.test(t));
        return fc.constantFrom(...targets).chain((t) => {
          const [targetType = '', id = ''] = t.split('/');
          return orValues(ctx, fc.constantFrom(id, id, id, 'unknown-id'), ['reference-type']).map(
            ({ value, features }) => ({ key: `${p.code}:${targetType}`, value, features }),
          );
        });
      },
    ),
  'reference-identifier': (ctx, type) =>
    perPool(ctx, type, hasValues('reference-identifier'), (p, vs) => {
      const own = vs.filter(
        (v): v is Extract<SearchValue, { kind: 'reference-identifier' }> => v.kind === 'reference-identifier',
      );
      const ids = own.length ? own : valuesOfKind(p, 'reference-identifier');
      const one = fc
        .tuple(fc.constantFrom(...ids), fc.nat(4))
        .map(([v, form]) =>
          form === 0
            ? v.value
            : form === 1 && v.system
              ? `${v.system}|`
              : form === 2
                ? `${v.system ?? ''}|no-such-value`
                : `${v.system ?? ''}|${v.value}`,
        );
      return simpleClause(ctx, `${p.code}:identifier`, one.map(escapeValue), 'reference-identifier');
    }),
  date: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('date')(p) && hasValues('date')(p),
      (p, vs) => simpleClause(ctx, p.code, dateValue(vs), 'date'),
    ),
  'date-period': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('date')(p) && p.values.some(isPeriod),
      (p, vs) => {
        const own = vs.filter(isPeriod);
        return simpleClause(ctx, p.code, dateValue(own.length ? own : p.values.filter(isPeriod)), 'date-period');
      },
    ),
  number: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('number')(p) && hasValues('number')(p),
      (p, vs) => simpleClause(ctx, p.code, numberValue(vs, ctx.avoid), 'number'),
    ),
  quantity: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => isType('quantity')(p) && hasValues('quantity')(p),
      (p, vs) => simpleClause(ctx, p.code, quantityValue(vs, ctx.avoid), 'quantity'),
    ),
  uri: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => p.sp.type === 'uri' && hasValues('uri')(p),
      (p, vs) => simpleClause(ctx, p.code, uriValue(vs, 'exact'), 'uri'),
    ),
  'uri-below': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => p.sp.type === 'uri' && hasValues('uri')(p),
      (p, vs) => simpleClause(ctx, `${p.code}:below`, uriValue(vs, 'below'), 'uri-below'),
    ),
  'uri-above': (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => p.sp.type === 'uri' && hasValues('uri')(p),
      (p, vs) => simpleClause(ctx, `${p.code}:above`, uriValue(vs, 'above'), 'uri-above'),
    ),
  composite: (ctx, type) =>
    perPool(
      ctx,
      type,
      (p) => p.sp.type === 'composite' && hasValues('composite')(p),
      (p, vs) => simpleClause(ctx, p.code, compositeValue(vs, ctx.avoid), 'composite'),
    ),
  id: (ctx, type) => {
    const ids = ctx.pools.ids(type);
    if (!ids.length) return [];
    const make = (anchor: Resource | undefined): Arbitrary<Clause> => {
      const own = anchor ? fc.constant(anchor.id as string) : fc.constantFrom(...ids);
      const one = fc.oneof(
        { weight: 4, arbitrary: own },
        { weight: 2, arbitrary: fc.constantFrom(...ids) },
        { weight: 1, arbitrary: fc.constant('no-such-id') },
      );
      return simpleClause(ctx, '_id', one, 'id');
    };
    return [{ code: null, make }];
  },
  lastUpdated: (ctx, type) => {
    const prefixes = ctx.avoid.has('mongo-lastUpdated-eq-ap')
      ? PREFIXES.filter((x) => x !== 'eq' && x !== 'ap')
      : PREFIXES;
    return perPool(
      ctx,
      type,
      (p) => p.code === '_lastUpdated',
      (_p, vs) => simpleClause(ctx, '_lastUpdated', dateValue(vs, prefixes), 'lastUpdated'),
    );
  },
  tag: (ctx, type) => specialToken(ctx, type, '_tag', 'tag'),
  security: (ctx, type) => specialToken(ctx, type, '_security', 'security'),
  profile: (ctx, type) => specialUri(ctx, type, '_profile', 'profile'),
  source: (ctx, type) => specialUri(ctx, type, '_source', 'source'),
  missing: (ctx, type) => {
    const pools = ctx.pools.pools(type, (p) => p.code !== '_lastUpdated');
    if (!pools.length) return [];
    // Parameters that some but not all resources have are the informative ones.
    const informative = pools.filter((p) => p.present > 0 && p.present < p.total);
    const make = (): Arbitrary<Clause> => {
      const pick = fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom(...(informative.length ? informative : pools)) },
        { weight: 1, arbitrary: fc.constantFrom(...pools) },
      );
      return fc.tuple(pick, fc.boolean()).map(([p, missing]) => ({
        key: `${p.code}:missing`,
        value: String(missing),
        features: ['missing'] as FeatureName[],
      }));
    };
    return [{ code: null, make }];
  },
  chain: (ctx, type) => chainClauses(ctx, type, 1),
  'chain-2': (ctx, type) => chainClauses(ctx, type, 2),
  has: (ctx, type) => hasClauses(ctx, type, false),
  'has-nested': (ctx, type) => hasClauses(ctx, type, true),
  or: undefined,
  and: undefined,
  sort: undefined,
  total: undefined,
};

const LOCAL = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]+$/;

function specialToken(ctx: GenContext, type: string, code: string, feature: FeatureName): Candidate[] {
  return perPool(
    ctx,
    type,
    (p) => p.code === code && hasValues('token')(p),
    (_p, vs) => simpleClause(ctx, code, tokenValue(vs, ['code', 'system|code', 'system|', '|code']), feature),
  );
}

function specialUri(ctx: GenContext, type: string, code: string, feature: FeatureName): Candidate[] {
  const modes: Array<'exact' | 'below' | 'above'> = ['exact'];
  if (ctx.enabled.has('uri-below')) modes.push('below');
  if (ctx.enabled.has('uri-above')) modes.push('above');
  return perPool(
    ctx,
    type,
    (p) => p.code === code && hasValues('uri')(p),
    (_p, vs) =>
      fc.constantFrom(...modes).chain((mode) =>
        orValues(ctx, uriValue(vs, mode), mode === 'exact' ? [feature] : [feature, `uri-${mode}` as FeatureName]).map(
          ({ value, features }) => ({
            key: mode === 'exact' ? code : `${code}:${mode}`,
            value,
            features,
          }),
        ),
      ),
  );
}

/** A composite value `a$b` built from one element's component values (sometimes a near miss). */
function compositeValue(values: SearchValue[], avoid: ReadonlySet<KnownBug>): Arbitrary<string> {
  const elements = values.filter((v): v is CompositeValue => v.kind === 'composite');
  return fc.constantFrom(...elements).chain((element) => {
    const parts = element.components.map((values, i) => {
      const kind = values[0]?.kind;
      if (i === 0 && kind === 'token') return tokenValue(values, ['code', 'system|code', '|code']);
      switch (kind) {
        case 'token':
          return tokenValue(values, ['code', 'system|code']);
        case 'quantity':
          return quantityValue(values, avoid);
        case 'number':
          return numberValue(values, avoid);
        case 'date':
          return dateValue(values);
        case 'string':
          return stringValue(values, 'prefix');
        case 'reference':
          return fc.constant((values[0] as { target: string }).target);
        default:
          return fc.constant('x');
      }
    });
    return fc.tuple(...parts).map((xs) => xs.join('$'));
  });
}

/** The end of a chain: a plain criterion on the target type, made from the target's own values when it has them. */
function chainEnd(ctx: GenContext, type: string, anchor: Resource | undefined): Arbitrary<Clause> | undefined {
  const kinds: FeatureName[] = ['string', 'token', 'date', 'reference', 'string-exact', 'token-text', 'quantity'];
  const candidates = kinds.filter((k) => ctx.enabled.has(k)).flatMap((k) => (GENERATORS[k] as ClauseGen)(ctx, type));
  if (!candidates.length) return undefined;
  const own = anchor
    ? candidates.filter(
        (c) => c.code !== null && (ctx.pools.model.values(type, c.code).get(anchor.id as string) ?? []).length > 0,
      )
    : [];
  return fc.constantFrom(...(own.length ? own : candidates)).chain((c) => c.make(anchor));
}

/** Reference parameters of `type` whose data points at resources of a loaded type: [param, target type]. */
function referenceLinks(ctx: GenContext, type: string): Array<{ code: string; target: string; sp: SearchParameter }> {
  const links: Array<{ code: string; target: string; sp: SearchParameter }> = [];
  for (const p of ctx.pools.pools(type, (x) => x.sp.type === 'reference' && !SPECIAL.has(x.code))) {
    const targets = new Set(valuesOfKind(p, 'reference').map((v) => v.target.split('/')[0] as string));
    for (const t of targets)
      if (ctx.pools.types.includes(t) && ((p.sp.target ?? []) as string[]).includes(t))
        links.push({ code: p.code, target: t, sp: p.sp });
  }
  return links;
}

/** The resources of `targetType` that `resource` refers to through `code` (an arbitrary over them), if any. */
function followed(
  ctx: GenContext,
  type: string,
  resource: Resource | undefined,
  code: string,
  targetType: string,
): Arbitrary<Resource | undefined> {
  const keys = resource
    ? (ctx.pools.model.values(type, code).get(resource.id as string) ?? []).flatMap((v) =>
        v.kind === 'reference' && v.target.startsWith(`${targetType}/`) && ctx.pools.model.byKey.has(v.target)
          ? [v.target]
          : [],
      )
    : [];
  return keys.length ? fc.constantFrom(...keys).map((k) => ctx.pools.model.byKey.get(k)) : fc.constant(undefined);
}

function chainClauses(ctx: GenContext, type: string, depth: 1 | 2): Candidate[] {
  const feature: FeatureName = depth === 1 ? 'chain' : 'chain-2';
  return referenceLinks(ctx, type).flatMap(({ code, target, sp }): Candidate[] => {
    // `subject:Patient.x` names the type; `subject.x` leaves it to the server (one target type).
    const head = (sp.target ?? []).length === 1 ? code : `${code}:${target}`;
    if (depth === 1) {
      if (!chainEnd(ctx, target, undefined)) return [];
      const make = (anchor: Resource | undefined): Arbitrary<Clause> =>
        followed(ctx, type, anchor, code, target).chain((t) =>
          (chainEnd(ctx, target, t) as Arbitrary<Clause>).map((c) => ({
            key: `${head}.${c.key}`,
            value: c.value,
            features: [feature, ...c.features],
          })),
        );
      return [{ code, make }];
    }
    return referenceLinks(ctx, target).flatMap((second): Candidate[] => {
      if (!chainEnd(ctx, second.target, undefined)) return [];
      const secondHead = `${second.code}:${second.target}`;
      const make = (anchor: Resource | undefined): Arbitrary<Clause> =>
        followed(ctx, type, anchor, code, target).chain((t1) =>
          followed(ctx, target, t1, second.code, second.target).chain((t2) =>
            (chainEnd(ctx, second.target, t2) as Arbitrary<Clause>).map((c) => ({
              key: `${head}.${secondHead}.${c.key}`,
              value: c.value,
              features: [feature, ...c.features],
            })),
          ),
        );
      return [{ code, make }];
    });
  });
}

const reverseIndex = new WeakMap<Pools, Map<string, Map<string, string[]>>>();

/** The `Source/id`s whose `code` refers to `target` (`Type/id`). */
function referrers(ctx: GenContext, source: string, code: string, target: string): string[] {
  let bySourceParam = reverseIndex.get(ctx.pools);
  if (!bySourceParam) reverseIndex.set(ctx.pools, (bySourceParam = new Map()));
  let map = bySourceParam.get(`${source}.${code}`);
  if (!map) {
    map = new Map();
    for (const [id, values] of ctx.pools.model.values(source, code)) {
      for (const v of values)
        if (v.kind === 'reference') map.set(v.target, [...(map.get(v.target) ?? []), `${source}/${id}`]);
    }
    bySourceParam.set(`${source}.${code}`, map);
  }
  return map.get(target) ?? [];
}

function referrer(
  ctx: GenContext,
  source: string,
  code: string,
  anchor: Resource | undefined,
): Arbitrary<Resource | undefined> {
  const keys = anchor ? referrers(ctx, source, code, `${anchor.resourceType}/${anchor.id}`) : [];
  return keys.length ? fc.constantFrom(...keys).map((k) => ctx.pools.model.byKey.get(k)) : fc.constant(undefined);
}

/** `_has:Source:param:criterion`: Source resources whose `param` refers to `type` (nested: two levels). */
function hasClauses(ctx: GenContext, type: string, nested: boolean): Candidate[] {
  const out: Candidate[] = [];
  for (const source of ctx.pools.types) {
    for (const link of referenceLinks(ctx, source)) {
      if (link.target !== type) continue;
      const prefix = `_has:${source}:${link.code}:`;
      if (!nested) {
        if (!chainEnd(ctx, source, undefined)) continue;
        const make = (anchor: Resource | undefined): Arbitrary<Clause> =>
          referrer(ctx, source, link.code, anchor).chain((s) =>
            (chainEnd(ctx, source, s) as Arbitrary<Clause>).map((c) => ({
              key: prefix + c.key,
              value: c.value,
              features: ['has' as FeatureName, ...c.features],
            })),
          );
        out.push({ code: null, make });
      } else {
        for (const inner of hasClauses(ctx, source, false)) {
          const make = (anchor: Resource | undefined): Arbitrary<Clause> =>
            referrer(ctx, source, link.code, anchor).chain((s) =>
              inner.make(s).map((c) => ({
                key: prefix + c.key,
                value: c.value,
                features: ['has-nested' as FeatureName, ...c.features.filter((f) => f !== 'has')],
              })),
            );
          out.push({ code: null, make });
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sorting

const SORTABLE = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);

function sortArb(ctx: GenContext, type: string): Arbitrary<string> {
  const codes = [
    '_id',
    '_lastUpdated',
    ...ctx.pools
      .pools(type, (p) => SORTABLE.has(p.sp.type as string) && p.present > 0 && p.code !== '_lastUpdated')
      .map((p) => p.code),
  ];
  const key = fc.tuple(fc.constantFrom(...codes), fc.boolean()).map(([code, desc]) => `${desc ? '-' : ''}${code}`);
  return fc
    .uniqueArray(key, { minLength: 1, maxLength: 3, selector: (k) => k.replace(/^-/, '') })
    .map((keys) => keys.join(','));
}

// ---------------------------------------------------------------------------------------------
// The query generator

/**
 * A search over one resource type: a criterion of a chosen feature, up to two more criteria
 * (AND: often the same parameter again, e.g. a date range), optional `_sort`, a page split and
 * optionally `_total`. Criteria are made from the values of one anchor resource where they can be.
 */
export function queryArbitrary(ctx: GenContext): Arbitrary<GeneratedQuery> {
  const features = CLAUSE_FEATURES.filter((f) => ctx.enabled.has(f));
  const byFeature = new Map<FeatureName, Array<{ type: string; candidates: Candidate[] }>>();
  for (const f of features) {
    const entries = ctx.pools.types
      .map((type) => ({ type, candidates: (GENERATORS[f] as ClauseGen)(ctx, type) }))
      .filter((e) => e.candidates.length > 0);
    if (entries.length) byFeature.set(f, entries);
  }
  const usable = [...byFeature.keys()];
  if (!usable.length) throw new Error('no feature has data to generate queries from');
  const anchorsOf = (type: string, code: string | null): string[] => {
    const all = ctx.pools.ids(type);
    if (code === null) return all;
    const values = ctx.pools.model.values(type, code);
    const having = all.filter((id) => (values.get(id) ?? []).length > 0);
    return having.length ? having : all;
  };
  return fc.constantFrom(...usable).chain((feature) => {
    const entries = byFeature.get(feature) as Array<{ type: string; candidates: Candidate[] }>;
    return fc.constantFrom(...entries).chain(({ type, candidates }) =>
      fc.constantFrom(...candidates).chain((candidate) =>
        fc.constantFrom(...anchorsOf(type, candidate.code)).chain((anchorId) => {
          const anchor = ctx.pools.model.byKey.get(`${type}/${anchorId}`);
          const main = candidate.make(anchor);
          const others = usable.flatMap((f) => byFeature.get(f)?.find((e) => e.type === type)?.candidates ?? []);
          const anchorHas = (c: Candidate): boolean =>
            c.code === null || (ctx.pools.model.values(type, c.code).get(anchorId) ?? []).length > 0;
          const related = others.filter(anchorHas);
          const extra = ctx.enabled.has('and')
            ? fc.oneof(
                { weight: 3, arbitrary: fc.constant([] as Clause[]) },
                {
                  weight: 3,
                  arbitrary: fc.array(
                    fc.constantFrom(...(related.length ? related : others)).chain((c) => c.make(anchor)),
                    { minLength: 1, maxLength: 2 },
                  ),
                },
                // The same parameter twice (repeated parameter = AND), e.g. birthdate=ge..&birthdate=le..
                { weight: 2, arbitrary: main.map((c) => [c]) },
              )
            : fc.constant([] as Clause[]);
          // About a third of the queries are sorted (sorting every match is what costs most).
          const sort = ctx.enabled.has('sort')
            ? fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: sortArb(ctx, type) })
            : fc.constant(null);
          const total = ctx.enabled.has('total') ? fc.boolean() : fc.constant(false);
          return fc
            .record({ first: main, more: extra, sort, pages: fc.integer({ min: 1, max: 5 }), total })
            .map(({ first, more, sort, pages, total }) => {
              const clauses = [first, ...more];
              const params: Array<[string, string]> = clauses.map((c) => [c.key, c.value]);
              const used = new Set<FeatureName>(clauses.flatMap((c) => c.features));
              if (clauses.length > 1) used.add('and');
              if (sort) {
                params.push(['_sort', sort]);
                used.add('sort');
              }
              if (total) used.add('total');
              return { query: { resourceType: type, params }, features: [...used], pages, total };
            });
        }),
      ),
    );
  });
}

/** The URL query string of a generated query plus the runner's paging parameters. */
export function queryString(query: OracleQuery, extra: Array<[string, string]> = []): string {
  const params = new URLSearchParams();
  for (const [k, v] of [...query.params, ...extra]) params.append(k, v);
  return params.toString();
}
