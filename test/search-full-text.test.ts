import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { indexWithAccess } from '../server/access/access-index.ts';
import { extractIndexRows } from '../server/fhir/search/extract-index.ts';
import { rowsMatch } from '../server/fhir/search/match-index-rows.ts';
import type { SearchFilter } from '../server/fhir/search/search-request.ts';
import { reindex } from '../server/cli/reindex.ts';
import { openTestStore, searchIds, testSearch, TEST_BASE_URL } from './support/repository-setup.ts';
import type { TestStore } from './support/repository-setup.ts';
import { statusOf } from './support/fhir-status.ts';

/**
 * `_content` and `_text` on both engines: SQLite keeps the words in FTS5, MongoDB in a `words`
 * field (docs/decisions/0019-full-text-index.md), and both must answer exactly as the index rows
 * content-index.ts makes would (the in-memory matcher is the reference here).
 */
const div = (text: string) => ({
  status: 'generated' as const,
  div: `<div xmlns="http://www.w3.org/1999/xhtml">${text}</div>`,
});

const PATIENTS: Patient[] = [
  {
    resourceType: 'Patient',
    id: 'zoe',
    name: [{ family: 'Zoë', given: ['Ångström'] }],
    text: div('Blood pressure normal'),
  },
  {
    resourceType: 'Patient',
    id: 'tokyo',
    name: [{ family: '東京都', given: ['Hanako'] }],
    text: div('heart rate 120'),
  },
  { resourceType: 'Patient', id: 'obrien', name: [{ family: "O'Brien", given: ['Seán'] }] },
  { resourceType: 'Patient', id: 'strasse', name: [{ family: 'Straße', given: ['İlkay'] }], text: div('Bloodline') },
  { resourceType: 'Patient', id: 'near', name: [{ family: 'Near', given: ['Or', 'And'] }], text: div('not heart') },
];

