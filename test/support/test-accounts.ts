import { PasswordAccountService } from '../../server/auth/accounts/account-service.ts';
import type { AccountServiceDeps } from '../../server/auth/accounts/account-service.ts';
import { createPasswordHasher } from '../../server/auth/accounts/password-hash.ts';
import type { ScryptParams } from '../../server/auth/accounts/password-hash.ts';
import type { KeyValueStore } from '../../server/storage/key-value-store.ts';

/** Real scrypt at a cost that keeps tests quick on a small shared machine (the default is tested once). */
export const TEST_SCRYPT: ScryptParams = { ln: 10, r: 8, p: 1 };

/** The password of the accounts startSmartServer creates (a long passphrase the rules accept). */
export const PASSWORD = 'correct horse battery staple';

/** The real account service on `keyValue`, hashing with TEST_SCRYPT. */
export function testAccounts(
  keyValue: KeyValueStore,
  options: Omit<AccountServiceDeps, 'keyValue' | 'hasher'> = {},
): PasswordAccountService {
  return new PasswordAccountService({ keyValue, hasher: createPasswordHasher(TEST_SCRYPT), ...options });
}
