import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { TOKEN_KEY_LOCAL } from '../access/access-cache.ts';
import { FhirError } from '../fhir/outcomes.ts';
import { startHttp } from '../../test/support/loopback-http.ts';
import type { TestHttpServer } from '../../test/support/loopback-http.ts';
import { fhirRateLimits } from './fhir-rate-limits.ts';

/**
 * The per-token limit counts by the hash the bearer check leaves (`res.locals.tokenKey`), so a
 * request hashes its token once; a grant without it falls back to hashing the header, never to one
 * shared budget. The whole app's behaviour (real tokens, 429 bodies) is in
 * test/escalation/anonymous-and-headers.test.ts; here a stand-in for the bearer check sets the locals.
 */
describe('the per-token rate limit', () => {
  let http: TestHttpServer;

  before(async () => {
    const { perToken } = fhirRateLimits({ windowMs: 600_000, anonymousPerIp: 100, perToken: 2 });
    const app = express();
    // Stands for the bearer check: a grant for any header; the token's hash only when `x-key` names one.
    app.use((req, res, next) => {
      res.locals.grant = { clientId: 'c', scope: 'system/*.rs' };
      const key = req.headers['x-key'];
      if (typeof key === 'string') res.locals[TOKEN_KEY_LOCAL] = key;
      next();
    });
    app.use(perToken);
    app.get('/', (_req, res) => void res.send('ok'));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err instanceof FhirError ? err.status : 500).end();
    });
    http = await startHttp(app);
  });
  after(() => http.close());

  const statuses = async (calls: Array<Record<string, string>>): Promise<number[]> => {
    const out: number[] = [];
    for (const headers of calls) out.push((await fetch(http.url, { headers })).status);
    return out;
  };

  it("counts by the bearer check's hash of the token, not by the header's spelling", async () => {
    const a = { authorization: 'Bearer a', 'x-key': 'hash-of-a' };
    const aSpelledOtherwise = { authorization: 'bearer   a', 'x-key': 'hash-of-a' };
    const b = { authorization: 'Bearer b', 'x-key': 'hash-of-b' };
    assert.deepEqual(await statuses([a, aSpelledOtherwise, a, b, b, b]), [200, 200, 429, 200, 200, 429]);
  });

  it('without the hash, keys by the header: two tokens still have separate budgets', async () => {
    const c = { authorization: 'Bearer c' };
    const d = { authorization: 'Bearer d' };
    assert.deepEqual(await statuses([c, d, c, d, c, d]), [200, 200, 200, 200, 429, 429]);
  });
});
