import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startsNewEpoch } from '../../../test/support/access-epoch.ts';
import { openTestEngine } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';
import { testAccounts } from '../../../test/support/test-accounts.ts';
import type { PasswordAccountService } from './account-service.ts';

/**
 * An account change that alters what its tokens reach (a password change and its credentials
 * epoch, another person) starts a new access epoch before it returns (decision 0017); a new account
 * does not (nothing cached can name its fresh id).
 */
describe('account changes start a new access epoch', () => {
  let t: TestEngine;
  let accounts: PasswordAccountService;
  before(async () => {
    t = await openTestEngine('account-epoch');
    accounts = testAccounts(t.engine.keyValue);
  });
  after(() => t.close());

  const bumps = (change: () => Promise<unknown>) => startsNewEpoch(t.engine.keyValue, change);

  it('a password change, a new fhirUser; not a new account', async () => {
    let id = '';
    assert.equal(
      await bumps(async () => {
        id = (
          await accounts.createAccount({
            email: 'epoch@example.org',
            kind: 'related-person',
            fhirUser: 'RelatedPerson/r1',
            password: 'a long enough password',
          })
        ).id;
      }),
      false,
    );
    assert.equal(await bumps(() => accounts.setPassword(id, 'another long enough password')), true);
    assert.equal(await bumps(() => accounts.store.linkFhirUser(id, 'Person/p1')), true);
  });
});
