import assert from 'node:assert/strict';
import type { Organization } from '@medplum/fhirtypes';
import { describe, it } from 'node:test';
import {
  invitationsEnabled,
  PATIENT_INVITATIONS_URL,
  PATIENT_UPDATES_URL,
  patientUpdateMode,
  PORTAL_CONTACT_URL,
  settingsFingerprint,
  settingsIssues,
} from './practice-settings.ts';

const org = (extension: Organization['extension']): Organization => ({ resourceType: 'Organization', extension });

describe('practice settings (practice-settings.ts)', () => {
  it('absent or malformed settings read as disabled', () => {
    assert.equal(invitationsEnabled(undefined), false);
    assert.equal(invitationsEnabled(org([{ url: PATIENT_INVITATIONS_URL, valueString: 'true' }])), false);
    assert.equal(invitationsEnabled(org([{ url: PATIENT_INVITATIONS_URL, valueBoolean: true }])), true);
    assert.equal(patientUpdateMode(undefined), 'disabled');
    assert.equal(patientUpdateMode(org([{ url: PATIENT_UPDATES_URL, valueCode: 'sometimes' }])), 'disabled');
    assert.equal(patientUpdateMode(org([{ url: PATIENT_UPDATES_URL, valueCode: 'review' }])), 'review');
  });

  it('the fingerprint ignores order and other extensions, and sees any change of a setting', () => {
    const a = { url: PATIENT_UPDATES_URL, valueCode: 'notify' };
    const b = {
      url: PORTAL_CONTACT_URL,
      valueContactPoint: { system: 'phone' as const, value: '1', use: 'work' as const },
    };
    const other = { url: 'https://elsewhere.example/x', valueString: 'y' };
    assert.equal(settingsFingerprint(org([a, b])), settingsFingerprint(org([other, b, a])));
    const reordered = {
      url: PORTAL_CONTACT_URL,
      valueContactPoint: { use: 'work' as const, value: '1', system: 'phone' as const },
    };
    assert.equal(settingsFingerprint(org([a, b])), settingsFingerprint(org([a, reordered])));
    assert.notEqual(settingsFingerprint(org([a, b])), settingsFingerprint(org([a])));
    assert.notEqual(settingsFingerprint(org([a])), settingsFingerprint(org([{ ...a, valueCode: 'review' }])));
  });

  it('issues name the extension and the value in error, and leave other extensions alone', () => {
    assert.deepEqual(settingsIssues(org([{ url: 'https://elsewhere.example/x', valueInteger: 1 }])), []);
    const [issue] = settingsIssues(
      org([
        { url: 'x', valueString: 'y' },
        { url: PATIENT_UPDATES_URL, valueCode: 'x' },
      ]),
    );
    assert.deepEqual(issue?.expression, ['Organization.extension[1].valueCode']);
    assert.match(issue?.details?.text ?? '', /patient-updates: must be one of: disabled, notify, automatic, review/);
    const contacts = Array.from({ length: 11 }, (_, i) => ({
      url: PORTAL_CONTACT_URL,
      valueContactPoint: { system: 'phone' as const, value: String(i) },
    }));
    assert.deepEqual(
      settingsIssues(org(contacts)).map((i) => i.expression?.[0]),
      ['Organization.extension[10]'],
    );
  });
});
