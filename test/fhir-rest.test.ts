import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { authedFetch, fhirFetch, testServerForSuite } from './support/test-server.ts';

/** The FHIR R4 REST interactions over real HTTP on the embedded store. */
describe('FHIR REST', () => {
  const suite = testServerForSuite();

  it('create → read → stale If-Match 412 → history 2 versions → delete → read 410', async () => {
    const created = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Lifecycle' }] },
    });
    assert.equal(created.status, 201);
    const id = created.body.id;
    assert.equal(created.headers.get('etag'), 'W/"1"');
    assert.equal(created.headers.get('location'), `${suite.F}/Patient/${id}/_history/1`);
    assert.ok(created.headers.get('last-modified'));

    const read = await fhirFetch(`${suite.F}/Patient/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('content-type'), 'application/fhir+json; charset=utf-8');
    assert.equal(read.headers.get('cache-control'), 'no-store');
    assert.deepEqual(read.body, created.body);

    const v2 = await fhirFetch(`${suite.F}/Patient/${id}`, {
      method: 'PUT',
      body: { ...read.body, gender: 'female' },
      headers: { 'if-match': 'W/"1"' },
    });
    assert.equal(v2.status, 200);
    assert.equal(v2.body.meta.versionId, '2');
    const stale = await fhirFetch(`${suite.F}/Patient/${id}`, {
      method: 'PUT',
      body: { ...read.body, gender: 'male' },
      headers: { 'if-match': 'W/"1"' },
    });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.resourceType, 'OperationOutcome');

    const history = await fhirFetch(`${suite.F}/Patient/${id}/_history`);
    assert.equal(history.body.type, 'history');
    assert.deepEqual(
      history.body.entry.map((e: any) => e.resource.meta.versionId),
      ['2', '1'],
    );
    assert.equal((await fhirFetch(`${suite.F}/Patient/${id}/_history/1`)).body.gender, undefined);

    const deleted = await fhirFetch(`${suite.F}/Patient/${id}`, { method: 'DELETE' });
    assert.equal(deleted.status, 200);
    const gone = await fhirFetch(`${suite.F}/Patient/${id}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.issue[0].code, 'deleted');
    assert.equal((await fhirFetch(`${suite.F}/Patient/${id}/_history`)).body.entry[0].request.method, 'DELETE');
  });

  it('rejects an invalid Patient with 400 naming Patient.birthDate and stores nothing', async () => {
    const before = await fhirFetch(`${suite.F}/Patient/_history?_count=1000`);
    const res = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', birthDate: 'notadate' },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.ok(
      res.body.issue.some((i: any) => i.expression?.includes('Patient.birthDate')),
      JSON.stringify(res.body),
    );
    const afterwards = await fhirFetch(`${suite.F}/Patient/_history?_count=1000`);
    assert.equal(afterwards.body.entry.length, before.body.entry.length);
  });

  it('enforces our profiles named in meta.profile, and accepts profiles we do not define', async () => {
    const url = 'https://patient-portal.example.org/fhir/StructureDefinition/portal-patient';
    const missing = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', meta: { profile: [url] }, name: [{ family: 'Profiled' }] },
    });
    assert.equal(missing.status, 400);
    const paths = missing.body.issue.flatMap((i: any) => i.expression ?? []);
    assert.ok(paths.includes('Patient.birthDate') && paths.includes('Patient.telecom'), JSON.stringify(paths));
    const complete = {
      resourceType: 'Patient',
      meta: { profile: [url] },
      name: [{ family: 'Profiled' }],
      birthDate: '1990-01-01',
      telecom: [{ system: 'email', value: 'p@example.org' }],
    };
    assert.equal((await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body: complete })).status, 201);
    const foreign = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', meta: { profile: ['http://example.org/other'] } },
    });
    assert.equal(foreign.status, 201);
  });

  it('answers 404 for unknown ids and 304 for unchanged conditional reads', async () => {
    assert.equal((await fhirFetch(`${suite.F}/Patient/does-not-exist`)).status, 404);
    assert.equal((await fhirFetch(`${suite.F}/Patient/does-not-exist/_history`)).status, 404);
    const { body } = await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } });
    assert.equal(
      (await fhirFetch(`${suite.F}/Patient/${body.id}`, { headers: { 'if-none-match': 'W/"1"' } })).status,
      304,
    );
    assert.equal(
      (await fhirFetch(`${suite.F}/Patient/${body.id}`, { headers: { 'if-none-match': 'W/"2"' } })).status,
      200,
    );
    const later = new Date(Date.parse(body.meta.lastUpdated) + 5000).toUTCString();
    const earlier = new Date(Date.parse(body.meta.lastUpdated) - 5000).toUTCString();
    assert.equal(
      (await fhirFetch(`${suite.F}/Patient/${body.id}`, { headers: { 'if-modified-since': later } })).status,
      304,
    );
    assert.equal(
      (await fhirFetch(`${suite.F}/Patient/${body.id}`, { headers: { 'if-modified-since': earlier } })).status,
      200,
    );
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient' },
      headers: { prefer: 'return=minimal' },
    });
    assert.equal(minimal.status, 201);
    assert.equal(minimal.body, undefined);
    assert.ok(minimal.headers.get('location'));
    const oo = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient' },
      headers: { prefer: 'return=OperationOutcome' },
    });
    assert.equal(oo.body.resourceType, 'OperationOutcome');
  });

  it('creates on update with a client-chosen id (201) and updates it after (200)', async () => {
    const first = await fhirFetch(`${suite.F}/Patient/client-id-7`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id: 'client-id-7' },
    });
    assert.equal(first.status, 201);
    assert.equal(first.headers.get('location'), `${suite.F}/Patient/client-id-7/_history/1`);
    const second = await fhirFetch(`${suite.F}/Patient/client-id-7`, {
      method: 'PUT',
      body: { resourceType: 'Patient', id: 'client-id-7', active: true },
    });
    assert.equal(second.status, 200);
    assert.equal(second.body.meta.versionId, '2');
  });

  it('conditional create with If-None-Exist: 0 → 201, 1 → 200, many → 412', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:rest', value: 'ine-1' }] };
    const headers = { 'if-none-exist': 'identifier=urn:rest|ine-1' };
    const a = await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body, headers });
    assert.equal(a.status, 201);
    const b = await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body, headers });
    assert.equal(b.status, 200);
    assert.equal(b.body.id, a.body.id);
    await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body });
    const c = await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body, headers });
    assert.equal(c.status, 412);
  });

  it('conditional update and delete on /Patient?identifier=...', async () => {
    const body = { resourceType: 'Patient', identifier: [{ system: 'urn:rest', value: 'cu-7' }] };
    const created = await fhirFetch(`${suite.F}/Patient?identifier=urn:rest|cu-7`, { method: 'PUT', body });
    assert.equal(created.status, 201);
    const updated = await fhirFetch(`${suite.F}/Patient?identifier=urn:rest|cu-7`, {
      method: 'PUT',
      body: { ...body, active: false },
    });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.id, created.body.id);
    assert.equal((await fhirFetch(`${suite.F}/Patient?identifier=urn:rest|cu-7`, { method: 'DELETE' })).status, 200);
    assert.equal((await fhirFetch(`${suite.F}/Patient/${created.body.id}`)).status, 410);
    assert.equal((await fhirFetch(`${suite.F}/Patient`, { method: 'DELETE' })).status, 400);
  });

  it('patches with JSON Patch and If-Match', async () => {
    const { body } = await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } });
    const patch = [{ op: 'add', path: '/active', value: true }];
    const headers = { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' };
    const ok = await fhirFetch(`${suite.F}/Patient/${body.id}`, { method: 'PATCH', body: patch, headers });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.active, true);
    assert.equal(
      (await fhirFetch(`${suite.F}/Patient/${body.id}`, { method: 'PATCH', body: patch, headers })).status,
      412,
    );
    const wrongType = await fhirFetch(`${suite.F}/Patient/${body.id}`, { method: 'PATCH', body: patch });
    assert.equal(wrongType.status, 415);
  });

  it('searches by name with next links that page through every match once', async () => {
    for (let i = 0; i < 7; i++) {
      await fhirFetch(`${suite.F}/Patient`, {
        method: 'POST',
        body: { resourceType: 'Patient', name: [{ family: `Pagingfamily${i}` }] },
      });
    }
    const seen: string[] = [];
    let url: string | undefined = `${suite.F}/Patient?name=pagingfam&_count=3`;
    let pages = 0;
    while (url && pages < 10) {
      const page = await fhirFetch(url);
      assert.equal(page.body.type, 'searchset');
      seen.push(...page.body.entry.map((e: any) => e.resource.id));
      url = page.body.link.find((l: any) => l.relation === 'next')?.url;
      pages++;
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, 7);
    assert.equal(new Set(seen).size, 7);
    const form = await authedFetch(`${suite.F}/Patient/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=pagingfam&_count=100',
    });
    assert.equal(((await form.json()) as any).entry.length, 7);
  });

  it('reports ignored search parameters, and rejects them under Prefer: handling=strict', async () => {
    const lenient = await fhirFetch(`${suite.F}/Patient?nonsense=1&name=zzz`);
    assert.equal(lenient.status, 200);
    const outcome = lenient.body.entry.find((e: any) => e.search.mode === 'outcome');
    assert.match(outcome.resource.issue[0].details.text, /nonsense/);
    const strict = await fhirFetch(`${suite.F}/Patient?nonsense=1`, { headers: { prefer: 'handling=strict' } });
    assert.equal(strict.status, 400);
  });

  it('$validate on type and instance stores nothing', async () => {
    const bad = await fhirFetch(`${suite.F}/Patient/$validate`, {
      method: 'POST',
      body: { resourceType: 'Patient', birthDate: 'x' },
    });
    assert.equal(bad.status, 200);
    assert.ok(bad.body.issue.some((i: any) => i.severity === 'error' && i.expression?.includes('Patient.birthDate')));
    const good = await fhirFetch(`${suite.F}/Patient/$validate`, {
      method: 'POST',
      body: {
        resourceType: 'Parameters',
        parameter: [{ name: 'resource', resource: { resourceType: 'Patient', name: [{ family: 'Valid' }] } }],
      },
    });
    assert.equal(good.body.issue[0].severity, 'information');
    assert.equal((await fhirFetch(`${suite.F}/Patient?family=valid`)).body.entry.length, 0);
    const { body } = await fhirFetch(`${suite.F}/Patient`, { method: 'POST', body: { resourceType: 'Patient' } });
    assert.equal((await fhirFetch(`${suite.F}/Patient/${body.id}/$validate`)).body.issue[0].severity, 'information');
  });

  it('Patient/$everything returns the patient and its compartment, paged, and nothing of others', async () => {
    const { body: patient } = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Everything' }] },
    });
    const { body: other } = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient' },
    });
    const mine: string[] = [`Patient/${patient.id}`];
    for (let i = 0; i < 5; i++) {
      const obs = await fhirFetch(`${suite.F}/Observation`, {
        method: 'POST',
        body: {
          resourceType: 'Observation',
          status: 'final',
          code: { text: `o${i}` },
          subject: { reference: `Patient/${patient.id}` },
        },
      });
      mine.push(`Observation/${obs.body.id}`);
    }
    const condition = await fhirFetch(`${suite.F}/Condition`, {
      method: 'POST',
      body: { resourceType: 'Condition', code: { text: 'asthma' }, subject: { reference: `Patient/${patient.id}` } },
    });
    assert.equal(condition.status, 201, JSON.stringify(condition.body));
    mine.push(`Condition/${condition.body.id}`);
    await fhirFetch(`${suite.F}/Observation`, {
      method: 'POST',
      body: {
        resourceType: 'Observation',
        status: 'final',
        code: { text: 'theirs' },
        subject: { reference: `Patient/${other.id}` },
      },
    });

    const seen: string[] = [];
    let url: string | undefined = `${suite.F}/Patient/${patient.id}/$everything?_count=3`;
    for (let pages = 0; url && pages < 10; pages++) {
      const page = await fhirFetch(url);
      assert.equal(page.status, 200);
      assert.ok(page.body.entry.length <= 3);
      seen.push(...page.body.entry.map((e: any) => `${e.resource.resourceType}/${e.resource.id}`));
      url = page.body.link.find((l: any) => l.relation === 'next')?.url;
    }
    assert.deepEqual(seen.sort(), mine.sort());
    const onlyObs = await fhirFetch(`${suite.F}/Patient/${patient.id}/$everything?_type=Observation`);
    assert.equal(onlyObs.body.entry.length, 5);
    assert.equal((await fhirFetch(`${suite.F}/Patient/nobody/$everything`)).status, 404);
    assert.equal((await fhirFetch(`${suite.F}/Observation/x/$everything`)).status, 404);
    assert.equal((await fhirFetch(`${suite.F}/Patient/${patient.id}/$everything?_type=Banana`)).status, 400);
  });

  it('serves a CapabilityStatement generated from the routes', async () => {
    const { status, body } = await fhirFetch(`${suite.F}/metadata`);
    assert.equal(status, 200);
    assert.equal(body.fhirVersion, '4.0.1');
    const patient = body.rest[0].resource.find((r: any) => r.type === 'Patient');
    const codes = patient.interaction.map((i: any) => i.code).sort();
    assert.deepEqual(codes, [
      'create',
      'delete',
      'history-instance',
      'history-type',
      'patch',
      'read',
      'search-type',
      'update',
      'vread',
    ]);
    assert.ok(patient.searchParam.some((p: any) => p.name === 'name' && p.type === 'string'));
    assert.deepEqual(patient.operation.map((o: any) => o.name).sort(), [
      'everything',
      'invite',
      'uninvite',
      'validate',
    ]);
    assert.equal(
      patient.operation.find((o: any) => o.name === 'invite').definition,
      'https://patient-portal.example.org/fhir/OperationDefinition/invite',
    );
    assert.deepEqual(
      body.rest[0].resource
        .find((r: any) => r.type === 'Observation')
        .operation.map((o: any) => o.name)
        .sort(),
      ['share', 'unshare', 'validate'],
    );
    assert.deepEqual(
      body.rest[0].resource.find((r: any) => r.type === 'Observation').operation.find((o: any) => o.name === 'share')
        .definition,
      'https://patient-portal.example.org/fhir/OperationDefinition/share',
      'our own operations name our OperationDefinitions',
    );
    const person = body.rest[0].resource.find((r: any) => r.type === 'Person');
    assert.deepEqual(person.operation.map((o: any) => o.name).sort(), ['update-profile', 'validate']);
    const updateProfile = person.operation.find((o: any) => o.name === 'update-profile').definition;
    assert.equal(updateProfile, 'https://patient-portal.example.org/fhir/OperationDefinition/update-profile');
    const definition = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '..', 'fhir-profiles', 'operation-definitions', 'update-profile.json'),
        'utf8',
      ),
    );
    assert.equal(definition.url, updateProfile, 'the OperationDefinition the CapabilityStatement names is ours');
    // Every OperationDefinition of ours the statement names is a file in fhir-profiles/ with that url.
    const ours = new Set<string>(
      body.rest[0].resource
        .flatMap((r: any) => r.operation ?? [])
        .map((o: any) => o.definition)
        .filter((d: string) => d.startsWith('https://patient-portal.example.org/')),
    );
    const folder = join(import.meta.dirname, '..', 'fhir-profiles', 'operation-definitions');
    const files = new Set(
      readdirSync(folder).map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')).url as string),
    );
    for (const url of ours) assert.ok(files.has(url), `${url} has its OperationDefinition in fhir-profiles/`);
    assert.ok(
      !patient.searchParam.some((p: any) => p.type === 'composite'),
      'only implemented parameter types are claimed',
    );
    assert.deepEqual(body.rest[0].interaction.map((i: any) => i.code).sort(), [
      'batch',
      'history-system',
      'transaction',
    ]);
    assert.equal(body.rest[0].resource.length > 140, true);
  });

  it('the base URL answers the CapabilityStatement; a system-level search is not served', async () => {
    const [base, metadata] = await Promise.all([fhirFetch(suite.F), fhirFetch(`${suite.F}/metadata`)]);
    assert.equal(base.status, 200);
    assert.deepEqual(base.body, metadata.body);
    assert.equal(base.headers.get('content-location'), `${suite.F}/metadata`);
    assert.equal((await fhirFetch(`${suite.F}?_format=json`)).status, 200, 'presentation parameters are not a search');
    const search = await fhirFetch(`${suite.F}?_id=x`);
    assert.equal(search.status, 404);
    assert.equal(search.body.issue[0].code, 'not-supported');
  });

  it('health endpoints and request ids', async () => {
    const live = await fetch(`${suite.server.baseUrl}/healthz`);
    assert.equal(live.status, 200);
    const ready = await fetch(`${suite.server.baseUrl}/readyz`, { headers: { 'x-request-id': 'abc-123' } });
    assert.equal(ready.status, 200);
    assert.equal(ready.headers.get('x-request-id'), 'abc-123');
    assert.deepEqual(await ready.json(), { status: 'ready', store: 'sqlite' });
  });
});
