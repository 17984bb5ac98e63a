import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { checkSearchParameter } from './custom-search-parameters.ts';
import { loadDefinitions } from './definitions.ts';

const good = {
  resourceType: 'SearchParameter',
  url: 'https://example.org/SearchParameter/x',
  code: 'home-visits',
  status: 'active',
  base: ['PractitionerRole'],
  type: 'token',
  expression: "PractitionerRole.extension('https://example.org/x').value",
};

describe('checkSearchParameter', () => {
  before(() => loadDefinitions());

  it('accepts a well-formed parameter', () => {
    assert.equal(checkSearchParameter(good, 'good.json').code, 'home-visits');
  });

  it('names the file and the problem of a bad one', () => {
    const bad: Array<[Record<string, unknown>, RegExp]> = [
      [{ ...good, resourceType: 'Patient' }, /resourceType/],
      [{ ...good, url: 'http://hl7.org/fhir/SearchParameter/x' }, /HL7 url/],
      [{ ...good, code: 'Bad Code' }, /code must be/],
      [{ ...good, type: 'composite' }, /type must be/],
      [{ ...good, base: ['Banana'] }, /base must list/],
      [{ ...good, expression: 'PractitionerRole.(' }, /does not parse/],
      [{ ...good, code: 'active' }, /already defined on PractitionerRole/],
    ];
    for (const [json, pattern] of bad)
      assert.throws(
        () => checkSearchParameter(json, 'bad.json'),
        (e: Error) => /bad\.json/.test(e.message) && pattern.test(e.message),
      );
  });
});
