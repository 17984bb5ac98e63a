import type { SearchParameter } from '@medplum/fhirtypes';
import { isKnownResourceType, searchParametersFor } from '../definitions.ts';
import { badRequest, notSupported } from '../outcomes.ts';
import { compositeShape, tokenKeys } from './composite-index.ts';
import { words } from './content-index.ts';
import type { IndexKind } from './index-rows.ts';
import { localReference } from './index-values.ts';
import {
  parseDate,
  parseNumber,
  parseOfType,
  parseQuantity,
  parseString,
  parseToken,
  parseUri,
  splitValues,
} from './parse-values.ts';
import type { SearchFilter, TokenCondition } from './search-request.ts';
import { expandValueSet } from './value-sets.ts';

/**
 * Parses one `key=value` search criterion into a filter, including modifiers, chains
 * (`subject:Patient.name=x`) and reverse chains (`_has:Observation:patient:code=x`).
 * Returns undefined for an unknown parameter (the caller decides: error or ignore).
 */
export interface FilterContext {
  baseUrl: string;
  maxOrValues: number;
  /** Most links in a chain or nested `_has` (each link is a join). */
  maxChainDepth: number;
}

/** Parameter types the engines answer. */
const SEARCHABLE_TYPES = new Set(['string', 'token', 'reference', 'date', 'uri', 'number', 'quantity', 'composite']);

/** Every search parameter of a type the parser accepts (for the CapabilityStatement). */
export function isSearchable(sp: SearchParameter): boolean {
  return SEARCHABLE_TYPES.has(sp.type as string) && (sp.type !== 'composite' || compositeShape(sp) !== undefined);
}

export function parseFilter(
  type: string,
  key: string,
  value: string,
  ctx: FilterContext,
  depth = 0,
): SearchFilter | undefined {
  if (depth > ctx.maxChainDepth)
    throw badRequest(`'${key.slice(0, 200)}' chains more than ${ctx.maxChainDepth} links`, key.slice(0, 200));
  if (key.startsWith('_has:')) return parseHas(type, key, value, ctx, depth);
  const dot = key.indexOf('.');
  if (dot >= 0) return parseChain(type, key, dot, value, ctx, depth);
  const [code = '', modifier, ...extra] = key.split(':');
  if (extra.length) throw badRequest(`Invalid parameter name '${key}'`, key);
  const values = splitValues(value);
  if (values.length > ctx.maxOrValues)
    throw badRequest(`At most ${ctx.maxOrValues} values are allowed in '${key}'`, key);
  if (values.length === 0) throw badRequest(`'${key}' has no value`, key);
  const special = parseSpecial(code, modifier, key, values);
  if (special !== undefined) return special;
  const sp = searchParametersFor(type).get(code);
  if (!sp || !isSearchable(sp)) return undefined;
  if (modifier === 'missing') return parseMissing(sp, code, key, values);
  switch (sp.type) {
    case 'string':
      return parseStringFilter(code, key, modifier, values);
    case 'token':
      return parseTokenFilter(code, key, modifier, values);
    case 'reference':
      return parseReferenceFilter(sp, code, key, modifier, values, ctx.baseUrl);
    case 'date':
      noModifier(key, modifier);
      return { kind: 'date', param: code, any: values.map((v) => parseDate(key, v)) };
    case 'number':
      noModifier(key, modifier);
      return { kind: 'number', param: code, any: values.map((v) => parseNumber(key, v)) };
    case 'quantity':
      noModifier(key, modifier);
      return { kind: 'quantity', param: code, any: values.map((v) => parseQuantity(key, v)) };
    case 'uri':
      return parseUriFilter(code, key, modifier, values);
    case 'composite':
      noModifier(key, modifier);
      return parseComposite(sp, code, key, values, ctx.baseUrl);
  }
  return undefined;
}

function noModifier(key: string, modifier: string | undefined): void {
  if (modifier !== undefined) throw notSupported(`The modifier in '${key}' is not supported`, key);
}

