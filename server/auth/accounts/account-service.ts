import type { Logger } from 'pino';
import type { Clock, KeyValueStore } from '../../storage/key-value-store.ts';
import type { Account, AccountKind, AccountService, SignInResult } from './account.ts';
import { AccountInputError, AccountStore, normalizeEmail } from './account-store.ts';
import { epochAfter, untilEpoch } from './credentials-epoch.ts';
import { createPasswordHasher } from './password-hash.ts';
import type { PasswordHasher } from './password-hash.ts';
import { checkPassword } from './password-rules.ts';
import { SignInThrottle } from './sign-in-throttle.ts';
import type { ThrottlePolicy } from './sign-in-throttle.ts';

export interface AccountServiceDeps {
  keyValue: KeyValueStore;
  /** ms since the epoch; the same clock as the engine's in tests, so lock and record expiry agree. */
  clock?: Clock;
  hasher?: PasswordHasher;
  throttle?: ThrottlePolicy;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
}

export interface CreateAccountInput {
  email: string;
  kind: AccountKind;
  fhirUser: string;
  name?: string;
  /** Checked against the password rules; without one the account cannot sign in by password until one is set. */
  password?: string;
}

/** Longest e-mail or password the sign-in accepts at all; anything longer is simply wrong. */
const MAX_INPUT = 1024;

/**
 * Password sign-in over the account store: constant-time answers (an unknown e-mail runs a dummy
 * hash), per-e-mail lockout (sign-in-throttle.ts), and hashes upgraded when the cost is raised.
 * Attempts for the same e-mail run one at a time in this process, so parallel guesses cannot all
 * read the failure count before any of them writes it.
 */
export class PasswordAccountService implements AccountService {
  readonly store: AccountStore;
  readonly #hasher: PasswordHasher;
  readonly #throttle: SignInThrottle;
  readonly #logger?: AccountServiceDeps['logger'];
  readonly #running = new Map<string, Promise<unknown>>();

  constructor({ keyValue, clock = Date.now, hasher = createPasswordHasher(), throttle, logger }: AccountServiceDeps) {
    this.store = new AccountStore(keyValue, clock);
    this.#hasher = hasher;
    this.#throttle = new SignInThrottle(keyValue, clock, throttle);
    this.#logger = logger;
  }

  authenticate(email: string, password: string): Promise<SignInResult> {
    if (
      typeof email !== 'string' ||
      typeof password !== 'string' ||
      email.length > MAX_INPUT ||
      password.length > MAX_INPUT
    ) {
      return Promise.resolve({ ok: false, reason: 'invalid' });
    }
    return this.#oneAtATime(normalizeEmail(email), () => this.#attempt(email, password));
  }

  findById(id: string): Promise<Account | undefined> {
    return this.store.findById(id);
  }

  findByEmail(email: string): Promise<Account | undefined> {
    return this.store.findByEmail(email);
  }

  /** Creates an account (the password, if given, must meet the rules); throws AccountInputError/PasswordRuleError. */
  async createAccount(input: CreateAccountInput): Promise<Account> {
    let passwordHash: string | undefined;
    if (input.password !== undefined) {
      checkPassword(input.password, input.email);
      passwordHash = await this.#hasher.hash(input.password);
    }
    return this.store.create({
      email: input.email,
      kind: input.kind,
      fhirUser: input.fhirUser,
      name: input.name,
      passwordHash,
    });
  }

  /**
   * Sets a new password (rules enforced), ends every session, code, access and refresh token of the
   * account issued until now (credentials-epoch.ts), and lifts any lockout of the account's e-mail.
   * Answers once the epoch's second has begun (at most a second later), so a sign-in with the new
   * password right after is never taken for one from before the change.
   */
  async setPassword(accountId: string, password: string): Promise<void> {
    const account = await this.store.findById(accountId);
    if (!account) throw new AccountInputError(`No account with id ${accountId}`);
    checkPassword(password, account.email);
    const hash = await this.#hasher.hash(password);
    const epoch = epochAfter(Date.now());
    await this.store.changePassword(accountId, hash, epoch);
    this.#logger?.info(
      { event: 'sessions-ended', accountId, sessionsValidAfter: epoch },
      'password changed: earlier sessions and tokens of the account are void',
    );
    await this.#throttle.clear(account.email);
    await untilEpoch(epoch);
  }

  async #attempt(email: string, password: string): Promise<SignInResult> {
    if (await this.#throttle.lockedUntil(email)) return { ok: false, reason: 'locked' };
    const record = await this.store.findRecordByEmail(email);
    const matches = record?.passwordHash
      ? await this.#hasher.verify(password, record.passwordHash)
      : await this.#hasher.verifyDummy(password);
    if (!record || !matches) {
      const locked = await this.#throttle.recordFailure(email);
      if (locked)
        this.#logger?.warn(
          { event: 'sign-in-locked', accountId: record?.id },
          'sign-in locked after repeated failures',
        );
      return { ok: false, reason: locked ? 'locked' : 'invalid' };
    }
    await this.#throttle.recordSuccess(email);
    if (this.#hasher.needsRehash(record.passwordHash as string))
      await this.#upgradeHash(record.id, password, record.passwordHash as string);
    const { passwordHash: _hash, createdAt: _c, updatedAt: _u, ...account } = record;
    return { ok: true, account };
  }

  /** Re-hashes with the current cost; a failure here must not fail the sign-in, the old hash still works. */
  async #upgradeHash(accountId: string, password: string, verifiedHash: string): Promise<void> {
    try {
      await this.store.setPasswordHash(accountId, await this.#hasher.hash(password), verifiedHash);
    } catch (err) {
      this.#logger?.error({ err, accountId }, 'could not upgrade a password hash');
    }
  }

  #oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#running.get(key) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.#running.set(key, tail);
    void tail.then(() => {
      if (this.#running.get(key) === tail) this.#running.delete(key);
    });
    return run;
  }
}
