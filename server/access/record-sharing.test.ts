import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Observation, Resource } from '@medplum/fhirtypes';
import { indexWithAccess, OWNER_SYSTEM } from './access-index.ts';
import { loadDefinitions } from '../fhir/definitions.ts';
import { rowsMatch } from '../fhir/search/match-index-rows.ts';
import {
  NOTE_CATEGORY,
  NOTE_SHARING_URL,
  ORIGIN_SYSTEM,
  patientReadable,
  practiceSharing,
  practitionerNotesReadable,
  practitionerNotesWritable,
  SHARING_DEFAULT_URL,
  SHARING_SYSTEM,
} from './record-sharing.ts';

/**
 * The sharing filters evaluated on real index rows with the in-memory matcher (the engines' own
 * semantics: match-index-rows.ts). The HTTP behaviour on every path is test/record-sharing.test.ts's.
 */
const BASE = 'http://test.local/fhir/R4';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

function item(type: string, tags: Array<[string, string]>, extra: Record<string, unknown> = {}): Resource {
  return {
    resourceType: type,
    id: 'x',
    meta: { tag: tags.map(([system, code]) => ({ system, code })) },
    subject: { reference: 'Patient/p' },
    ...extra,
  } as Resource;
}
const owned = (practice: string): [string, string] => [OWNER_SYSTEM, practice];
const matches = (filter: Parameters<typeof rowsMatch>[0], resource: Resource) => {
  loadDefinitions();
  return rowsMatch(filter, { id: 'x' }, indexWithAccess(resource, BASE));
};
const observation = (tags: Array<[string, string]>, security?: string) =>
  item('Observation', tags, {
    status: 'final',
    code: { text: 'x' },
    ...(security
      ? {
          meta: {
            tag: tags.map(([system, code]) => ({ system, code })),
            security: [{ system: CONFIDENTIALITY, code: security }],
          },
        }
      : {}),
  }) as Observation;

describe('practice sharing settings', () => {
  it('reads the categories and note sharing; unknown codes and duplicates are ignored; absent means nothing', () => {
    assert.deepEqual(practiceSharing(undefined), { defaults: [], noteSharing: false });
    assert.deepEqual(
      practiceSharing({
        resourceType: 'Organization',
        extension: [
          { url: SHARING_DEFAULT_URL, valueCode: 'results' },
          { url: SHARING_DEFAULT_URL, valueCode: 'results' },
          { url: SHARING_DEFAULT_URL, valueCode: 'everything' },
          { url: SHARING_DEFAULT_URL, valueString: 'notes' },
          { url: NOTE_SHARING_URL, valueBoolean: true },
        ],
      }),
      { defaults: ['results'], noteSharing: true },
    );
  });
});

describe('patient-side filter', () => {
  const none = { px: { defaults: [], noteSharing: false } };
  const results = { px: { defaults: ['results' as const], noteSharing: false } };

  it('shared or submitted items pass; others do not, whatever the compartment', () => {
    const filter = patientReadable('Observation', none);
    assert.equal(matches(filter, observation([owned('px'), [SHARING_SYSTEM, 'patient']])), true);
    assert.equal(matches(filter, observation([owned('px'), [ORIGIN_SYSTEM, 'patient']])), true);
    assert.equal(matches(filter, observation([owned('px')])), false);
    assert.equal(matches(filter, observation([owned('px'), [SHARING_SYSTEM, 'colleagues']])), false);
  });

  it("a default covers its practice's items of its category, never R or V, never another practice's", () => {
    const filter = patientReadable('Observation', results);
    assert.equal(matches(filter, observation([owned('px')])), true);
    assert.equal(matches(filter, observation([owned('py')])), false);
    assert.equal(matches(filter, observation([owned('px')], 'R')), false);
    assert.equal(matches(filter, observation([owned('px')], 'V')), false);
    assert.equal(matches(filter, observation([owned('px')], 'N')), true);
    assert.equal(
      matches(filter, observation([owned('px'), [SHARING_SYSTEM, 'patient']], 'R')),
      true,
      'an explicit share covers R',
    );
    assert.equal(
      matches(patientReadable('Condition', results), item('Condition', [owned('px')])),
      false,
      'another category',
    );
  });

  it('DocumentReference: notes by the notes default, other documents by the documents default', () => {
    const note = item('DocumentReference', [owned('px')], {
      status: 'current',
      category: [{ coding: [{ ...NOTE_CATEGORY }] }],
      content: [],
    });
    const letter = item('DocumentReference', [owned('px')], { status: 'current', content: [] });
    const notes = patientReadable('DocumentReference', { px: { defaults: ['notes'], noteSharing: false } });
    const documents = patientReadable('DocumentReference', { px: { defaults: ['documents'], noteSharing: false } });
    assert.deepEqual([matches(notes, note), matches(notes, letter)], [true, false]);
    assert.deepEqual([matches(documents, note), matches(documents, letter)], [false, true]);
  });
});

describe('notes between practitioners', () => {
  const note = (author: string, tags: Array<[string, string]> = []) =>
    item('DocumentReference', [owned('px'), ...tags], {
      status: 'current',
      category: [{ coding: [{ ...NOTE_CATEGORY }] }],
      author: [{ reference: `Practitioner/${author}` }],
      content: [],
    });
  const letter = item('DocumentReference', [owned('px')], {
    status: 'current',
    author: [{ reference: 'Practitioner/a' }],
    content: [],
  });

  it("own notes and non-notes always; a colleague's only when shared with colleagues and enabled", () => {
    const disabled = practitionerNotesReadable('b', { px: { defaults: [], noteSharing: false } });
    const enabled = practitionerNotesReadable('b', { px: { defaults: [], noteSharing: true } });
    assert.equal(matches(disabled, note('b')), true);
    assert.equal(matches(disabled, letter), true);
    assert.equal(matches(disabled, note('a', [[SHARING_SYSTEM, 'colleagues']])), false);
    assert.equal(matches(enabled, note('a', [[SHARING_SYSTEM, 'colleagues']])), true);
    assert.equal(matches(enabled, note('a')), false);
    assert.equal(matches(enabled, note('a', [[SHARING_SYSTEM, 'patient']])), false, 'shared with the patient only');
  });

  it('writes: only non-notes and own notes', () => {
    const writable = practitionerNotesWritable('b');
    assert.deepEqual(
      [
        matches(writable, note('b')),
        matches(writable, note('a', [[SHARING_SYSTEM, 'colleagues']])),
        matches(writable, letter),
      ],
      [true, false, true],
    );
  });
});
