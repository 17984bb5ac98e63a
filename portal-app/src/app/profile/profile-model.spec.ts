import {
  applyFormValue,
  EMERGENCY_CONTACT_URL,
  emergencyContactExtension,
  emergencyContactsOf,
  RELATIONSHIP_SYSTEM,
  toFormValue,
} from './profile-model';
import type { Person } from './profile-types';

const PREFERENCE = {
  url: 'https://patient-portal.example.org/fhir/StructureDefinition/preferred-timezone',
  valueCode: 'Europe/London',
};

const PERSON: Person = {
  resourceType: 'Person',
  id: 'pe1',
  meta: { versionId: '3' },
  active: true,
  link: [{ target: { reference: 'Patient/p1' } }],
  name: [
    { use: 'nickname', given: ['Liv'] },
    { use: 'official', given: ['Olivia', 'May'], family: 'Bennett', prefix: ['Ms'] },
  ],
  gender: 'female',
  birthDate: '1984-06-02',
  telecom: [
    { system: 'fax', value: '0100' },
    { system: 'phone', use: 'home', value: '020 7946 0000' },
    { system: 'email', value: 'olivia@example.org' },
  ],
  address: [
    { use: 'home', line: ['1 Harbour Road', 'Flat 2'], city: 'Portsmouth', postalCode: 'PO1 1AA', state: 'Hants' },
  ],
  extension: [
    PREFERENCE,
    {
      url: EMERGENCY_CONTACT_URL,
      extension: [
        { url: 'relationship', valueCodeableConcept: { coding: [{ system: RELATIONSHIP_SYSTEM, code: 'N' }] } },
        { url: 'name', valueHumanName: { given: ['Tom'], family: 'Bennett' } },
        { url: 'telecom', valueContactPoint: { system: 'phone', value: '07700 900123' } },
      ],
    },
  ],
};

describe('profile model (Person ⇄ form)', () => {
  it('reads the official name, the e-mail, each phone by use, the home address and the contacts', () => {
    expect(toFormValue(PERSON)).toEqual({
      given: 'Olivia May',
      family: 'Bennett',
      birthDate: '1984-06-02',
      gender: 'female',
      email: 'olivia@example.org',
      mobile: '',
      home: '020 7946 0000',
      work: '',
      line1: '1 Harbour Road',
      line2: 'Flat 2',
      city: 'Portsmouth',
      postalCode: 'PO1 1AA',
      country: '',
      contacts: [{ relationship: 'N', name: 'Tom Bennett', phone: '07700 900123' }],
    });
  });

  it('gives back the same Person when nothing was changed', () => {
    expect(applyFormValue(PERSON, toFormValue(PERSON))).toEqual(PERSON);
  });

  it('changes only what the form edits, keeping links, other names, other telecoms, preferences and the version', () => {
    const form = { ...toFormValue(PERSON), family: 'Clarke', mobile: '07700 900000', home: '', city: 'Southsea' };
    const next = applyFormValue(PERSON, form);
    expect(next.meta).toEqual({ versionId: '3' });
    expect(next.link).toEqual(PERSON.link);
    expect(next.active).toBeTrue();
    expect(next.name).toEqual([
      { use: 'nickname', given: ['Liv'] },
      { use: 'official', given: ['Olivia', 'May'], family: 'Clarke', prefix: ['Ms'] },
    ]);
    expect(next.telecom).toEqual([
      { system: 'fax', value: '0100' },
      { system: 'email', value: 'olivia@example.org' },
      { system: 'phone', value: '07700 900000', use: 'mobile' },
    ]);
    expect(next.address).toEqual([
      { use: 'home', line: ['1 Harbour Road', 'Flat 2'], city: 'Southsea', postalCode: 'PO1 1AA', state: 'Hants' },
    ]);
    expect(next.extension?.[0]).toEqual(PREFERENCE);
    // The original is not modified.
    expect(PERSON.name?.[1]?.family).toBe('Bennett');
  });

  it('leaves out emptied fields instead of sending empty strings', () => {
    const empty = {
      ...toFormValue(PERSON),
      birthDate: '',
      gender: '' as const,
      line1: '',
      line2: '',
      city: '',
      postalCode: '',
      contacts: [],
    };
    const next = applyFormValue(PERSON, empty);
    expect('birthDate' in next).toBeFalse();
    expect('gender' in next).toBeFalse();
    // The address keeps its state (not on the form), so it stays, without the cleared fields.
    expect(next.address).toEqual([{ use: 'home', state: 'Hants' }]);
    expect(next.extension).toEqual([PREFERENCE]);
  });

  it('builds a name, a telecom and an address for a Person that had none', () => {
    const next = applyFormValue(
      { resourceType: 'Person', id: 'pe2' },
      {
        ...toFormValue({ resourceType: 'Person' }),
        given: 'Ann',
        family: 'Lee',
        email: 'ann@example.org',
        line1: 'High St',
        country: 'UK',
      },
    );
    expect(next.name).toEqual([{ given: ['Ann'], family: 'Lee' }]);
    expect(next.telecom).toEqual([{ system: 'email', value: 'ann@example.org' }]);
    expect(next.address).toEqual([{ line: ['High St'], country: 'UK' }]);
    expect(next.extension).toBeUndefined();
  });
});

describe('emergency contacts (extension ⇄ form)', () => {
  it('writes relationship (v2-0131 with its display), name and phone as the extension the contract names', () => {
    expect(emergencyContactExtension({ relationship: 'C', name: ' Sam Ray ', phone: '0123' })).toEqual({
      url: EMERGENCY_CONTACT_URL,
      extension: [
        {
          url: 'relationship',
          valueCodeableConcept: { coding: [{ system: RELATIONSHIP_SYSTEM, code: 'C', display: 'Emergency Contact' }] },
        },
        { url: 'name', valueHumanName: { text: 'Sam Ray' } },
        { url: 'telecom', valueContactPoint: { system: 'phone', value: '0123' } },
      ],
    });
    expect(emergencyContactExtension({ relationship: 'N', name: 'Jo', phone: '' }).extension?.length).toBe(2);
  });

  it('reads back what it wrote', () => {
    const contacts = [
      { relationship: 'E', name: 'Acme Ltd', phone: '' },
      { relationship: 'CP', name: 'Kim', phone: '+44 1' },
    ];
    expect(emergencyContactsOf(contacts.map(emergencyContactExtension))).toEqual(contacts);
  });

  it('adds and removes contacts, keeping the other extensions', () => {
    const form = toFormValue(PERSON);
    const added = applyFormValue(PERSON, {
      ...form,
      contacts: [...form.contacts, { relationship: 'C', name: 'Sam', phone: '' }],
    });
    expect(added.extension?.filter((e) => e.url === EMERGENCY_CONTACT_URL).length).toBe(2);
    expect(added.extension?.[0]).toEqual(PREFERENCE);
    const removed = applyFormValue(PERSON, { ...form, contacts: [] });
    expect(removed.extension).toEqual([PREFERENCE]);
  });
});