for (const engine of ['sqlite', 'mingo'] as const) {
  describe(`_content and _text on ${engine}`, () => {
    let store: TestStore;
    const ids = (query: Record<string, string>) => searchIds(store.repo, 'Patient', query).then((l) => l.sort());
    /** The ids the index rows themselves match (match-index-rows.ts), for the same parsed query. */
    const expected = async (query: Record<string, string>) => {
      const { request } = testSearch('Patient', query);
      const all = await store.repo.search({ ...testSearch('Patient', {}).request, count: 1000 });
      const matching = all.versions.filter((v) => {
        const rows = extractIndexRows(v.resource as Resource, TEST_BASE_URL);
        return request.filters.every((f: SearchFilter) => rowsMatch(f, { id: v.id }, rows));
      });
      return matching.map((v) => v.id).sort();
    };

    /** The ids, or the status a refused query answers with. */
    const outcome = async (work: Promise<string[]>) => {
      const status = await statusOf(work);
      return status === 200 ? await work : status;
    };

    before(async () => {
      store = await openTestStore({ engine });
      for (const p of PATIENTS) await store.repo.update(p);
    });
    after(() => store.close());

    it('every word is a prefix of some word; commas OR whole phrases', async () => {
      assert.deepEqual(await ids({ _content: 'blood pres' }), ['zoe']);
      assert.deepEqual(await ids({ _content: 'blood' }), ['strasse', 'zoe']);
      assert.deepEqual(await ids({ _content: 'pres blood' }), ['zoe'], 'word order does not matter');
      assert.deepEqual(await ids({ _content: 'blood pres,hanako' }), ['tokyo', 'zoe']);
      assert.deepEqual(await ids({ _content: 'blood heart' }), [], 'both words must be present');
      assert.deepEqual(await ids({ _content: 'bloodlines' }), [], 'the value is a prefix of a word, not the reverse');
    });

    it('_text reads the narrative only; _content reads every text value, the narrative included', async () => {
      assert.deepEqual(await ids({ _text: 'hanako' }), []);
      assert.deepEqual(await ids({ _content: 'hanako' }), ['tokyo']);
      assert.deepEqual(await ids({ _text: 'heart' }), ['near', 'tokyo']);
      assert.deepEqual(await ids({ _content: 'heart' }), ['near', 'tokyo']);
      assert.deepEqual(await ids({ _text: 'hea', _content: 'near' }), ['near'], 'the two parameters AND');
      assert.deepEqual(await ids({ '_text:missing': 'true' }), ['obrien']);
      assert.deepEqual(await ids({ '_text:missing': 'false' }), ['near', 'strasse', 'tokyo', 'zoe']);
      assert.deepEqual(await ids({ '_content:missing': 'true' }), []);
    });

    it('accents, case, CJK, digits, apostrophes and special casing fold as normalizeString does', async () => {
      for (const [value, want] of [
        ['zoe', ['zoe']],
        ['ZOË', ['zoe']],
        ['zoë angst', ['zoe']],
        ['東京', ['tokyo']],
        ['東京都', ['tokyo']],
        ['京', []], // a CJK run is one word: only its start is a prefix
        ['12', ['tokyo']],
        ['120', ['tokyo']],
        ["o'bri", ['obrien']],
        ['brien sean', ['obrien']],
        ['straß', ['strasse']],
        ['strasse', []], // ß is not folded to ss, by normalizeString or by the index
        ['ilk', ['strasse']],
        ['İLKAY', ['strasse']],
      ] as const) {
        assert.deepEqual(await ids({ _content: value }), [...want], value);
        assert.deepEqual(
          await ids({ _content: value }),
          await expected({ _content: value }),
          `${value}, as the rows say`,
        );
      }
    });

    it('FTS5 and regular-expression syntax in a value is plain text', async () => {
      for (const value of [
        '"',
        '"blood"*',
        'blood*',
        '*',
        'NEAR(blood pressure)',
        'near',
        'blood OR heart',
        'not heart',
        'NOT heart',
        'heart AND -blood',
        '^blood',
        '-blood',
        '(blood',
        'blood)',
        '_text:blood',
        'c:blood',
        '{c}:blood',
        't : heart',
        'blood + pres',
        '.*',
        'a|b',
        '\\',
      ]) {
        for (const param of ['_content', '_text']) {
          const query = { [param]: value };
          assert.deepEqual(await outcome(ids(query)), await outcome(expected(query)), `${param}=${value}`);
        }
      }
      // The words of those values, checked by hand for a few.
      assert.deepEqual(await ids({ _content: 'NEAR(blood pressure)' }), []);
      assert.deepEqual(await ids({ _content: 'not heart' }), ['near']);
      assert.deepEqual(await ids({ _content: '{c}:blood' }), []);
      assert.deepEqual(await ids({ _content: '_text:blood' }), [], "words 'text' and 'blood'");
      assert.deepEqual(await ids({ _content: '"blood"*' }), ['strasse', 'zoe']);
      assert.equal(await statusOf(ids({ _content: '*' })), 400, 'a value without letters or digits is refused');
    });

    it('a condition the parser would never make (not one normalised word) matches nothing, never FTS5 syntax', async () => {
      const search = (value: string, match: 'prefix' | 'exact' = 'prefix') =>
        store.repo.search({
          ...testSearch('Patient', {}).request,
          filters: [{ kind: 'string', param: '_content', any: [{ match, value }] }],
        });
      for (const value of ['blood" OR "heart', 'blood*', 'Blood', 'blood pres', 'zoë', '', 'NEAR', '{t}:heart'])
        assert.deepEqual((await search(value)).versions, [], value);
      assert.deepEqual((await search('blood', 'exact')).versions.map((v) => v.id).sort(), ['zoe']);
      assert.deepEqual((await search('bloo', 'exact')).versions, []);
      assert.deepEqual((await search('bloo')).versions.map((v) => v.id).sort(), ['strasse', 'zoe']);
    });

    it('an update replaces the words, a delete removes them, a new version after a delete has them again', async () => {
      await store.repo.update<Patient>({
        resourceType: 'Patient',
        id: 'w',
        name: [{ family: 'Quince' }],
        text: div('alpha'),
      });
      assert.deepEqual(await ids({ _content: 'quince' }), ['w']);
      await store.repo.update<Patient>({ resourceType: 'Patient', id: 'w', name: [{ family: 'Medlar' }] });
      assert.deepEqual(await ids({ _content: 'quince' }), []);
      assert.deepEqual(await ids({ _text: 'alpha' }), []);
      assert.deepEqual(await ids({ _content: 'medlar' }), ['w']);
      assert.deepEqual(await ids({ '_text:missing': 'true' }), ['obrien', 'w']);
      await store.repo.delete('Patient', 'w');
      assert.deepEqual(await ids({ _content: 'medlar' }), []);
      assert.deepEqual(
        (await store.repo.search({ ...testSearch('Patient', { _content: 'medlar' }).request, includeDeleted: true }))
          .versions,
        [],
        'a tombstone has no words',
      );
      await store.repo.update<Patient>({ resourceType: 'Patient', id: 'w', name: [{ family: 'Medlar' }] });
      assert.deepEqual(await ids({ _content: 'medlar' }), ['w']);
    });

    it('replaceIndex (reindex) replaces the words; npm run reindex rebuilds them', async () => {
      await store.engine.transaction((s) =>
        s.replaceIndex('Patient', 'zoe', [{ kind: 'string', param: '_content', value: 'rebuilt', exact: 'rebuilt' }]),
      );
      assert.deepEqual(await ids({ _content: 'rebuilt' }), ['zoe']);
      assert.deepEqual(await ids({ _content: 'zoe' }), []);
      assert.deepEqual(await ids({ '_text:missing': 'true' }), ['obrien', 'w', 'zoe']);
      await reindex(store.engine, ['Patient'], TEST_BASE_URL, () => undefined);
      assert.deepEqual(await ids({ _content: 'rebuilt' }), []);
      assert.deepEqual(await ids({ _content: 'zoe blood' }), ['zoe']);
      assert.deepEqual(await ids({ '_text:missing': 'true' }), ['obrien', 'w']);
    });

    it('other types: words of Observations are theirs, AuditEvents have none, chains reach them', async () => {
      const obs = (
        await store.repo.create<Observation>({
          resourceType: 'Observation',
          status: 'final',
          code: { text: 'Pulse oximetry' },
          subject: { reference: 'Patient/tokyo' },
        })
      ).resource;
      assert.deepEqual(await searchIds(store.repo, 'Observation', { _content: 'oxim' }), [obs.id]);
      assert.deepEqual(await ids({ _content: 'oxim' }), [], 'another type with the word does not match');
      assert.deepEqual(await searchIds(store.repo, 'Observation', { 'subject:Patient._content': 'hanako' }), [obs.id]);
      assert.deepEqual(await searchIds(store.repo, 'Patient', { '_has:Observation:subject:_content': 'pulse' }), [
        'tokyo',
      ]);
      const audit = indexWithAccess(
        {
          resourceType: 'AuditEvent',
          type: { code: 'rest' },
          recorded: '2026-01-01T00:00:00Z',
          agent: [],
          source: { observer: { display: 'Pulse' } },
        } as Resource,
        TEST_BASE_URL,
      );
      assert.equal(audit.filter((r) => r.param === '_content' || r.param === '_text').length, 0);
    });
  });
}
