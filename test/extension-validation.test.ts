import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Organization } from '@medplum/fhirtypes';
import { NOTE_SHARING_URL, SHARING_DEFAULT_URL } from '../server/access/record-sharing.ts';
import { fhirFetch, testServerForSuite } from './support/test-server.ts';

/**
 * Our extensions are validated on every write wherever they appear (server/fhir/validation/extensions.ts):
 * a practice-settings write (the practice's Organization) with a bad setting is refused with a 400
 * OperationOutcome naming the FHIRPath of the problem, and nothing of it is stored.
 */
describe('practice settings with bad extensions are refused over HTTP, and nothing is stored', () => {
  const suite = testServerForSuite();
  const practiceUrl = () => `${suite.F}/Organization/${suite.server.practice.practiceId}`;
  const stored = async () => {
    const res = await fhirFetch(practiceUrl());
    assert.equal(res.status, 200);
    return res.body as Organization;
  };
  const versions = async () => (await fhirFetch(`${practiceUrl()}/_history`)).body.total as number;
  const paths = (body: { resourceType: string; issue?: Array<{ expression?: string[] }> }) => {
    assert.equal(body.resourceType, 'OperationOutcome');
    return (body.issue ?? []).flatMap((i) => i.expression ?? []);
  };

  it('PUT, PATCH and a transaction with a bad setting: 400 with the path, the Organization unchanged', async () => {
    const before = await stored();
    const history = await versions();
    const put = (extension: object[]) => fhirFetch(practiceUrl(), { method: 'PUT', body: { ...before, extension } });

    const wrongType = await put([{ url: NOTE_SHARING_URL, valueString: 'yes' }]);
    assert.equal(wrongType.status, 400);
    assert.ok(paths(wrongType.body).includes('Organization.extension[0].value[x]'), JSON.stringify(wrongType.body));

    const wrongCode = await put([
      { url: SHARING_DEFAULT_URL, valueCode: 'results' },
      { url: SHARING_DEFAULT_URL, valueCode: 'everything' },
    ]);
    assert.equal(wrongCode.status, 400);
    assert.deepEqual(paths(wrongCode.body), ['Organization.extension[1].value[x]']);

    const twice = await put([
      { url: NOTE_SHARING_URL, valueBoolean: true },
      { url: NOTE_SHARING_URL, valueBoolean: false },
    ]);
    assert.equal(twice.status, 400);
    assert.deepEqual(paths(twice.body), ['Organization.extension']);

    const patch = await fhirFetch(practiceUrl(), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: [{ op: 'add', path: '/extension', value: [{ url: SHARING_DEFAULT_URL, valueBoolean: true }] }],
    });
    assert.equal(patch.status, 400);
    assert.deepEqual(paths(patch.body), ['Organization.extension[0].value[x]']);

    const transaction = await fhirFetch(suite.F, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { ...before, extension: [{ url: SHARING_DEFAULT_URL, valueCode: 'everything' }] },
            request: { method: 'PUT', url: `Organization/${before.id}` },
          },
        ],
      },
    });
    assert.equal(transaction.status, 400);
    assert.ok(
      paths(transaction.body).some((p) => p.endsWith('extension[0].value[x]')),
      JSON.stringify(transaction.body),
    );

    const after = await stored();
    assert.deepEqual(after, before);
    assert.equal(await versions(), history);

    // The same write with good settings is accepted: the refusals above were the settings' doing.
    const good = await put([
      { url: SHARING_DEFAULT_URL, valueCode: 'results' },
      { url: NOTE_SHARING_URL, valueBoolean: true },
    ]);
    assert.equal(good.status, 200, JSON.stringify(good.body));
  });

  it('a practice setting on another resource type is refused with its path, and nothing is created', async () => {
    const patients = async () => (await fhirFetch(`${suite.F}/Patient?_summary=count`)).body.total as number;
    const count = await patients();
    const res = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: {
        resourceType: 'Patient',
        name: [{ family: 'F' }],
        extension: [{ url: NOTE_SHARING_URL, valueBoolean: true }],
      },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(paths(res.body), ['Patient.extension[0]']);
    assert.equal(await patients(), count);
  });
});
