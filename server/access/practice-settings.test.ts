import assert from 'node:assert/strict';
import type { ContactPoint, Organization } from '@medplum/fhirtypes';
import { describe, it } from 'node:test';
import {
  invitationsEnabled,
  PATIENT_INVITATIONS_URL,
  PATIENT_UPDATES_URL,
  patientUpdateMode,
  PORTAL_CONTACT_URL,
  PORTAL_CRISIS_TEXT_URL,
  settingsFingerprint,
  settingsIssues,
} from './practice-settings.ts';
import { SHARING_DEFAULT_URL } from './record-sharing.ts';

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

  it('issues say what the definitions cannot (blank text, contact extras, a category twice), with their path, and leave other extensions alone', () => {
    assert.deepEqual(settingsIssues(org([{ url: 'https://elsewhere.example/x', valueInteger: 1 }])), []);
    const issues = settingsIssues(
      org([
        { url: 'x', valueString: 'y' },
        { url: PORTAL_CRISIS_TEXT_URL, valueString: '  ' },
        { url: PORTAL_CONTACT_URL, valueContactPoint: { system: 'phone', value: ' ', period: {} } as ContactPoint },
        { url: SHARING_DEFAULT_URL, valueCode: 'results' },
        { url: SHARING_DEFAULT_URL, valueCode: 'results' },
      ]),
    );
    assert.deepEqual(
      issues.map((i) => [i.expression?.[0], i.details?.text]),
      [
        ['Organization.extension[1].valueString', 'portal-crisis-text: must not be blank'],
        [
          'Organization.extension[2].valueContactPoint',
          'portal-contact: may only have system, value, use and rank (not period)',
        ],
        ['Organization.extension[2].valueContactPoint', 'portal-contact: needs a value'],
        ['Organization.extension[4]', 'record-sharing-default: each category may appear once'],
      ],
    );
    // Types, codes, ranges and counts are the validator's (decision 0025), not repeated here.
    assert.deepEqual(settingsIssues(org([{ url: PATIENT_UPDATES_URL, valueCode: 'sometimes' }])), []);
  });
});
