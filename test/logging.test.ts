import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { createApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { SqliteEngine } from '../server/storage/sqlite/sqlite-engine.ts';
import { BackendTokens, provisionPractice } from './support/practice-client.ts';

/** Request logs are structured, carry a request id, and never contain patient data. */
describe('request logging', () => {
  const lines: Array<Record<string, any>> = [];
  let base = '';
  let authorization = '';
  let close: () => Promise<void>;

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-test-'));
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const engine = new SqliteEngine(join(dir, 'fhir.sqlite'));
    await engine.open();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const app = await createApp({
      config: loadConfig({ DATA_DIR: dir, SEED_DEMO: 'false', BASE_URL: base }),
      engine,
      logger: pino({ level: 'info' }, stream),
    });
    server.on('request', app.express);
    const tokens = new BackendTokens(base, await provisionPractice(app));
    authorization = `Bearer ${await tokens.token()}`;
    close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await app.close();
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  after(() => close());

  it('logs method, path, status and request id as JSON, without query strings or bodies', async () => {
    await fetch(`${base}/fhir/R4/Patient`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', 'x-request-id': 'req-log-1', authorization },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Secretfamily' }], birthDate: '1961-07-04' }),
    });
    await fetch(`${base}/fhir/R4/Patient?name=Secretfamily&birthdate=1961-07-04`, {
      headers: { 'x-request-id': 'req-log-2', authorization },
    });
    const text = JSON.stringify(lines);
    assert.ok(!text.includes('Secretfamily'), 'no names in logs');
    assert.ok(!text.includes('1961-07-04'), 'no birth dates in logs');
    const search = lines.find((l) => l.req?.id === 'req-log-2');
    assert.deepEqual(search?.req, { id: 'req-log-2', method: 'GET', path: '/fhir/R4/Patient' });
    assert.equal(search?.res.statusCode, 200);
    assert.equal(lines.find((l) => l.req?.id === 'req-log-1')?.res.statusCode, 201);
  });
});
