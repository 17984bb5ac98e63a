/**
 * FHIR dates for people: in the browser's own language and time zone (Intl with no locale), the way
 * their phone or computer shows dates. `locale` and `timeZone` are for the specs, which must not
 * depend on the machine they run on.
 */
export interface DateFormatOptions {
  locale?: string;
  timeZone?: string;
}

// FHIR partial dates: a year, a year and month, or a calendar day, none of them with a time zone.
const PARTIAL_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * "3 Dec 2026, 14:05" for an instant (converted to the user's time zone); "3 Dec 2026", "Dec 2026" or
 * "2026" for a date without time, which is a calendar day and must not move across midnight when
 * converted (a date read as UTC midnight shows the day before west of Greenwich). An unparseable
 * value is shown as the server sent it rather than hidden.
 */
export function formatFhirDate(value: string | undefined, options: DateFormatOptions = {}): string {
  if (!value) return '';
  const partial = PARTIAL_DATE.exec(value);
  if (partial) {
    const [, year, month, day] = partial;
    const date = new Date(Date.UTC(Number(year), Number(month ?? 1) - 1, Number(day ?? 1)));
    const parts: Intl.DateTimeFormatOptions = day
      ? { dateStyle: 'medium' }
      : month
        ? { year: 'numeric', month: 'short' }
        : { year: 'numeric' };
    return new Intl.DateTimeFormat(options.locale, { ...parts, timeZone: 'UTC' }).format(date);
  }
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) return value;
  return new Intl.DateTimeFormat(options.locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: options.timeZone,
  }).format(instant);
}

/** A sortable key for "newest first" (missing dates last); partial dates sort as their first day. */
export function dateSortKey(value: string | undefined): number {
  if (!value) return Number.NEGATIVE_INFINITY;
  const partial = PARTIAL_DATE.exec(value);
  const time = partial
    ? Date.UTC(Number(partial[1]), Number(partial[2] ?? 1) - 1, Number(partial[3] ?? 1))
    : new Date(value).getTime();
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}
