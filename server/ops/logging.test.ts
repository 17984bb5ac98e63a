import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { startHttp } from '../../test/support/loopback-http.ts';
import type { TestHttpServer } from '../../test/support/loopback-http.ts';
import { requestLogger } from './logging.ts';

/**
 * The request id: the caller's well-formed X-Request-Id, else a new time-ordered UUID v7, so that
 * the audit trail's index of request ids grows at its end (test/logging.test.ts has the log lines).
 */
describe('request ids', () => {
  let http: TestHttpServer;

  before(async () => {
    const app = express();
    app.use(requestLogger(pino({ level: 'silent' })));
    app.get('/', (req, res) => void res.json({ id: req.id }));
    http = await startHttp(app);
  });
  after(() => http.close());

  const idOf = async (headers: Record<string, string> = {}): Promise<string> => {
    const res = await fetch(http.url, { headers });
    const { id } = (await res.json()) as { id: string };
    assert.equal(res.headers.get('x-request-id'), id, 'echoed back');
    return id;
  };

  it('gives requests without one UUID v7 ids that increase from one request to the next', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await idOf());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids, 'in the order the requests came');
    assert.equal(new Set(ids).size, ids.length);
  });

  it("keeps the caller's well-formed X-Request-Id and replaces any other", async () => {
    assert.equal(await idOf({ 'x-request-id': 'trace-42.a_b' }), 'trace-42.a_b');
    const replaced = await idOf({ 'x-request-id': 'no spaces <allowed>' });
    assert.match(replaced, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });
});
