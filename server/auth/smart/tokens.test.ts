import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { startSmartServer } from '../../../test/support/smart-server.ts';
import type { SmartServer } from '../../../test/support/smart-server.ts';
import { authorizationRequest, postForm, signInAndConsent } from '../../../test/support/smart-sign-in.ts';
import { TestBrowser } from '../../../test/support/test-browser.ts';

/**
 * The token lifecycle: single-use codes, refresh-token rotation and reuse detection, scope on
 * refresh, revocation, introspection and expiry, each checked at the token endpoint and at the
 * FHIR API's bearer middleware.
 */
const SCOPE = 'openid fhirUser launch/patient patient/*.rs offline_access';

interface Issued {
  config: oidc.Configuration;
  clientId: string;
  redirectUri: string;
  code: string;
  verifier: string;
  tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
}

async function issue(s: SmartServer, scope = SCOPE, grant?: string[]): Promise<Issued> {
  const user = await s.createAccount('patient', 'Person/t-1', [{ id: 'pat-t', display: 'Tee' }]);
  const { clientId, redirectUri } = await s.registerPublicApp(SCOPE);
  const config = await s.rp(clientId);
  const request = await authorizationRequest(config, { redirect_uri: redirectUri, scope, aud: s.fhirBase });
  const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user, grant ? { grant } : {});
  const code = redirect.searchParams.get('code')!;
  const tokens = await oidc.authorizationCodeGrant(config, redirect, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
  });
  return { config, clientId, redirectUri, code, verifier: request.verifier, tokens };
}

async function refresh(s: SmartServer, issued: Issued, refreshToken: string, scope?: string) {
  return postForm(`${s.base}/oauth/token`, {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: issued.clientId,
    ...(scope ? { scope } : {}),
  });
}

async function introspect(s: SmartServer, issued: Issued, token: string) {
  return postForm(`${s.base}/oauth/introspect`, { token, client_id: issued.clientId });
}