/** `_id`, `_lastUpdated`, `_text`, `_content`: not SearchParameters with expressions. */
function parseSpecial(
  code: string,
  modifier: string | undefined,
  key: string,
  values: string[],
): SearchFilter | undefined {
  if (code === '_id') {
    if (modifier === 'missing')
      return missingFlag(key, values) ? { kind: 'id', ids: [] } : { kind: 'and', filters: [] };
    noModifier(key, modifier);
    return { kind: 'id', ids: values };
  }
  if (code === '_lastUpdated') {
    if (modifier === 'missing')
      return missingFlag(key, values) ? { kind: 'id', ids: [] } : { kind: 'and', filters: [] };
    noModifier(key, modifier);
    return { kind: 'lastUpdated', any: values.map((v) => parseDate(key, v)) };
  }
  if (code === '_text' || code === '_content') {
    if (modifier === 'missing')
      return { kind: 'missing', index: 'string', param: code, missing: missingFlag(key, values) };
    noModifier(key, modifier);
    // Each value is a phrase whose words must all start words of the text; commas separate phrases.
    const phrases = values.map((v): SearchFilter => {
      const ws = words(v);
      if (!ws.length) throw badRequest(`'${key}' needs at least one word (letters or digits)`, key);
      return {
        kind: 'and',
        filters: ws.map((w) => ({ kind: 'string', param: code, any: [{ match: 'prefix', value: w }] })),
      };
    });
    return phrases.length === 1 ? phrases[0] : { kind: 'or', filters: phrases };
  }
  return undefined;
}

function missingFlag(key: string, values: string[]): boolean {
  if (values.length !== 1 || (values[0] !== 'true' && values[0] !== 'false'))
    throw badRequest(`'${key}' takes true or false`, key);
  return values[0] === 'true';
}

function parseMissing(sp: SearchParameter, code: string, key: string, values: string[]): SearchFilter {
  const missing = missingFlag(key, values);
  // Composite parameters keep one marker token row under their own name (composite-index.ts).
  const index = (sp.type === 'composite' ? 'token' : sp.type) as IndexKind;
  return { kind: 'missing', index, param: code, missing };
}

function parseStringFilter(code: string, key: string, modifier: string | undefined, values: string[]): SearchFilter {
  if (modifier !== undefined && modifier !== 'exact' && modifier !== 'contains') noModifier(key, modifier);
  const match = (modifier ?? 'prefix') as 'prefix' | 'exact' | 'contains';
  return { kind: 'string', param: code, any: values.map((v) => parseString(match, v)) };
}

function parseTokenFilter(code: string, key: string, modifier: string | undefined, values: string[]): SearchFilter {
  switch (modifier) {
    case undefined:
      return { kind: 'token', param: code, any: values.map(parseToken) };
    case 'not':
      return { kind: 'not', filter: { kind: 'token', param: code, any: values.map(parseToken) } };
    case 'text':
      return { kind: 'token', param: code, any: values.map((v) => ({ text: parseString('prefix', v).value })) };
    case 'of-type':
      return { kind: 'token', param: `${code}:of-type`, any: values.map((v) => parseOfType(key, v)) };
    case 'in':
      return { kind: 'token', param: code, any: values.flatMap((v) => valueSetCodes(key, v)) };
    case 'not-in':
      return { kind: 'not', filter: { kind: 'token', param: code, any: values.flatMap((v) => valueSetCodes(key, v)) } };
    default:
      return noModifier(key, modifier) as never;
  }
}

function valueSetCodes(key: string, url: string): TokenCondition[] {
  const codes = expandValueSet(url);
  if (!codes)
    throw notSupported(
      `'${key}': the ValueSet ${url.slice(0, 200)} has no local expansion (unknown, filtered, or larger than allowed)`,
      key,
    );
  // Elements of type `code` (Patient.gender, ...) are indexed without a system, which their
  // binding implies; such rows match by code alone.
  return codes.flatMap(({ system, code }): TokenCondition[] => [
    { system, code },
    { system: null, code },
  ]);
}

function parseUriFilter(code: string, key: string, modifier: string | undefined, values: string[]): SearchFilter {
  if (modifier !== undefined && modifier !== 'below' && modifier !== 'above') noModifier(key, modifier);
  const mode = (modifier ?? 'exact') as 'exact' | 'below' | 'above';
  return { kind: 'uri', param: code, any: values.flatMap((v) => parseUri(mode, v)) };
}

function parseReferenceFilter(
  sp: SearchParameter,
  code: string,
  key: string,
  modifier: string | undefined,
  values: string[],
  baseUrl: string,
): SearchFilter {
  if (modifier === 'identifier') return { kind: 'token', param: `${code}:identifier`, any: values.map(parseToken) };
  const targets = (sp.target ?? []) as string[];
  if (modifier !== undefined && !targets.includes(modifier)) {
    throw badRequest(`'${modifier}' is not a target type of search parameter '${sp.code}'`, key);
  }
  const any = values.flatMap((value) => {
    const ref = localReference(value, baseUrl);
    if (ref.includes('/') || ref.includes(':')) return [{ target: ref }];
    // A bare id: the target types tell which resources it may name.
    const types = modifier ? [modifier] : targets;
    return types.map((t) => ({ target: `${t}/${ref}` }));
  });
  return { kind: 'reference', param: code, any };
}

