import { BIOGRAPHY_URL, HOME_VISITS_URL, ONLINE_BOOKING_URL, WHEELCHAIR_ACCESS_URL } from '@web-shared/fhir';
import { DIRECTORY_LISTED, formOf, isListed, type ProfileRecords, recordsOf } from './directory-profile-model';

const records = (): ProfileRecords => ({
  practitioner: {
    resourceType: 'Practitioner',
    id: 'p1',
    meta: {
      versionId: '2',
      tag: [{ system: 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice', code: 'o1' }],
    },
    communication: [{ coding: [{ system: 'urn:ietf:bcp:47', code: 'vi' }] }, { text: 'Auslan' }],
    extension: [{ url: 'https://elsewhere.example/kept', valueString: 'kept' }],
  },
  roles: [
    {
      resourceType: 'PractitionerRole',
      id: 'r1',
      organization: { reference: 'Organization/o1', display: 'Riverside' },
      specialty: [{ coding: [{ system: 'http://example.org/local', code: 'x' }] }],
    },
  ],
  locations: [{ resourceType: 'Location', id: 'l1', name: 'Riverside rooms' }],
});

describe('directory profile model', () => {
  it('reads the form from the records', () => {
    const form = formOf(records());
    expect(form).toEqual({
      listed: false,
      languages: ['vi'],
      biography: '',
      roles: [{ id: 'r1', organization: 'Riverside', services: [], homeVisits: false, onlineBooking: false }],
      locations: [{ id: 'l1', name: 'Riverside rooms', wheelchairAccess: false }],
    });
  });

  it('writes the form into the records, keeping what it does not edit', () => {
    const before = records();
    const form = {
      ...formOf(before),
      listed: true,
      languages: ['fr', 'en'],
      biography: '  Twenty years in family medicine.  ',
      roles: [{ id: 'r1', organization: 'Riverside', services: ['394814009'], homeVisits: true, onlineBooking: false }],
      locations: [{ id: 'l1', name: 'Riverside rooms', wheelchairAccess: true }],
    };
    const after = recordsOf(form, before);
    expect(isListed(after.practitioner)).toBeTrue();
    expect(after.practitioner.meta?.tag).toContain(jasmine.objectContaining({ code: 'o1' }));
    expect(after.practitioner.communication).toEqual([
      { text: 'Auslan' },
      { coding: [{ system: 'urn:ietf:bcp:47', code: 'fr', display: 'French' }] },
      { coding: [{ system: 'urn:ietf:bcp:47', code: 'en', display: 'English' }] },
    ]);
    expect(after.practitioner.extension).toEqual([
      { url: 'https://elsewhere.example/kept', valueString: 'kept' },
      { url: BIOGRAPHY_URL, valueString: 'Twenty years in family medicine.' },
    ]);
    const role = after.roles[0]!;
    expect(isListed(role)).toBeTrue();
    expect(role.specialty?.length).toBe(2);
    expect(role.extension).toEqual([
      { url: HOME_VISITS_URL, valueBoolean: true },
      { url: ONLINE_BOOKING_URL, valueBoolean: false },
    ]);
    expect(after.locations[0]!.extension).toEqual([{ url: WHEELCHAIR_ACCESS_URL, valueBoolean: true }]);
    expect(isListed(after.locations[0]!)).toBeTrue();
    expect(before.practitioner.communication?.length).toBe(2);
  });

  it('unlisting unmarks the practitioner and roles, not the shared locations; an empty biography is removed', () => {
    const listed = records();
    listed.practitioner.meta!.tag!.push({ ...DIRECTORY_LISTED });
    listed.practitioner.extension!.push({ url: BIOGRAPHY_URL, valueString: 'old' });
    listed.locations[0]!.meta = { tag: [{ ...DIRECTORY_LISTED }] };
    const after = recordsOf({ ...formOf(listed), listed: false, biography: ' ' }, listed);
    expect(isListed(after.practitioner)).toBeFalse();
    expect(isListed(after.roles[0]!)).toBeFalse();
    expect(isListed(after.locations[0]!)).toBeTrue();
    expect(after.practitioner.extension?.some((e) => e.url === BIOGRAPHY_URL)).toBeFalse();
  });
});
