import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { postForm } from '../../../test/support/smart-sign-in.ts';

/** The token, introspection and revocation endpoints are limited per IP, with an OAuth-style 429. */
describe('token endpoint rate limit', () => {
  let server: SmartServer;
  before(async () => {
    server = await startSmartServer({ tokenEndpointLimit: { windowMs: 60_000, limit: 3 } });
  });
  after(() => server.close());

  it('answers 429 with Retry-After and a JSON error once the limit is reached, on every token endpoint', async () => {
    const guess = { grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'guess' };
    for (let i = 0; i < 3; i++)
      assert.equal((await postForm(`${server.base}/oauth/token`, guess)).status, 401, `attempt ${i + 1} is judged`);
    const limited = await postForm(`${server.base}/oauth/token`, guess);
    assert.equal(limited.status, 429);
    assert.equal(limited.body.error, 'too_many_requests');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(limited.headers.get('cache-control'), 'no-store');
    assert.equal(
      (await postForm(`${server.base}/oauth/introspect`, { token: 'x', client_id: 'nobody', client_secret: 'guess' }))
        .status,
      429,
    );
    assert.equal(
      (await postForm(`${server.base}/oauth/revoke`, { token: 'x', client_id: 'nobody', client_secret: 'guess' }))
        .status,
      429,
    );
  });
});
