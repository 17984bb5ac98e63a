import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirFetch, startTestServer } from './support/test-server.ts';
import type { TestServer } from './support/test-server.ts';

/**
 * Search over HTTP: result shaping (_include/_revinclude, _summary, _elements), sorted paging with
 * next/previous links, GET and POST _search giving the same answer, and hostile searches that must
 * end quickly in a clear OperationOutcome while the server stays up.
 */
let server: TestServer;
let F: string;
const SUBSETTED = 'SUBSETTED';

const put = async (resource: Record<string, unknown>): Promise<void> => {
  const res = await fhirFetch(`${F}/${resource.resourceType}/${resource.id}`, { method: 'PUT', body: resource });
  assert.ok(res.status === 201 || res.status === 200, JSON.stringify(res.body));
};
const search = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fhirFetch(`${F}/${path}`, { headers });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
};
const ids = (bundle: any, mode = 'match'): string[] =>
  bundle.entry
    .filter((e: any) => e.search?.mode === mode)
    .map((e: any) => `${e.resource.resourceType}/${e.resource.id}`);
const link = (bundle: any, relation: string): string | undefined =>
  bundle.link.find((l: any) => l.relation === relation)?.url;

describe('search over HTTP', () => {
  before(async () => {
    server = await startTestServer();
    F = server.fhirUrl;
    // Two organizations that are part of each other: a reference cycle for _include:iterate.
    await put({
      resourceType: 'Organization',
      id: 'org-a',
      name: 'Alpha Clinic',
      partOf: { reference: 'Organization/org-b' },
    });
    await put({
      resourceType: 'Organization',
      id: 'org-b',
      name: 'Beta Group',
      partOf: { reference: 'Organization/org-a' },
    });
    for (let i = 0; i < 7; i++) {
      await put({
        resourceType: 'Patient',
        id: `pat-${i}`,
        name: [{ family: `Fam${i % 3}`, given: [`G${i}`] }],
        gender: i % 2 ? 'male' : 'female',
        birthDate: `19${70 + i}-01-0${1 + (i % 5)}`,
        managingOrganization: { reference: 'Organization/org-a' },
        text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">Patient number ${i}</div>` },
      });
      await put({
        resourceType: 'Observation',
        id: `obs-${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/pat-${i}` },
        effectiveDateTime: `2024-0${1 + (i % 9)}-10`,
        valueQuantity: { value: 60 + i, system: 'http://unitsofmeasure.org', code: '/min' },
      });
    }
  });
  after(() => server.close());

  it('_include brings the referenced patients once; _revinclude the observations pointing at them', async () => {
    const withPatients = await search('Observation?value-quantity=lt63&_include=Observation:subject');
    assert.deepEqual(ids(withPatients), ['Observation/obs-0', 'Observation/obs-1', 'Observation/obs-2']);
    assert.deepEqual(ids(withPatients, 'include').sort(), ['Patient/pat-0', 'Patient/pat-1', 'Patient/pat-2']);
    const withObservations = await search('Patient?_id=pat-3,pat-4&_revinclude=Observation:subject');
    assert.deepEqual(ids(withObservations, 'include').sort(), ['Observation/obs-3', 'Observation/obs-4']);
    const typed = await search('Observation?_id=obs-1&_include=Observation:subject:Group');
    assert.deepEqual(ids(typed, 'include'), []);
  });

  it('_include:iterate follows references from included resources and stops at a cycle', async () => {
    const bundle = await search('Patient?_id=pat-1&_include=Patient:organization&_include:iterate=Organization:partof');
    assert.deepEqual(ids(bundle, 'include').sort(), ['Organization/org-a', 'Organization/org-b']);
    const wildcard = await search('Organization?_id=org-a&_include:iterate=Organization:*');
    assert.deepEqual(ids(wildcard, 'include'), ['Organization/org-b']);
  });

  it('_summary and _elements return tagged subsets; _summary=count only the total', async () => {
    const summary = await search('Patient?_id=pat-2&_summary=true');
    const p = summary.entry[0].resource;
    assert.ok(p.name && p.gender && p.birthDate && !p.text, JSON.stringify(p));
    assert.ok(p.meta.tag.some((t: any) => t.code === SUBSETTED));
    const text = (await search('Patient?_id=pat-2&_summary=text')).entry[0].resource;
    assert.ok(text.text && !text.name);
    const data = (await search('Patient?_id=pat-2&_summary=data')).entry[0].resource;
    assert.ok(data.name && !data.text);
    const elements = (await search('Observation?_id=obs-2&_elements=value[x],subject')).entry[0].resource;
    assert.deepEqual(Object.keys(elements).sort(), [
      'code',
      'id',
      'meta',
      'resourceType',
      'status',
      'subject',
      'valueQuantity',
    ]);
    const count = await search('Patient?gender=male&_summary=count');
    assert.equal(count.total, 3);
    assert.equal(count.entry.length, 0);
    const whole = (await search('Patient?_id=pat-2')).entry[0].resource;
    assert.ok(!whole.meta.tag.some((t: any) => t.code === 'SUBSETTED'), 'a whole resource is not tagged SUBSETTED');
  });

  it('sorted pages link next and previous and visit every match once, in order, both ways', async () => {
    // family descending (Fam2, Fam1, Fam0), then birthdate ascending (pat-i is born in 1970 + i)
    const order = ['pat-2', 'pat-5', 'pat-1', 'pat-4', 'pat-0', 'pat-3', 'pat-6'];
    const all = await search('Patient?_sort=-family,birthdate&_count=100');
    assert.deepEqual(
      ids(all).map((x) => x.slice(8)),
      order,
    );
    let page = await search('Patient?_sort=-family,birthdate&_count=3&_total=accurate');
    assert.equal(page.total, 7);
    assert.equal(link(page, 'previous'), undefined);
    const forward: string[] = [...ids(page)];
    const pages = [page];
    while (link(page, 'next')) {
      page = (await fhirFetch(link(page, 'next') as string)).body;
      pages.push(page);
      forward.push(...ids(page));
    }
    assert.deepEqual(
      forward.map((x) => x.slice(8)),
      order,
    );
    assert.equal(pages.length, 3);
    const backward: string[][] = [];
    while (link(page, 'previous')) {
      page = (await fhirFetch(link(page, 'previous') as string)).body;
      backward.unshift(ids(page));
    }
    assert.deepEqual(
      backward,
      pages.slice(0, -1).map((p) => ids(p)),
    );
  });

  it('GET and POST _search give identical results, chains and _has included', async () => {
    const query = 'subject:Patient.organization.name=alpha&value-quantity=ge64&_sort=-date';
    const get = await search(`Observation?${query}`);
    const post = await fhirFetch(`${F}/Observation/_search`, {
      method: 'POST',
      body: query,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(post.status, 200);
    assert.deepEqual(ids(post.body), ids(get));
    assert.deepEqual(ids(get), ['Observation/obs-6', 'Observation/obs-5', 'Observation/obs-4']);
    const has = await search('Patient?_has:Observation:subject:value-quantity=gt65');
    assert.deepEqual(ids(has), ['Patient/pat-6']);
    const text = await search('Patient?_text=number 4');
    assert.deepEqual(ids(text), ['Patient/pat-4']);
  });

  describe('hostile searches end quickly with an OperationOutcome, and the server stays up', () => {
    const rejects = async (path: string, pattern: RegExp, status = 400) => {
      const res = await fhirFetch(`${F}/${path}`, { headers: { prefer: 'handling=strict' } });
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.match(JSON.stringify(res.body.issue), pattern);
    };

    it('regular-expression metacharacters and NUL are literal text', async () => {
      for (const value of ['(a+)+$', '.*', '[', '\\', '\u0000', '(x|y){1,99999}', '%', '_']) {
        for (const mode of ['contains', 'exact', 'text']) {
          const param = mode === 'text' ? 'gender:text' : `family:${mode}`;
          const bundle = await search(`Patient?${param}=${encodeURIComponent(value)}`);
          assert.deepEqual(ids(bundle), [], `${param}=${value}`);
        }
      }
    });

    it('a huge _count is clamped; thousands of OR values are refused', async () => {
      const bundle = await search('Patient?_count=999999999');
      assert.equal(ids(bundle).length, 7);
      await rejects(`Patient?_id=${Array.from({ length: 1500 }, (_, i) => `x${i}`).join(',')}`, /At most 100 values/);
      const body = `_id=${Array.from({ length: 5000 }, (_, i) => `x${i}`).join(',')}`;
      const post = await fhirFetch(`${F}/Patient/_search`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(post.status, 400);
      assert.match(JSON.stringify(post.body.issue), /At most 100 values/);
    });

    it('chains and _has deeper than the limit are refused', async () => {
      const chain = `Observation?subject:Patient.organization${'.partof'.repeat(18)}.name=x`;
      await rejects(chain, /chains more than 4 links/);
      const has = `Patient?${'_has:Observation:subject:'.repeat(1)}_has:Observation:subject:code=x`;
      await rejects(has, /cannot refer to Observation/);
      const deepHas = `Organization?${'_has:Organization:partof:'.repeat(20)}name=x`;
      await rejects(deepHas, /chains more than 4 links/);
    });

    it('malformed values and cursors are 400s naming the parameter', async () => {
      await rejects('Observation?value-quantity=ten', /Invalid number/);
      await rejects('Observation?code-value-quantity=8867-4', /two components/);
      await rejects('Patient?_sort=banana', /Cannot sort/);
      await rejects('Patient?_cursor=eyJ4Ijox', /Invalid paging cursor/);
      await rejects('Patient?_include=Observation:subject', /must start with Patient/);
      await rejects('Patient?_elements=na$me', /Invalid element name/);
      await rejects('Patient?gender:missing=maybe', /true or false/);
      await rejects('Patient?gender:in=http://example.org/no-such-valueset', /no local expansion/);
    });

    it('the server still answers', async () => {
      const res = await fhirFetch(`${F}/metadata`);
      assert.equal(res.status, 200);
    });
  });
});
