import { badRequest } from '../outcomes.ts';
import { dateRange, normalizeString } from './normalize.ts';
import type {
  DateCondition,
  DatePrefix,
  NumberCondition,
  QuantityCondition,
  StringCondition,
  TokenCondition,
  UriCondition,
} from './search-request.ts';

/** Parsers for single search values (one alternative of a comma-separated list), per parameter type. */

const PREFIXES = new Set<DatePrefix>(['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap']);

/** Commas separate alternatives; `\,` is a literal comma. */
export function splitValues(value: string): string[] {
  const parts = value.split(/(?<!\\),/).map((v) => v.replace(/\\,/g, ','));
  return parts.filter((v) => v !== '');
}

function splitPrefix(value: string): [DatePrefix, string] {
  const head = value.slice(0, 2) as DatePrefix;
  return PREFIXES.has(head) && value.length > 2 && !/^[a-z]/.test(value.slice(2))
    ? [head, value.slice(2)]
    : ['eq', value];
}

export function parseDate(key: string, value: string): DateCondition {
  const [prefix, text] = splitPrefix(value);
  const range = dateRange(text);
  if (!range) throw badRequest(`Invalid date '${value}' in '${key}'`, key);
  return { prefix, ...range };
}

export function parseString(match: StringCondition['match'], value: string): StringCondition {
  return { match, value: match === 'exact' ? value : normalizeString(value) };
}

export function parseToken(value: string): TokenCondition {
  const bar = value.indexOf('|');
  if (bar < 0) return { code: value };
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (!system) return { system: null, code };
  return code ? { system, code } : { system };
}

/** `:of-type=system|code|value`: the identifier type's system|code, then the identifier value. */
export function parseOfType(key: string, value: string): TokenCondition {
  const parts = value.split('|');
  if (parts.length !== 3 || !parts[1] || !parts[2])
    throw badRequest(`'${key}' takes type-system|type-code|value, got '${value}'`, key);
  return { system: `${parts[0]}|${parts[1]}`, code: parts[2] };
}

export function parseUri(modifier: 'exact' | 'below' | 'above', value: string): UriCondition[] {
  if (modifier === 'below') return [{ match: 'below', value: value.replace(/\/+$/, '') }];
  if (modifier === 'exact') return [{ match: 'exact', value }];
  // :above: the value itself and every ancestor path (`http://a/b/c` → `http://a/b`, `http://a`).
  const conditions: UriCondition[] = [{ match: 'exact', value }];
  let rest = value.replace(/\/+$/, '');
  for (let cut = rest.lastIndexOf('/'); cut > 0 && !rest.slice(0, cut).endsWith('/'); cut = rest.lastIndexOf('/')) {
    rest = rest.slice(0, cut);
    conditions.push({ match: 'exact', value: rest });
  }
  return conditions;
}

const NUMBER_PATTERN = /^([-+]?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/**
 * A number with the range its precision implies: "100" → [99.5, 100.5), "5.40" → [5.395, 5.405).
 * The bounds are computed exactly on the decimal digits and converted to a double only at the end,
 * so that a value with 17 significant digits still contains itself.
 */
export function parseNumber(key: string, value: string): NumberCondition {
  const [prefix, text] = splitPrefix(value);
  const m = NUMBER_PATTERN.exec(text);
  if (!m) throw badRequest(`Invalid number '${value}' in '${key}'`, key);
  const number = Number(text);
  if (!Number.isFinite(number)) throw badRequest(`Number out of range '${value}' in '${key}'`, key);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = m;
  // value = digits × 10^-scale; the precision range is value ± 5 × 10^-(scale+1).
  const digits = BigInt(`${sign}${whole}${fraction}`) * 10n;
  const scale = fraction.length - Number(exponent) + 1;
  let low = scaledToNumber(digits - 5n, scale);
  // A value with more digits than a double holds has bounds that round onto the value itself; the
  // range is half-open, so the upper bound must stay above it.
  let high = Math.max(scaledToNumber(digits + 5n, scale), nextUp(number));
  if (prefix === 'ap') {
    // Approximately: within 10% of the value (and never narrower than its precision).
    const tenth = Math.abs(number) / 10;
    low = Math.min(low, number - tenth);
    high = Math.max(high, number + tenth);
  }
  return { prefix, value: number, low, high };
}

/** The smallest double greater than x. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigInt64(0);
  view.setBigInt64(0, x > 0 ? bits + 1n : bits - 1n);
  return view.getFloat64(0);
}

/** `n × 10^-scale` as the nearest double, through its exact decimal text. */
function scaledToNumber(n: bigint, scale: number): number {
  if (scale <= 0) return Number(`${n}e${-scale}`);
  const negative = n < 0n;
  const text = (negative ? -n : n).toString().padStart(scale + 1, '0');
  return Number(`${negative ? '-' : ''}${text.slice(0, -scale)}.${text.slice(-scale)}`);
}

/** `[prefix]number|system|code` or `[prefix]number||code` or `[prefix]number`. */
export function parseQuantity(key: string, value: string): QuantityCondition {
  const [number = '', system, code, ...extra] = value.split('|');
  if (extra.length) throw badRequest(`Invalid quantity '${value}' in '${key}'`, key);
  const condition: QuantityCondition = parseNumber(key, number);
  if (system) condition.system = system;
  if (code) condition.code = code;
  if (system && !code) throw badRequest(`A quantity with a system needs a code: '${value}' in '${key}'`, key);
  return condition;
}
