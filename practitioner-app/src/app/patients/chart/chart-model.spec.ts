import {
  ageInYears,
  encodeText,
  formatFhirDate,
  isShared,
  noteSharingEnabled,
  noteText,
  observationName,
  observationValue,
  owningPractice,
  sharedByDefault,
  sharingDefaults,
} from './chart-model';
import type { DocumentReference } from '@web-shared/fhir';
import {
  CONFIDENTIALITY_SYSTEM,
  NOTE_SHARING_URL,
  SHARING_DEFAULT_URL,
  OWNER_SYSTEM,
  SHARING_SYSTEM,
} from './chart-types';

describe('chart model', () => {
  it('counts whole years, a birthday later this year not yet passed', () => {
    const today = new Date(2026, 11, 3);
    expect(ageInYears('1980-12-03', today)).toBe(46);
    expect(ageInYears('1980-12-04', today)).toBe(45);
    expect(ageInYears('1980', today)).toBe(46);
    expect(ageInYears('not a date', today)).toBeUndefined();
    expect(ageInYears(undefined, today)).toBeUndefined();
  });

  it('shows a date without a time as written, never a day off', () => {
    expect(formatFhirDate('2026-11-02', 'en-GB')).toBe('2 Nov 2026');
    expect(formatFhirDate('2026-11', 'en-GB')).toBe('2026-11');
  });

  it("shows a dateTime in the user's timezone and format", () => {
    const value = '2026-11-02T10:15:00+11:00';
    const expected = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(
      new Date(value),
    );
    expect(formatFhirDate(value, 'en-GB')).toBe(expected);
    expect(formatFhirDate(undefined)).toBe('');
  });

  it('reads and writes a note as UTF-8 text', () => {
    const note: DocumentReference = {
      resourceType: 'DocumentReference',
      content: [{ attachment: { contentType: 'text/plain', data: encodeText('Müller: ½ dose — ok ✓') } }],
    };
    expect(noteText(note)).toBe('Müller: ½ dose — ok ✓');
    expect(encodeText('hi')).toBe('aGk=');
  });

  it('reads the sharing marks, the owning practice and the practice setting', () => {
    const meta = {
      tag: [
        { system: SHARING_SYSTEM, code: 'patient' },
        { system: OWNER_SYSTEM, code: 'org-1' },
      ],
    };
    expect(isShared({ meta }, 'patient')).toBeTrue();
    expect(isShared({ meta }, 'colleagues')).toBeFalse();
    expect(owningPractice({ resourceType: 'Patient', meta })).toBe('org-1');
    expect(noteSharingEnabled({ resourceType: 'Organization' })).toBeFalse();
    expect(
      noteSharingEnabled({ resourceType: 'Organization', extension: [{ url: NOTE_SHARING_URL, valueBoolean: true }] }),
    ).toBeTrue();
  });

  it("applies the practice's defaults to unmarked items that are not restricted", () => {
    expect(
      sharingDefaults({
        resourceType: 'Organization',
        extension: [
          { url: SHARING_DEFAULT_URL, valueCode: 'results' },
          { url: SHARING_DEFAULT_URL, valueCode: 'allergies' },
          { url: NOTE_SHARING_URL, valueBoolean: true },
        ],
      }),
    ).toEqual(['results', 'allergies']);
    expect(sharedByDefault({}, true)).toBeTrue();
    expect(sharedByDefault({}, false)).toBeFalse();
    expect(sharedByDefault({ meta: { security: [{ system: CONFIDENTIALITY_SYSTEM, code: 'R' }] } }, true)).toBeFalse();
    expect(sharedByDefault({ meta: { tag: [{ system: SHARING_SYSTEM, code: 'patient' }] } }, true)).toBeFalse();
  });

  it('names an observation and its value', () => {
    expect(
      observationName({ resourceType: 'Observation', code: { coding: [{ code: '8867-4', display: 'Heart rate' }] } }),
    ).toBe('Heart rate');
    expect(observationValue({ resourceType: 'Observation', valueQuantity: { value: 64.2, unit: 'kg' } })).toBe(
      '64.2 kg',
    );
    expect(observationValue({ resourceType: 'Observation', valueBoolean: false })).toBe('No');
  });
});