/** `code-value-quantity=http://loinc.org|8480-6$gt100`: see composite-index.ts for the row layout. */
function parseComposite(
  sp: SearchParameter,
  code: string,
  key: string,
  values: string[],
  baseUrl: string,
): SearchFilter {
  const shape = compositeShape(sp);
  if (!shape) throw notSupported(`Composite parameter '${code}' is not supported`, key);
  const filters = values.map((value): SearchFilter => {
    const cut = value.indexOf('$');
    if (cut < 0) throw badRequest(`'${key}' takes two components separated by '$', got '${value}'`, key);
    const [first, second] = [value.slice(0, cut), value.slice(cut + 1)];
    const param = `${code}$${firstKey(shape.first, first, key, baseUrl)}`;
    const inner = parseComponent(shape.second, param, key, second);
    return inner;
  });
  return filters.length === 1 ? (filters[0] as SearchFilter) : { kind: 'or', filters };
}

function firstKey(kind: 'token' | 'reference', value: string, key: string, baseUrl: string): string {
  if (kind === 'reference') return localReference(value, baseUrl);
  const token = parseToken(value);
  if ('text' in token || token.code === undefined)
    throw notSupported(`'${key}' needs a code in its first component`, key);
  if (token.system === undefined) return `*|${token.code}`;
  return tokenKeys(token.system, token.code)[0] as string;
}

function parseComponent(kind: IndexKind, param: string, key: string, value: string): SearchFilter {
  switch (kind) {
    case 'token':
      return { kind: 'token', param, any: [parseToken(value)] };
    case 'quantity':
      return { kind: 'quantity', param, any: [parseQuantity(key, value)] };
    case 'number':
      return { kind: 'number', param, any: [parseNumber(key, value)] };
    case 'date':
      return { kind: 'date', param, any: [parseDate(key, value)] };
    case 'string':
      return { kind: 'string', param, any: [parseString('prefix', value)] };
    case 'uri':
      return { kind: 'uri', param, any: [{ match: 'exact', value }] };
    case 'reference':
      return { kind: 'reference', param, any: [{ target: value }] };
  }
}

/** `subject:Patient.name=x`, `subject.organization.name=x`: each link a reference parameter. */
function parseChain(
  type: string,
  key: string,
  dot: number,
  value: string,
  ctx: FilterContext,
  depth: number,
): SearchFilter | undefined {
  const link = key.slice(0, dot);
  const rest = key.slice(dot + 1);
  const [code = '', targetType, ...extra] = link.split(':');
  const sp = searchParametersFor(type).get(code);
  if (!sp) return undefined;
  if (sp.type !== 'reference' || extra.length)
    throw badRequest(`'${link}' in '${key}' is not a reference parameter that can be chained`, key);
  const allowed = (sp.target ?? []) as string[];
  if (targetType !== undefined && !allowed.includes(targetType)) {
    throw badRequest(`'${targetType}' is not a target type of search parameter '${code}'`, key);
  }
  const candidates = targetType ? [targetType] : allowed.filter(isKnownResourceType);
  const targets = [];
  for (const target of candidates) {
    const inner = parseFilter(target, rest, value, ctx, depth + 1);
    if (inner) targets.push({ type: target, filters: [inner] });
  }
  if (!targets.length) return undefined;
  return { kind: 'chain', param: code, targets };
}

/** `_has:Observation:patient:code=x` (and nested `_has:...:_has:...`). */
function parseHas(
  type: string,
  key: string,
  value: string,
  ctx: FilterContext,
  depth: number,
): SearchFilter | undefined {
  const m = /^_has:([A-Za-z]+):([A-Za-z0-9\-_]+):(.+)$/.exec(key);
  if (!m) throw badRequest(`'${key.slice(0, 200)}' must be _has:Type:reference-parameter:parameter`, key.slice(0, 200));
  const [, sourceType = '', param = '', rest = ''] = m;
  if (!isKnownResourceType(sourceType)) throw badRequest(`Unknown resource type '${sourceType}' in '${key}'`, key);
  const sp = searchParametersFor(sourceType).get(param);
  if (!sp || sp.type !== 'reference') throw badRequest(`'${param}' is not a reference parameter of ${sourceType}`, key);
  if (!((sp.target ?? []) as string[]).includes(type))
    throw badRequest(`${sourceType}.${param} cannot refer to ${type}`, key);
  const inner = parseFilter(sourceType, rest, value, ctx, depth + 1);
  if (!inner) return undefined;
  return { kind: 'has', sourceType, param, filters: [inner] };
}
