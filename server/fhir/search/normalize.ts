import { MAX_INSTANT, MIN_INSTANT } from './index-rows.ts';

/** Lower case without diacritics, the form string search values are compared in ("Zoë" → "zoe"). */
export function normalizeString(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();
}

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The closed range of instants a FHIR date, dateTime or instant denotes, given its precision:
 * "2020" is all of 2020, "2020-03-04T10:00" is that whole minute. Values without a time zone are
 * taken as UTC (FHIR leaves them to the server). Returns undefined for text that is not a date.
 */
export function dateRange(value: string): { low: string; high: string } | undefined {
  const m = DATE_PATTERN.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  const month = mo ? Number(mo) : undefined;
  const day = d ? Number(d) : undefined;
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysInMonth(year, month ?? 1))) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  const offsetMs = tz && tz !== 'Z' ? offsetMillis(tz) : 0;
  const start = Date.UTC(
    year,
    (month ?? 1) - 1,
    day ?? 1,
    Number(h ?? 0),
    Number(mi ?? 0),
    Number(s ?? 0),
    fracMillis(frac),
  );
  const end = endOfPrecision(start, { month, day, hour: h, second: s, frac });
  return { low: toInstant(start - offsetMs), high: toInstant(end - offsetMs) };
}

function endOfPrecision(
  start: number,
  p: { month?: number; day?: number; hour?: string; second?: string; frac?: string },
): number {
  const date = new Date(start);
  if (p.month === undefined) return Date.UTC(date.getUTCFullYear() + 1, 0, 1) - 1;
  if (p.day === undefined) return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1) - 1;
  if (p.hour === undefined) return start + 86_400_000 - 1;
  if (p.second === undefined) return start + 60_000 - 1;
  if (p.frac === undefined) return start + 999;
  return start + Math.max(0, 10 ** Math.max(0, 3 - p.frac.length) - 1);
}

function fracMillis(frac: string | undefined): number {
  return frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
}

function offsetMillis(tz: string): number {
  const sign = tz.startsWith('-') ? -1 : 1;
  return sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function toInstant(ms: number): string {
  if (ms < Date.parse(MIN_INSTANT)) return MIN_INSTANT;
  if (ms > Date.parse(MAX_INSTANT)) return MAX_INSTANT;
  return new Date(ms).toISOString();
}
