import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startsNewEpoch } from '../../test/support/access-epoch.ts';
import { openTestEngine } from '../../test/support/repository-setup.ts';
import type { TestEngine } from '../../test/support/repository-setup.ts';
import { createOidcAdapter } from './oidc-adapter.ts';

/**
 * What the authorization server removes or re-registers starts a new access epoch before the
 * adapter call returns (decision 0017), so no process answers the next request from a cached
 * token verdict; what it merely adds (a new token, a grant written at consent) does not.
 */
describe('the oidc-provider adapter starts a new access epoch on revocation', () => {
  let t: TestEngine;
  let Adapter: ReturnType<typeof createOidcAdapter>;
  before(async () => {
    t = await openTestEngine('oidc-adapter-epoch');
    Adapter = createOidcAdapter(t.engine.keyValue);
  });
  after(() => t.close());

  const bumps = (change: () => Promise<unknown>) => startsNewEpoch(t.engine.keyValue, change);

  it('revoking a grant, destroying a token, grant or client, or re-registering a client', async () => {
    const tokens = new Adapter('AccessToken');
    await tokens.upsert('at-1', { grantId: 'g-1', kind: 'AccessToken' }, 60);
    assert.equal(await bumps(() => tokens.revokeByGrantId('g-1')), true, 'revokeByGrantId');
    assert.equal(await tokens.find('at-1'), undefined);
    for (const model of ['AccessToken', 'ClientCredentials', 'Grant', 'Client']) {
      const adapter = new Adapter(model);
      await adapter.upsert(`${model}-x`, { kind: model }, 60);
      assert.equal(await bumps(() => adapter.destroy(`${model}-x`)), true, `${model} destroy`);
    }
    assert.equal(await bumps(() => new Adapter('AccessToken').consume('at-2')), true, 'AccessToken consume');
    assert.equal(
      await bumps(() => new Adapter('Client').upsert('client-1', { client_id: 'client-1' })),
      true,
      'a client (re-)registered',
    );
  });

  it('not issuing tokens, writing grants or rotating refresh tokens', async () => {
    assert.equal(await bumps(() => new Adapter('AccessToken').upsert('at-3', { kind: 'AccessToken' }, 60)), false);
    assert.equal(await bumps(() => new Adapter('ClientCredentials').upsert('cc-3', {}, 60)), false);
    assert.equal(await bumps(() => new Adapter('Grant').upsert('g-3', { accountId: 'a' }, 60)), false);
    const refresh = new Adapter('RefreshToken');
    await refresh.upsert('rt-3', { grantId: 'g-3' }, 60);
    assert.equal(await bumps(() => refresh.consume('rt-3')), false);
    assert.equal(await bumps(() => new Adapter('Session').destroy('s-3')), false);
  });
});
