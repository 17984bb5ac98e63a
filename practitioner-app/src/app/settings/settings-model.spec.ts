import {
  MINOR_PROXY_AGE_URL,
  NOTE_SHARING_URL,
  PATIENT_INVITATIONS_URL,
  PATIENT_UPDATES_URL,
  PORTAL_CONTACT_URL,
  PORTAL_CRISIS_TEXT_URL,
  type PracticeRecord,
  settingsOf,
  SHARING_DEFAULT_URL,
  withSettings,
} from './settings-model';

const other = { url: 'https://elsewhere.example/ext', valueString: 'kept' };

describe('settings model', () => {
  it('reads absent settings as off, with parents’ access ending at 18', () => {
    expect(settingsOf({ resourceType: 'Organization' })).toEqual({
      invitations: false,
      updates: 'disabled',
      noteSharing: false,
      categories: [],
      minorProxyAge: 18,
      contacts: { phone: '', email: '', sms: '' },
      crisisText: '',
    });
  });

  it('reads every stored setting, ignoring unknown codes', () => {
    const practice: PracticeRecord = {
      resourceType: 'Organization',
      extension: [
        { url: PATIENT_INVITATIONS_URL, valueBoolean: true },
        { url: PATIENT_UPDATES_URL, valueCode: 'review' },
        { url: NOTE_SHARING_URL, valueBoolean: true },
        { url: SHARING_DEFAULT_URL, valueCode: 'results' },
        { url: SHARING_DEFAULT_URL, valueCode: 'everything' },
        { url: SHARING_DEFAULT_URL, valueCode: 'notes' },
        { url: MINOR_PROXY_AGE_URL, valueUnsignedInt: 16 },
        { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'phone', value: '02 9000 0000' } },
        { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'email', value: 'desk@example.org' } },
        { url: PORTAL_CRISIS_TEXT_URL, valueString: 'Call 000.' },
      ],
    };
    expect(settingsOf(practice)).toEqual({
      invitations: true,
      updates: 'review',
      noteSharing: true,
      categories: ['notes', 'results'],
      minorProxyAge: 16,
      contacts: { phone: '02 9000 0000', email: 'desk@example.org', sms: '' },
      crisisText: 'Call 000.',
    });
  });

  it('writes the settings anew, leaves out what is off or empty, and keeps every other extension and field', () => {
    const practice: PracticeRecord = {
      resourceType: 'Organization',
      id: 'o1',
      meta: { versionId: '3' },
      name: 'Riverside',
      extension: [
        other,
        { url: PATIENT_INVITATIONS_URL, valueBoolean: true },
        { url: SHARING_DEFAULT_URL, valueCode: 'results' },
        { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'url', value: 'https://riverside.example' } },
        { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'phone', value: 'old' } },
      ],
    };
    const saved = withSettings(practice, {
      invitations: false,
      updates: 'notify',
      noteSharing: false,
      categories: ['allergies', 'documents'],
      minorProxyAge: 18,
      contacts: { phone: ' 02 9000 0000 ', email: '', sms: '0400 000 000' },
      crisisText: '  ',
    });
    expect(saved.id).toBe('o1');
    expect(saved.meta).toEqual({ versionId: '3' });
    expect(saved.name).toBe('Riverside');
    expect(saved.extension).toEqual([
      other,
      { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'url', value: 'https://riverside.example' } },
      { url: PATIENT_UPDATES_URL, valueCode: 'notify' },
      { url: SHARING_DEFAULT_URL, valueCode: 'documents' },
      { url: SHARING_DEFAULT_URL, valueCode: 'allergies' },
      { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'phone', value: '02 9000 0000', use: 'work' } },
      { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'sms', value: '0400 000 000', use: 'work' } },
    ]);
  });

  it('leaves no empty extension list behind', () => {
    const saved = withSettings(
      { resourceType: 'Organization', extension: [{ url: NOTE_SHARING_URL, valueBoolean: true }] },
      settingsOf({ resourceType: 'Organization' }),
    );
    expect('extension' in saved).toBeFalse();
  });
});
