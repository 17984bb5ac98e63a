import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createAuthRateLimiter } from './rate-limit.ts';
import { startHttp } from '../../../test/support/loopback-http.ts';
import type { TestHttpServer } from '../../../test/support/loopback-http.ts';

/** The per-IP limiter in front of a real endpoint, in an app configured like ours (`trust proxy` false). */
describe('per-IP rate limit of the auth endpoints', () => {
  let http: TestHttpServer;
  before(async () => {
    const app = express();
    app.set('trust proxy', false);
    app.post('/json', createAuthRateLimiter({ limit: 3, windowMs: 10 * 60_000 }), (_req, res) =>
      res.json({ ok: true }),
    );
    app.post('/html', createAuthRateLimiter({ limit: 2, windowMs: 60_000 }), (_req, res) => res.send('ok'));
    app.post('/spoof', createAuthRateLimiter({ limit: 2, windowMs: 60_000 }), (_req, res) => res.send('ok'));
    http = await startHttp(app);
  });
  after(() => http.close());

  it('answers 429 with Retry-After and a JSON message past the limit', async () => {
    const post = () => fetch(`${http.url}/json`, { method: 'POST', headers: { accept: 'application/json' } });
    for (let i = 0; i < 3; i++) assert.equal((await post()).status, 200);
    const limited = await post();
    assert.equal(limited.status, 429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 600, `Retry-After is ${limited.headers.get('retry-after')}`);
    const body = (await limited.json()) as Record<string, unknown>;
    assert.equal(body.error, 'too_many_requests');
    assert.equal(body.retryAfterSeconds, retryAfter);
    assert.match(
      String(body.message),
      /^Too many attempts from your network\. Please wait 10 minutes and try again\.$/,
    );
  });

  it('answers a browser with an HTML page', async () => {
    const post = () => fetch(`${http.url}/html`, { method: 'POST', headers: { accept: 'text/html' } });
    await post();
    await post();
    const limited = await post();
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.match(limited.headers.get('content-type') ?? '', /text\/html/);
    assert.match(
      await limited.text(),
      /<p role="alert">Too many attempts from your network\. Please wait 1 minute and try again\.<\/p>/,
    );
  });

  it('cannot be dodged with a made-up X-Forwarded-For', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${http.url}/spoof`, {
        method: 'POST',
        headers: { 'x-forwarded-for': `203.0.113.${i}` },
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [200, 200, 429, 429]);
  });
});
