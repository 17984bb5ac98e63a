/**
 * Exact decimals for the reference evaluator: number and quantity searches are defined on the
 * decimal text ("100" means [99.5, 100.5)), so the oracle compares without binary floating point.
 * A value is `digits / 10^scale`.
 */
export interface Decimal {
  digits: bigint;
  scale: number;
}

const PATTERN = /^([+-]?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text ("12", "-0.50", "1.5e3"); undefined when it is not a number. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = PATTERN.exec(text);
  if (!m) return undefined;
  const [, sign, whole, fraction = '', exponent = '0'] = m;
  let digits = BigInt(`${whole}${fraction}`);
  if (sign === '-') digits = -digits;
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return { digits, scale };
}

/** The exact decimal a JSON number denotes (its shortest round-trip text, as JSON would print it). */
export function decimalOfNumber(value: number): Decimal {
  return parseDecimal(String(value)) as Decimal;
}

/**
 * The number of decimal places the text was given with, counting an exponent: "100" → 0,
 * "100.00" → 2, "1e2" → 0, "1.0e-1" → 2. Precision of a search value: [v - ½·10^-p, v + ½·10^-p).
 */
export function decimalPlaces(text: string): number {
  const m = PATTERN.exec(text);
  if (!m) throw new Error(`not a decimal: ${text}`);
  return (m[3]?.length ?? 0) - Number(m[4] ?? '0');
}

function align(a: Decimal, b: Decimal): [bigint, bigint] {
  const scale = Math.max(a.scale, b.scale);
  return [a.digits * 10n ** BigInt(scale - a.scale), b.digits * 10n ** BigInt(scale - b.scale)];
}

export function compareDecimal(a: Decimal, b: Decimal): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const [x, y] = align(a, b);
  return { digits: x + y, scale: Math.max(a.scale, b.scale) };
}

export function negateDecimal(a: Decimal): Decimal {
  return { digits: -a.digits, scale: a.scale };
}

/** ½ · 10^-places (places may be negative: "1e2" has places -2, so half is 50). */
export function halfUnit(places: number): Decimal {
  return places >= 0 ? { digits: 5n, scale: places + 1 } : { digits: 5n * 10n ** BigInt(-places - 1), scale: 0 };
}

/** |a| / 10, exactly. */
export function tenthOfAbs(a: Decimal): Decimal {
  return { digits: a.digits < 0n ? -a.digits : a.digits, scale: a.scale + 1 };
}

export function minDecimal(a: Decimal, b: Decimal): Decimal {
  return compareDecimal(a, b) <= 0 ? a : b;
}

export function maxDecimal(a: Decimal, b: Decimal): Decimal {
  return compareDecimal(a, b) >= 0 ? a : b;
}

export function decimalToString(a: Decimal): string {
  const negative = a.digits < 0n;
  let text = (negative ? -a.digits : a.digits).toString().padStart(a.scale + 1, '0');
  if (a.scale > 0) text = `${text.slice(0, -a.scale)}.${text.slice(-a.scale)}`;
  return negative ? `-${text}` : text;
}
