import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { before, describe, it } from 'node:test';
import type { Binary, OperationOutcome } from '@medplum/fhirtypes';
import { CONTENT_URL } from '../server/fhir/binary/binary-content.ts';
import { CHUNK_BYTES } from '../server/storage/blob-store.ts';
import { docx, heic, jpeg, pdf, png, zip } from './support/document-samples.ts';
import { eventually } from './support/eventually.ts';
import { authedFetch, fhirFetch, testServerForSuite } from './support/test-server.ts';

/**
 * Binary content over HTTP (issue 12, decision 0022) on a real server and store: raw uploads
 * streamed into the blob store and served back as attachments, FHIR JSON both ways, and every hostile
 * upload refused with an OperationOutcome and nothing stored (no Binary version, no blob, no chunk).
 * Access to Binaries (another practice, another patient) is in binary-access.test.ts.
 */
const LIMIT = 600 * 1024;
const PDF_TYPE = 'application/pdf';

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('Binary content over HTTP', () => {
  const suite = testServerForSuite({ BINARY_LIMIT_BYTES: String(LIMIT) });
  let patient = '';

  before(async () => {
    const res = await fhirFetch(`${suite.F}/Patient`, {
      method: 'POST',
      body: { resourceType: 'Patient', name: [{ family: 'Upload' }] },
    });
    assert.equal(res.status, 201);
    patient = `Patient/${res.body.id}`;
  });

  /** A raw upload as a client sends it (Content-Length set by fetch). */
  const upload = (body: Buffer | string, contentType: string, headers: Record<string, string> = {}, path = '/Binary') =>
    authedFetch(`${suite.F}${path}`, {
      method: path === '/Binary' ? 'POST' : 'PUT',
      headers: { 'content-type': contentType, accept: 'application/fhir+json', ...headers },
      body,
    });

  /** What is stored: Binary versions and blob store usage. */
  const stored = async () => ({
    binaries: (await suite.server.engine.reader.history({ resourceType: 'Binary', count: 10_000 })).length,
    ...(await suite.server.engine.blobs.usage()),
  });

  const download = async (url: string, accept = '*/*') => {
    const res = await authedFetch(url, { headers: { accept } });
    return { res, bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it('stores a multi-chunk PDF streamed raw and serves identical bytes as an attachment', async () => {
    const content = pdf(2 * CHUNK_BYTES + 70_000);
    const before = await stored();
    const res = await upload(content, PDF_TYPE, {
      'x-security-context': patient,
      // Directories, a control character, quotes and a right-to-left override, as RFC 8187 carries them.
      'content-disposition':
        'attachment; filename="fallback.pdf"; filename*=UTF-8\'\'..%2F..%2Fetc%2FRe%07port%20%22final%22%E2%80%AE.pdf',
    });
    assert.equal(res.status, 201, await res.clone().text());
    const binary = (await res.json()) as Binary;
    assert.equal(binary.contentType, PDF_TYPE);
    assert.deepEqual(binary.securityContext, { reference: patient });
    assert.equal(binary.data, undefined, 'the stored Binary never carries the bytes inline');
    const extension = binary.meta?.extension?.find((e) => e.url === CONTENT_URL);
    assert.ok(extension);
    const part = (url: string) => extension.extension?.find((e) => e.url === url);
    assert.equal(part('size')?.valueInteger, content.length);
    assert.equal(part('sha256')?.valueString, sha256(content));
    assert.equal(part('fileName')?.valueString, 'Report final.pdf');
    assert.match(res.headers.get('location') ?? '', new RegExp(`/Binary/${binary.id}/_history/1$`));
    assert.deepEqual(await stored(), {
      binaries: before.binaries + 1,
      blobs: before.blobs + 1,
      chunks: before.chunks + 3,
    });

    for (const accept of ['application/pdf', '*/*', 'text/html,application/xhtml+xml,*/*;q=0.8']) {
      const { res: got, bytes } = await download(`${suite.F}/Binary/${binary.id}`, accept);
      assert.equal(got.status, 200);
      assert.equal(sha256(bytes), sha256(content), `Accept: ${accept}`);
      assert.equal(got.headers.get('content-type'), PDF_TYPE);
      assert.equal(got.headers.get('content-length'), String(content.length));
      assert.equal(
        got.headers.get('content-disposition'),
        `attachment; filename="Report final.pdf"; filename*=UTF-8''Report%20final.pdf`,
      );
      assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
      assert.match(got.headers.get('content-security-policy') ?? '', /^sandbox;/);
      assert.equal(got.headers.get('cache-control'), 'no-store');
      assert.equal(got.headers.get('etag'), 'W/"1"');
      assert.equal(
        got.headers.get('repr-digest'),
        `sha-256=:${createHash('sha256').update(content).digest('base64')}:`,
      );
    }
    // As FHIR JSON: the resource, with the (small) content inline as R4 clients expect.
    const json = await fhirFetch(`${suite.F}/Binary/${binary.id}`);
    assert.equal(json.status, 200);
    assert.equal(sha256(Buffer.from(json.body.data, 'base64')), sha256(content));
    // What the store keeps has no data.
    const kept = await suite.server.repo.read<Binary>('Binary', binary.id as string);
    assert.equal(kept.data, undefined);
  });

  it('serves each version its own content (vread), an update streaming new bytes', async () => {
    const first = Buffer.from('first letter\n');
    const created = await upload(first, 'text/plain; charset=utf-8', { 'x-security-context': patient });
    assert.equal(created.status, 201);
    const { id } = (await created.json()) as Binary;
    const second = png();
    const updated = await upload(
      second,
      'image/png',
      { 'x-security-context': patient, 'if-match': 'W/"1"' },
      `/Binary/${id}`,
    );
    assert.equal(updated.status, 200, await updated.clone().text());
    const stale = await upload(first, 'text/plain', { 'if-match': 'W/"1"' }, `/Binary/${id}`);
    assert.equal(stale.status, 412);
    const v1 = await download(`${suite.F}/Binary/${id}/_history/1`, 'text/plain');
    assert.equal(v1.res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(v1.bytes.toString(), 'first letter\n');
    assert.match(v1.res.headers.get('content-disposition') ?? '', /^attachment; filename="document\.txt"/);
    const v2 = await download(`${suite.F}/Binary/${id}/_history/2`, 'image/png');
    assert.equal(v2.res.headers.get('content-type'), 'image/png');
    assert.equal(sha256(v2.bytes), sha256(second));
    const current = await download(`${suite.F}/Binary/${id}`);
    assert.equal(sha256(current.bytes), sha256(second));
  });

  it('keeps FHIR JSON with base64 data working, the bytes going to the blob store', async () => {
    const before = await stored();
    const res = await fhirFetch(`${suite.F}/Binary`, {
      method: 'POST',
      body: {
        resourceType: 'Binary',
        contentType: 'image/jpeg',
        securityContext: { reference: patient },
        data: jpeg().toString('base64'),
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.data, undefined);
    assert.deepEqual(await stored(), {
      binaries: before.binaries + 1,
      blobs: before.blobs + 1,
      chunks: before.chunks + 1,
    });
    const { res: got } = await download(`${suite.F}/Binary/${res.body.id}`, 'image/jpeg');
    assert.equal(got.headers.get('content-type'), 'image/jpeg');
  });

  it('accepts every allow-listed type whose bytes say so: DOCX and HEIC too', async () => {
    for (const [type, bytes] of [
      ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', docx()],
      ['image/heic', heic()],
      ['image/png', png()],
    ] as const) {
      const res = await upload(bytes, type, { 'x-security-context': patient });
      assert.equal(res.status, 201, `${type}: ${await res.clone().text()}`);
      const { id } = (await res.json()) as Binary;
      const got = await download(`${suite.F}/Binary/${id}`, type);
      assert.equal(got.res.headers.get('content-type'), type);
      assert.equal(sha256(got.bytes), sha256(bytes));
    }
  });

  const html = '<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>';
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>';
  const polyglot = Buffer.concat([pdf(600).subarray(0, 300), Buffer.from('\n<script>alert(1)</script>\n'), pdf(600)]);
  const hostile: Array<{
    name: string;
    body: Buffer | string;
    type: string;
    status: number;
    text: RegExp;
    headers?: Record<string, string>;
  }> = [
    { name: 'HTML declared as PDF', body: html, type: PDF_TYPE, status: 415, text: /looks like HTML/ },
    { name: 'SVG declared as PDF', body: svg, type: PDF_TYPE, status: 415, text: /looks like HTML, SVG/ },
    { name: 'SVG declared as PNG', body: svg, type: 'image/png', status: 415, text: /<svg/ },
    { name: 'SVG as itself', body: svg, type: 'image/svg+xml', status: 415, text: /declared type 'image\/svg\+xml'/ },
    { name: 'HTML as itself', body: html, type: 'text/html', status: 415, text: /not one of them/ },
    { name: 'XML as plain text', body: '<?xml version="1.0"?><a/>', type: 'text/plain', status: 415, text: /<\?xml/ },
    { name: 'a PDF/HTML polyglot', body: polyglot, type: PDF_TYPE, status: 415, text: /<script at byte 301/ },
    {
      name: 'JPEG declared as PNG',
      body: jpeg(),
      type: 'image/png',
      status: 415,
      text: /image\/jpeg, not the declared image\/png/,
    },
    {
      name: 'a plain ZIP declared as DOCX',
      body: zip([['notes.txt', Buffer.from('not a Word document')]]),
      type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      status: 415,
      text: /application\/zip, not the declared/,
    },
    { name: 'DOCX declared as PDF', body: docx(), type: PDF_TYPE, status: 415, text: /wordprocessingml.document, not/ },
    {
      name: 'random bytes declared as PDF',
      body: randomBytes(5000),
      type: PDF_TYPE,
      status: 415,
      text: /not application\/pdf/,
    },
    {
      name: 'PDF declared as plain text',
      body: pdf(1000),
      type: 'text/plain',
      status: 415,
      text: /application\/pdf, not plain text/,
    },
    {
      name: 'text starting with markup',
      body: '  <note>hello</note>',
      type: 'text/plain',
      status: 415,
      text: /start with markup/,
    },
    {
      name: 'text that is not UTF-8',
      body: Buffer.from([0x68, 0x69, 0xc3, 0x28]),
      type: 'text/plain',
      status: 400,
      text: /UTF-8/,
    },
    { name: 'text with a NUL byte', body: Buffer.from('hi\0there'), type: 'text/plain', status: 400, text: /NUL/ },
    {
      name: 'text that turns invalid after several chunks',
      body: Buffer.concat([Buffer.alloc(CHUNK_BYTES + 50_000, 'a'), Buffer.from([0xff, 0xfe])]),
      type: 'text/plain',
      status: 400,
      text: /UTF-8/,
    },
    {
      name: 'text in Latin-1',
      body: 'caf\xe9',
      type: 'text/plain; charset=iso-8859-1',
      status: 415,
      text: /UTF-8 only/,
    },
    { name: 'an empty body', body: Buffer.alloc(0), type: PDF_TYPE, status: 400, text: /empty/ },
    {
      name: 'a body over the limit',
      body: pdf(LIMIT + 50_000),
      type: PDF_TYPE,
      status: 413,
      text: /limit of 614400 bytes/,
    },
    { name: 'no Content-Type', body: pdf(1000), type: '', status: 415, text: /not one of them/ },
    {
      name: 'a malformed X-Security-Context',
      body: pdf(1000),
      type: PDF_TYPE,
      status: 400,
      text: /X-Security-Context/,
      headers: { 'x-security-context': 'http://evil.example/Patient/1' },
    },
  ];
  for (const c of hostile) {
    it(`refuses ${c.name} with an OperationOutcome and stores nothing`, async () => {
      const before = await stored();
      const res = await upload(c.body, c.type, { 'x-security-context': patient, ...c.headers });
      assert.equal(res.status, c.status, await res.clone().text());
      const outcome = (await res.json()) as OperationOutcome;
      assert.equal(outcome.resourceType, 'OperationOutcome');
      assert.match(outcome.issue?.[0]?.details?.text ?? '', c.text);
      assert.deepEqual(await stored(), before);
    });
  }

  it('refuses a body over the limit sent without a length, stopping at the limit', async () => {
    const before = await stored();
    const content = pdf(LIMIT + 100_000);
    const res = await authedFetch(`${suite.F}/Binary`, {
      method: 'POST',
      headers: { 'content-type': PDF_TYPE },
      // A stream: chunked transfer encoding, no Content-Length to refuse on.
      body: new Blob([content]).stream(),
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.match(((await res.json()) as OperationOutcome).issue?.[0]?.details?.text ?? '', /BINARY_LIMIT_BYTES/);
    assert.deepEqual(await stored(), before);
  });

  it('stores nothing of an upload the client cuts off midway', async () => {
    const before = await stored();
    const url = new URL(`${suite.F}/Binary`);
    const authorization = `Bearer ${await suite.server.tokens.token()}`;
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': PDF_TYPE, authorization, 'transfer-encoding': 'chunked' },
    });
    req.on('error', () => undefined);
    req.write(pdf(2 * CHUNK_BYTES + 1000));
    // The upload is under way: its first chunks are in the store.
    await eventually(async () => (await stored()).chunks >= before.chunks + 2, 10_000);
    req.destroy();
    await eventually(async () => {
      const now = await stored();
      return now.chunks === before.chunks && now.blobs === before.blobs;
    }, 10_000);
    assert.deepEqual(await stored(), before);
  });

  it('refuses content smuggled past the upload: inline data in a Bundle, a borrowed or forged content extension', async () => {
    const first = await upload(pdf(2000), PDF_TYPE, { 'x-security-context': patient });
    const victim = (await first.json()) as Binary;
    const mine = (await (
      await upload(Buffer.from('mine'), 'text/plain', { 'x-security-context': patient })
    ).json()) as Binary;
    const before = await stored();
    const bundle = await fhirFetch(suite.F, {
      method: 'POST',
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            resource: { resourceType: 'Binary', contentType: 'text/plain', data: Buffer.from('x').toString('base64') },
            request: { method: 'POST', url: 'Binary' },
          },
        ],
      },
    });
    assert.equal(bundle.status, 400, JSON.stringify(bundle.body));
    assert.match(JSON.stringify(bundle.body), /POST or PUT to \/Binary/);
    // Naming another Binary's blob, through a JSON update or a PATCH, is refused.
    const borrowed = { ...mine, meta: { extension: victim.meta?.extension } };
    const put = await fhirFetch(`${suite.F}/Binary/${mine.id}`, {
      method: 'PUT',
      body: { ...borrowed, data: undefined },
    });
    assert.equal(put.status, 400, JSON.stringify(put.body));
    assert.match(JSON.stringify(put.body), /set by the server/);
    const patch = await fhirFetch(`${suite.F}/Binary/${mine.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: [{ op: 'replace', path: '/meta/extension', value: victim.meta?.extension }],
    });
    assert.equal(patch.status, 400, JSON.stringify(patch.body));
    assert.deepEqual(await stored(), before);
    const still = await download(`${suite.F}/Binary/${mine.id}`, 'text/plain');
    assert.equal(still.bytes.toString(), 'mine');
  });

  it('leaves the other Binary routes as they were: POST _search with a form body, the type history', async () => {
    const created = await upload(Buffer.from('search me'), 'text/plain', { 'x-security-context': patient });
    const { id } = (await created.json()) as Binary;
    const search = await authedFetch(`${suite.F}/Binary/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/fhir+json' },
      body: `_id=${id}`,
    });
    assert.equal(search.status, 200);
    const bundle = (await search.json()) as { entry?: Array<{ resource: Binary }> };
    assert.deepEqual(
      bundle.entry?.map((e) => e.resource.id),
      [id],
    );
    assert.equal(bundle.entry?.[0]?.resource.data, undefined, 'search answers the stored form');
    const history = await authedFetch(`${suite.F}/Binary/_history?_count=1`, {
      headers: { accept: 'application/pdf' },
    });
    assert.equal(history.status, 406);
  });

  it('answers 404 for the content of a Binary that does not exist, and 406 for XML', async () => {
    const missing = await authedFetch(`${suite.F}/Binary/does-not-exist`, { headers: { accept: 'application/pdf' } });
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as OperationOutcome).resourceType, 'OperationOutcome');
    const xml = await authedFetch(`${suite.F}/Binary/does-not-exist`, { headers: { accept: 'application/fhir+xml' } });
    assert.equal(xml.status, 406);
  });
});