describe('tokens', () => {
  let s: SmartServer;
  before(async () => {
    s = await startSmartServer();
  });
  after(() => s.close());

  it('a code is single-use; its reuse is invalid_grant and revokes the tokens it gave', async () => {
    const issued = await issue(s);
    assert.equal((await s.echo(issued.tokens.access_token)).status, 200);
    const reuse = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'authorization_code',
      code: issued.code,
      redirect_uri: issued.redirectUri,
      client_id: issued.clientId,
      code_verifier: issued.verifier,
    });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(
      (await s.echo(issued.tokens.access_token)).status,
      401,
      'the access token of the first exchange is revoked',
    );
    assert.equal(
      (await refresh(s, issued, issued.tokens.refresh_token!)).body.error,
      'invalid_grant',
      'and its refresh token',
    );
  });

  it('a code is bound to its client and redirect_uri', async () => {
    const user = await s.createAccount('patient', 'Person/t-2', [{ id: 'pat-t', display: 'Tee' }]);
    const a = await s.registerPublicApp(SCOPE);
    const b = await s.registerPublicApp(SCOPE);
    const config = await s.rp(a.clientId);
    const request = await authorizationRequest(config, { redirect_uri: a.redirectUri, scope: SCOPE, aud: s.fhirBase });
    const { redirect } = await signInAndConsent(new TestBrowser(s.base), request.url, user);
    const code = redirect.searchParams.get('code')!;
    const otherClient = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: a.redirectUri,
      client_id: b.clientId,
      code_verifier: request.verifier,
    });
    assert.equal(otherClient.body.error, 'invalid_grant');
    const otherRedirect = await postForm(`${s.base}/oauth/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${a.redirectUri}/x`,
      client_id: a.clientId,
      code_verifier: request.verifier,
    });
    assert.equal(otherRedirect.body.error, 'invalid_grant');
  });

  it('refresh rotates the refresh token, keeps the launch context, and the new access token works', async () => {
    const issued = await issue(s);
    const first = issued.tokens.refresh_token!;
    const rotated = await oidc.refreshTokenGrant(issued.config, first);
    assert.notEqual(rotated.refresh_token, first, 'a new refresh token');
    assert.equal(rotated.patient, 'pat-t', 'the patient survives the refresh');
    assert.equal(rotated.need_patient_banner, true);
    assert.equal(rotated.smart_style_url, `${s.base}/oauth/smart-style.json`);
    assert.equal(rotated.scope, issued.tokens.scope);
    const echoed = await s.echo(rotated.access_token);
    assert.equal(echoed.status, 200);
    assert.equal((echoed.body.grant as Record<string, unknown>).patient, 'pat-t');
    const again = await oidc.refreshTokenGrant(issued.config, rotated.refresh_token!);
    assert.ok(again.access_token);
  });

  it('reusing a rotated refresh token is invalid_grant and revokes the whole grant', async () => {
    const issued = await issue(s);
    const first = issued.tokens.refresh_token!;
    const rotated = await oidc.refreshTokenGrant(issued.config, first);
    const reuse = await refresh(s, issued, first);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(
      (await refresh(s, issued, rotated.refresh_token!)).body.error,
      'invalid_grant',
      'the newest refresh token is dead too',
    );
    assert.equal((await s.echo(rotated.access_token)).status, 401, 'and the access tokens');
    assert.equal((await s.echo(issued.tokens.access_token)).status, 401);
  });

  it('a refresh may narrow the scope but not widen it: invalid_scope', async () => {
    const issued = await issue(s, SCOPE, ['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.rs']);
    const narrower = await refresh(s, issued, issued.tokens.refresh_token!, 'openid patient/*.rs offline_access');
    assert.equal(narrower.status, 200, JSON.stringify(narrower.body));
    for (const wider of ['openid patient/*.cruds offline_access', 'openid user/*.rs', 'openid patient/*.rs profile']) {
      const refused = await refresh(s, issued, narrower.body.refresh_token as string, wider);
      assert.equal(refused.status, 400, wider);
      assert.equal(refused.body.error, 'invalid_scope', `${wider}: ${JSON.stringify(refused.body)}`);
    }
  });

  it('a scope the user unticked cannot come back on refresh: invalid_scope', async () => {
    const issued = await issue(s, SCOPE, ['openid', 'fhirUser', 'offline_access']);
    assert.equal(issued.tokens.scope?.includes('patient/*.rs'), false);
    const refused = await refresh(s, issued, issued.tokens.refresh_token!, 'openid patient/*.rs');
    assert.equal(refused.body.error, 'invalid_scope', JSON.stringify(refused.body));
    const plain = await refresh(s, issued, issued.tokens.refresh_token!);
    assert.equal(plain.status, 200);
    assert.equal((plain.body.scope as string).includes('patient/'), false);
  });

  it('without offline_access or online_access there is no refresh token', async () => {
    const issued = await issue(s, 'openid fhirUser patient/*.rs');
    assert.equal(issued.tokens.refresh_token, undefined);
  });

  it('introspection: active with the SMART context for the own client; inactive for others and after revocation', async () => {
    const issued = await issue(s);
    const active = await introspect(s, issued, issued.tokens.access_token);
    assert.equal(active.status, 200);
    assert.equal(active.body.active, true);
    assert.equal(active.body.client_id, issued.clientId);
    assert.equal(active.body.scope, issued.tokens.scope);
    assert.equal(active.body.aud, s.fhirBase);
    assert.equal(active.body.patient, 'pat-t');
    const other = await s.registerPublicApp(SCOPE);
    const foreign = await postForm(`${s.base}/oauth/introspect`, {
      token: issued.tokens.access_token,
      client_id: other.clientId,
    });
    assert.deepEqual(foreign.body, { active: false }, 'another client learns nothing');

    await oidc.tokenRevocation(issued.config, issued.tokens.access_token);
    assert.deepEqual((await introspect(s, issued, issued.tokens.access_token)).body, { active: false });
    const revoked = await s.echo(issued.tokens.access_token);
    assert.equal(revoked.status, 401);
    assert.match(revoked.wwwAuthenticate ?? '', /error="invalid_token"/);
    assert.equal(revoked.body.resourceType, 'OperationOutcome');
  });

  it('an access token whose grant is gone (expired or deleted) is refused, even if the token record remains', async () => {
    const issued = await issue(s);
    const stored = await s.smart.provider.AccessToken.find(issued.tokens.access_token);
    assert.ok(stored?.grantId);
    await s.t.engine.keyValue.destroy('oidc:Grant', stored.grantId);
    assert.ok(await s.smart.provider.AccessToken.find(issued.tokens.access_token), 'the token itself is still stored');
    const echoed = await s.echo(issued.tokens.access_token);
    assert.equal(echoed.status, 401);
    assert.match(echoed.wwwAuthenticate ?? '', /error="invalid_token"/);
  });

  it('revoking the refresh token ends the grant: its access tokens stop working', async () => {
    const issued = await issue(s);
    await oidc.tokenRevocation(issued.config, issued.tokens.refresh_token!);
    assert.equal((await refresh(s, issued, issued.tokens.refresh_token!)).body.error, 'invalid_grant');
    assert.equal((await s.echo(issued.tokens.access_token)).status, 401);
  });
});

describe('token expiry', () => {
  let s: SmartServer;
  before(async () => {
    s = await startSmartServer({ ttl: { accessToken: 60 } });
  });
  after(() => s.close());

  it('an expired access token is refused by the bearer middleware and inactive at introspection', async () => {
    const issued = await issue(s);
    assert.equal(issued.tokens.expires_in, 60);
    assert.equal((await s.echo(issued.tokens.access_token)).status, 200);
    s.t.clock.advance(61_000);
    const expired = await s.echo(issued.tokens.access_token);
    assert.equal(expired.status, 401);
    assert.match(expired.wwwAuthenticate ?? '', /error="invalid_token"/);
    assert.equal(expired.body.resourceType, 'OperationOutcome');
    assert.deepEqual((await introspect(s, issued, issued.tokens.access_token)).body, { active: false });
  });
});
