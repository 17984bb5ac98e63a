import { dateSortKey, formatFhirDate } from './format-date';

describe('formatFhirDate', () => {
  it('shows an instant in the given time zone and locale', () => {
    // 23:30 UTC is already the next day in Auckland (UTC+13 in December).
    expect(formatFhirDate('2026-12-03T23:30:00Z', { locale: 'en-GB', timeZone: 'Pacific/Auckland' })).toBe(
      '4 Dec 2026, 12:30',
    );
    expect(formatFhirDate('2026-12-03T23:30:00Z', { locale: 'en-US', timeZone: 'America/New_York' })).toBe(
      'Dec 3, 2026, 6:30 PM',
    );
  });

  it('keeps a calendar day on its day whatever the time zone', () => {
    expect(formatFhirDate('2026-03-01', { locale: 'en-GB', timeZone: 'America/Los_Angeles' })).toBe('1 Mar 2026');
    expect(formatFhirDate('2026-03', { locale: 'en-GB' })).toBe('Mar 2026');
    expect(formatFhirDate('2026', { locale: 'en-GB' })).toBe('2026');
  });

  it('shows an unreadable value as sent, and nothing for none', () => {
    expect(formatFhirDate('sometime in spring')).toBe('sometime in spring');
    expect(formatFhirDate(undefined)).toBe('');
  });
});

describe('dateSortKey', () => {
  it('orders instants and partial dates, missing dates last', () => {
    const values = [undefined, '2025', '2026-01-02T10:00:00Z', '2025-06'];
    const sorted = [...values].sort((a, b) => dateSortKey(b) - dateSortKey(a));
    expect(sorted).toEqual(['2026-01-02T10:00:00Z', '2025-06', '2025', undefined]);
  });
});
