import type { Practitioner, PractitionerRole } from '@web-shared/fhir';
import { buildDirectory, formatName, matchesName, practitionerId } from './directory';

const zoe: Practitioner = {
  resourceType: 'Practitioner',
  id: 'p1',
  name: [{ family: 'Zwart', given: ['Zoë'], prefix: ['Dr.'] }],
};
const adam: Practitioner = { resourceType: 'Practitioner', id: 'p2', name: [{ family: 'Abbott', given: ['Adam'] }] };
const retired: Practitioner = { resourceType: 'Practitioner', id: 'p3', active: false, name: [{ family: 'Old' }] };

describe('buildDirectory', () => {
  it('joins each role to its practitioner, with specialty text and organization display', () => {
    const roles: PractitionerRole[] = [
      {
        resourceType: 'PractitionerRole',
        practitioner: { reference: 'Practitioner/p1' },
        specialty: [{ text: 'Cardiology' }],
        code: [{ text: 'Doctor' }],
        organization: { reference: 'Organization/o1', display: 'Good Health Clinic' },
      },
      {
        resourceType: 'PractitionerRole',
        practitioner: { reference: 'https://fhir.example/fhir/R4/Practitioner/p1/_history/2' },
        code: [{ coding: [{ code: 'nurse', display: 'Nurse' }] }],
      },
    ];
    expect(buildDirectory([zoe], roles)).toEqual([
      {
        id: 'p1',
        name: 'Dr. Zoë Zwart',
        roles: [{ title: 'Cardiology', organization: 'Good Health Clinic' }, { title: 'Nurse' }],
      },
    ]);
  });

  it('sorts by family name and lists practitioners without roles too', () => {
    expect(buildDirectory([zoe, adam], []).map((e) => e.name)).toEqual(['Adam Abbott', 'Dr. Zoë Zwart']);
  });

  it('leaves out inactive practitioners and roles, and roles of unknown practitioners', () => {
    const roles: PractitionerRole[] = [
      {
        resourceType: 'PractitionerRole',
        active: false,
        practitioner: { reference: 'Practitioner/p2' },
        specialty: [{ text: 'Surgery' }],
      },
      {
        resourceType: 'PractitionerRole',
        practitioner: { reference: 'Practitioner/p3' },
        specialty: [{ text: 'Surgery' }],
      },
      {
        resourceType: 'PractitionerRole',
        practitioner: { reference: 'Practitioner/missing' },
        specialty: [{ text: 'Surgery' }],
      },
      { resourceType: 'PractitionerRole', specialty: [{ text: 'Surgery' }] },
    ];
    expect(buildDirectory([adam, retired], roles)).toEqual([{ id: 'p2', name: 'Adam Abbott', roles: [] }]);
  });
});

describe('directory helpers', () => {
  it('finds the practitioner id in relative, absolute and versioned references only', () => {
    expect(practitionerId('Practitioner/abc')).toBe('abc');
    expect(practitionerId('http://x/fhir/R4/Practitioner/abc/_history/3')).toBe('abc');
    expect(practitionerId('Organization/abc')).toBeUndefined();
    expect(practitionerId(undefined)).toBeUndefined();
  });

  it('matches every typed word, ignoring case and accents', () => {
    const entry = { id: 'p1', name: 'Dr. Zoë Zwart', roles: [] };
    expect(matchesName(entry, 'zoe')).toBeTrue();
    expect(matchesName(entry, '  ZWART  zo ')).toBeTrue();
    expect(matchesName(entry, 'zoe abbott')).toBeFalse();
    expect(matchesName(entry, '')).toBeTrue();
  });

  it('falls back to the name text, then a placeholder', () => {
    expect(formatName({ text: 'Nurse Ratched' })).toBe('Nurse Ratched');
    expect(formatName(undefined)).toBe('Name not listed');
  });
});
