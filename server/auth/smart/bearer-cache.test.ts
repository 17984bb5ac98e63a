import assert from 'node:assert/strict';
import type { Request, Response } from 'express';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { pino } from 'pino';
import { accessCaches, tokenKey } from '../../access/access-cache.ts';
import type { AccessCaches } from '../../access/access-cache.ts';
import { bumpAccessEpoch } from '../../access/access-epoch.ts';
import { FhirError } from '../../fhir/outcomes.ts';
import { NAMESPACE_PREFIX } from '../oidc-adapter.ts';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, signInAndConsent } from '../../../test/support/smart-sign-in.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';
import { bearerMiddleware } from './bearer.ts';

/**
 * The bearer check with the process's cache (decision 0017): a token verified under the current
 * access epoch is answered without looking it up again, never after a new epoch, never past its own
 * expiry, and refused tokens are not kept.
 */
const SCOPE = 'openid fhirUser user/*.rs';

describe('the bearer check with a verdict cache', () => {
  let s: SmartServer;
  let caches: AccessCaches;
  let bearer: ReturnType<typeof bearerMiddleware>;
  let token = '';

  before(async () => {
    s = await startSmartServer({ ttl: { accessToken: 60 } });
    // A time bound far beyond the token's life: only the token's expiry can end the entry.
    caches = accessCaches(s.t.engine.keyValue, { maxEntries: 100, ttlMs: 3_600_000 });
    bearer = bearerMiddleware({
      provider: s.smart.provider,
      fhirBaseUrl: s.fhirBase,
      clock: s.t.clock,
      logger: pino({ level: 'silent' }),
      accounts: s.accounts,
      cache: caches,
    });
    const user = await s.createAccount('practitioner', 'Practitioner/bc-1');
    const { clientId, redirectUri } = await s.registerPublicApp(SCOPE);
    const config = await s.rp(clientId);
    const request = await authorizationRequest(config, { redirect_uri: redirectUri, scope: SCOPE, aud: s.fhirBase });
    const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: request.verifier,
      expectedState: request.state,
    });
    token = tokens.access_token;
  });
  after(() => s.close());

  /** Runs the middleware alone: the status it concludes, the grant and the epoch it left. */
  async function check(value: string): Promise<{ status: number; locals: Record<string, unknown> }> {
    const res = { locals: {} as Record<string, unknown> };
    let failure: unknown;
    await bearer({ headers: { authorization: `Bearer ${value}` } } as Request, res as unknown as Response, (err) => {
      failure = err;
    });
    return { status: failure instanceof FhirError ? failure.status : 200, locals: res.locals };
  }

  it('answers a verified token from the cache until the epoch changes', async () => {
    const first = await check(token);
    assert.equal(first.status, 200);
    assert.equal(typeof first.locals.accessEpoch, 'string', 'the epoch read is left for the access resolution');
    assert.ok(Object.isFrozen(first.locals.grant));
    assert.equal(first.locals.tokenKey, tokenKey(token), "the token's hash is left for the per-token rate limit");
    // Removing the token record (opaque tokens are stored under their own value) behind the adapter's back (no new epoch) shows the verdict is not looked up again.
    assert.ok(await s.t.engine.keyValue.find(`${NAMESPACE_PREFIX}AccessToken`, token));
    await s.t.engine.keyValue.destroy(`${NAMESPACE_PREFIX}AccessToken`, token);
    const cached = await check(token);
    assert.equal(cached.status, 200, 'served from the cache');
    assert.equal(cached.locals.tokenKey, tokenKey(token), 'and its hash left as well');
    await bumpAccessEpoch(s.t.engine.keyValue);
    assert.equal((await check(token)).status, 401, 'a new epoch: looked up again, and it is gone');
  });

  it('never answers a token from the cache past its expiry', async () => {
    const user = await s.createAccount('practitioner', 'Practitioner/bc-2');
    const { clientId, redirectUri } = await s.registerPublicApp(SCOPE);
    const config = await s.rp(clientId);
    const request = await authorizationRequest(config, { redirect_uri: redirectUri, scope: SCOPE, aud: s.fhirBase });
    const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
    const fresh = (
      await oidc.authorizationCodeGrant(config, redirect, {
        pkceCodeVerifier: request.verifier,
        expectedState: request.state,
      })
    ).access_token;
    assert.equal((await check(fresh)).status, 200);
    assert.equal((await check(fresh)).status, 200);
    // The test clock stands still while the real one (which stamped the token's exp) runs on: move
    // it well past the token's 60 s, far short of the cache's hour.
    s.t.clock.advance(180_000);
    assert.equal((await check(fresh)).status, 401);
  });

  it('keeps no refused token', async () => {
    const unknown = 'not-a-token-we-issued-0123456789';
    const refused = await check(unknown);
    assert.equal(refused.status, 401);
    assert.equal(refused.locals.tokenKey, undefined, 'no hash is left without a grant');
    const epoch = await caches.readEpoch();
    assert.equal(caches.tokens.get(tokenKey(unknown), epoch, s.t.clock()), undefined);
  });
});
