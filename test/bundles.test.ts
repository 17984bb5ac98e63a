import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authedFetch, fhirFetch, startTestServer, testServerForSuite } from './support/test-server.ts';
import { sharedDataMissing, syntheaBundles } from './support/shared-data.ts';

/** batch and transaction Bundles over HTTP (R4 semantics). */
describe('batch and transaction', () => {
  const suite = testServerForSuite();

  // Versions of the data (the audit trail's AuditEvents are written in the background, apart).
  const versionCount = async (): Promise<number> =>
    (await suite.server.repo.history({ count: 100_000 })).filter((v) => v.resourceType !== 'AuditEvent').length;
  const post = (body: unknown) => fhirFetch(suite.F, { method: 'POST', body });

  it('resolves urn:uuid fullUrls and rewrites every reference to them', async () => {
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:obs-1',
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'weight' },
            subject: { reference: 'urn:uuid:pat-1' },
            hasMember: [{ reference: 'urn:uuid:obs-2' }],
          },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:obs-2',
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'height' },
            subject: { reference: 'urn:uuid:pat-1' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:pat-1',
          resource: { resourceType: 'Patient', name: [{ family: 'Bundled' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.type, 'transaction-response');
    assert.deepEqual(
      res.body.entry.map((e: any) => e.response.status),
      ['201 Created', '201 Created', '201 Created'],
    );
    const patientId = res.body.entry[2].resource.id;
    const obs1 = (await fhirFetch(`${suite.F}/${res.body.entry[0].response.location.split('/_history')[0]}`)).body;
    assert.equal(obs1.subject.reference, `Patient/${patientId}`);
    assert.equal(obs1.hasMember[0].reference, `Observation/${res.body.entry[1].resource.id}`);
    const search = await fhirFetch(`${suite.F}/Observation?subject=Patient/${patientId}`);
    assert.equal(search.body.entry.length, 2);
  });

  it('a transaction with one invalid entry stores nothing and names the entry', async () => {
    const before = await versionCount();
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', name: [{ family: 'Fine' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        { resource: { resourceType: 'Patient', birthDate: 'notadate' }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    assert.equal(res.status, 400);
    assert.ok(
      res.body.issue.some((i: any) => i.expression?.includes('Bundle.entry[1].resource.birthDate')),
      JSON.stringify(res.body),
    );
    assert.equal(await versionCount(), before);
  });

  it('a transaction with a code outside a required binding (Observation.status) stores nothing and names the path', async () => {
    const before = await versionCount();
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:rb-p',
          resource: { resourceType: 'Patient', name: [{ family: 'Bound' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Observation',
            status: 'not-a-status',
            code: { text: 'x' },
            subject: { reference: 'urn:uuid:rb-p' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.ok(
      res.body.issue.some(
        (i: any) => i.severity === 'error' && i.expression?.includes('Bundle.entry[1].resource.status'),
      ),
      JSON.stringify(res.body),
    );
    assert.equal(await versionCount(), before);
    // A plain create is refused the same way; an extensible binding (Encounter.class) takes any code.
    const create = await fhirFetch(`${suite.F}/Observation`, {
      method: 'POST',
      body: { resourceType: 'Observation', status: 'not-a-status', code: { text: 'x' } },
    });
    assert.equal(create.status, 400);
    assert.ok(
      create.body.issue.some((i: any) => i.expression?.includes('Observation.status')),
      JSON.stringify(create.body),
    );
    const encounter = await fhirFetch(`${suite.F}/Encounter`, {
      method: 'POST',
      body: {
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://example.org/classes', code: 'home-visit' },
      },
    });
    assert.equal(encounter.status, 201, JSON.stringify(encounter.body));
  });

  it('resolves conditional references and honours ifNoneExist', async () => {
    await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'cond-1' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    });
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:p',
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'cond-1' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:mrn|cond-1' },
        },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'x' },
            subject: { reference: 'Patient?identifier=urn:mrn|cond-1' },
            focus: [{ reference: 'urn:uuid:p' }],
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.entry[0].response.status, '200 OK');
    const patientId = res.body.entry[0].resource.id;
    assert.equal(res.body.entry[1].resource.subject.reference, `Patient/${patientId}`);
    assert.equal(res.body.entry[1].resource.focus[0].reference, `Patient/${patientId}`);
    const missing = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'x' },
            subject: { reference: 'Patient?identifier=urn:mrn|nobody' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    assert.equal(missing.status, 412);
  });

  it('processes DELETE, POST, PUT, GET in R4 order', async () => {
    const { body: victim } = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Victim' }] },
    });
    const res = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: `Patient?_id=${victim.id}` } },
        {
          resource: { resourceType: 'Patient', id: 'put-order-1' },
          request: { method: 'PUT', url: 'Patient/put-order-1' },
        },
        { request: { method: 'DELETE', url: `Patient/${victim.id}` } },
      ],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.entry[0].resource.entry.length, 0, 'GET ran after the DELETE');
    assert.equal(res.body.entry[1].response.status, '201 Created');
    assert.equal(res.body.entry[2].response.status, '204 No Content');
  });

  it('a batch keeps the good entries and reports the bad one', async () => {
    const res = await post({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        {
          resource: { resourceType: 'Patient', name: [{ family: 'Batchgood' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        { resource: { resourceType: 'Patient', birthDate: 'bad' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
      ],
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.type, 'batch-response');
    assert.deepEqual(
      res.body.entry.map((e: any) => e.response.status),
      ['201 Created', '400 Bad Request', '404 Not Found'],
    );
    assert.equal(res.body.entry[1].response.outcome.resourceType, 'OperationOutcome');
    assert.equal((await fhirFetch(`${suite.F}/Patient?family=batchgood`)).body.entry.length, 1);
  });

  it('rejects malformed Bundles with an OperationOutcome', async () => {
    assert.equal((await post({ resourceType: 'Bundle', type: 'collection' })).status, 400);
    assert.equal(
      (
        await post({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ request: { method: 'TRACE', url: 'Patient' } }],
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await post({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ request: { method: 'POST', url: 'Nope' }, resource: { resourceType: 'Nope' } }],
        })
      ).status,
      400,
    );
    assert.equal(
      (
        await post({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Observation' } }],
        })
      ).status,
      400,
    );
    const dangling = await post({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          request: { method: 'POST', url: 'Observation' },
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'x' },
            subject: { reference: 'urn:uuid:nowhere' },
          },
        },
      ],
    });
    assert.equal(dangling.status, 400);
    assert.equal((await post({ resourceType: 'Patient' })).status, 400);
  });

  it('refuses Bundles over the entry limit', async () => {
    const limited = await startTestServer({ BUNDLE_MAX_ENTRIES: '3' });
    try {
      const entry = Array.from({ length: 4 }, () => ({
        resource: { resourceType: 'Patient' },
        request: { method: 'POST', url: 'Patient' },
      }));
      const res = await fhirFetch(limited.fhirUrl, {
        method: 'POST',
        body: { resourceType: 'Bundle', type: 'transaction', entry },
      });
      assert.equal(res.status, 413);
      // Only the practice's Organization, written when the test server was provisioned.
      assert.deepEqual(
        (await limited.repo.history({ count: 10 })).map((v) => v.resourceType).filter((t) => t !== 'AuditEvent'),
        ['Organization'],
      );
    } finally {
      await limited.close();
    }
  });
});

