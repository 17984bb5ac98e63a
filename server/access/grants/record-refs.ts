import type { Period } from '@medplum/fhirtypes';
import { dateRange } from '../../fhir/search/normalize.ts';

/** The id of a relative reference `Type/id` of the expected type, else undefined. */
export function localId(reference: unknown, type: string): string | undefined {
  const match = typeof reference === 'string' ? /^([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(reference) : null;
  return match && match[1] === type ? match[2] : undefined;
}

/**
 * Whether `now` lies within a FHIR Period. Both ends are inclusive at their precision (R4: an end
 * given as a date includes that whole day, in UTC here); a missing end is open. A start or end that
 * is not a valid dateTime makes the period never current (a broken term grants nothing).
 */
export function withinPeriod(period: Period | undefined, now: Date): boolean {
  if (!period) return true;
  const instant = now.toISOString();
  if (period.start !== undefined) {
    const start = typeof period.start === 'string' ? dateRange(period.start) : undefined;
    if (!start || instant < start.low) return false;
  }
  if (period.end !== undefined) {
    const end = typeof period.end === 'string' ? dateRange(period.end) : undefined;
    if (!end || instant > end.high) return false;
  }
  return true;
}

/**
 * The next instant (ms since the epoch) after `now` at which `withinPeriod(period, ·)` changes its
 * answer, or undefined when it never will (no period, an open or broken end, or already over).
 * Cached entitlements must not outlive it (access-cache.ts): time passing is not an event.
 */
export function periodChangesAt(period: Period | undefined, now: Date): number | undefined {
  if (!period) return undefined;
  const instant = now.toISOString();
  const start = typeof period.start === 'string' ? dateRange(period.start) : undefined;
  const end = typeof period.end === 'string' ? dateRange(period.end) : undefined;
  if ((period.start !== undefined && !start) || (period.end !== undefined && !end)) return undefined;
  if (start && instant < start.low) return Date.parse(start.low);
  if (end && instant <= end.high) return Date.parse(end.high) + 1;
  return undefined;
}

/** The earliest of the instants given (undefined ones ignored). */
export function earliest(...instants: Array<number | undefined>): number | undefined {
  const defined = instants.filter((t): t is number => t !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
}

export function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