describe('Synthea transaction import', { skip: sharedDataMissing('synthea-r4-bundles') }, () => {
  const suite = testServerForSuite();

  it('imports all 7 bundles; every stored reference points to a stored resource', async () => {
    let imported = 0;
    for (const { name, text } of syntheaBundles()) {
      const res = await authedFetch(suite.server.fhirUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json' },
        body: text,
      });
      const body = (await res.json()) as any;
      assert.equal(res.status, 200, `${name}: ${JSON.stringify(body).slice(0, 500)}`);
      assert.ok(
        body.entry.every((e: any) => e.response.status === '201 Created'),
        name,
      );
      imported += body.entry.length;
    }
    // Besides the imported resources: the practice's Organization, written when the test server was
    // provisioned, and the audit trail's AuditEvents about the requests.
    const versions = (await suite.server.repo.history({ count: 100_000 })).filter(
      (v) => v.id !== suite.server.practice.practiceId && v.resourceType !== 'AuditEvent',
    );
    assert.equal(versions.length, imported);
    const stored = new Set(versions.map((v) => `${v.resourceType}/${v.id}`));
    const dangling: string[] = [];
    const visit = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(visit);
      else if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (key === 'reference' && typeof child === 'string') {
            // '#id' references point into the resource's own `contained` list.
            if (!child.startsWith('#') && !stored.has(child)) dangling.push(child);
          } else visit(child);
        }
      }
    };
    for (const v of versions) visit(v.resource);
    assert.deepEqual(dangling.slice(0, 10), []);
  });

  it('$everything for an imported patient returns every resource of that patient', async () => {
    const [first] = syntheaBundles();
    const res = await authedFetch(suite.server.fhirUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: first!.text,
    });
    const created: string[] = ((await res.json()) as any).entry.map(
      (e: any) => `${e.resource.resourceType}/${e.resource.id}`,
    );
    const patient = created.find((r) => r.startsWith('Patient/')) as string;
    // Everything Synthea links to the patient is in the compartment; the practice's Organization and
    // Practitioner records are not.
    const expected = created.filter((r) => !r.startsWith('Organization/') && !r.startsWith('Practitioner/')).sort();
    const seen: string[] = [];
    let url: string | undefined = `${suite.server.fhirUrl}/${patient}/$everything?_count=50`;
    for (let pages = 0; url && pages < 100; pages++) {
      const page = (await (await authedFetch(url)).json()) as any;
      seen.push(...page.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`));
      url = page.link.find((l: any) => l.relation === 'next')?.url;
    }
    assert.deepEqual(seen.sort(), expected);
  });
});
