import { createHash } from 'node:crypto';
import type { Clock, KeyValueStore } from '../../storage/key-value-store.ts';
import { normalizeEmail } from './account-store.ts';

/**
 * Per-account brute-force limits, kept in the key-value store (namespace `sign-in-throttle`) so that
 * they hold across restarts and server processes:
 * - after `maxConsecutive` failures in a row the account is locked for `lockMs`;
 * - never more than `maxPerWindow` failures in any `windowMs` (a sliding log), even when successful
 *   sign-ins in between keep resetting the consecutive count.
 *
 * The state is keyed by a hash of the normalised e-mail that was typed, not by the account id, so an
 * e-mail without an account locks exactly like one with an account: "locked" never tells an attacker
 * that an address has an account. Records expire once nothing in them matters any more.
 */
export const THROTTLE_NAMESPACE = 'sign-in-throttle';

export interface ThrottlePolicy {
  maxConsecutive: number;
  lockMs: number;
  maxPerWindow: number;
  windowMs: number;
}

export const DEFAULT_THROTTLE_POLICY: ThrottlePolicy = {
  maxConsecutive: 10,
  lockMs: 15 * 60_000,
  maxPerWindow: 100,
  windowMs: 60 * 60_000,
};

interface ThrottleState {
  consecutive: number;
  /** ms since the epoch; 0 when not locked. */
  lockedUntil: number;
  /** Times (ms) of the failures within the last window, oldest first. */
  failures: number[];
}

export class SignInThrottle {
  readonly #kv: KeyValueStore;
  readonly #clock: Clock;
  readonly #policy: ThrottlePolicy;

  constructor(kv: KeyValueStore, clock: Clock, policy: ThrottlePolicy = DEFAULT_THROTTLE_POLICY) {
    this.#kv = kv;
    this.#clock = clock;
    this.#policy = policy;
  }

  /** The time (ms) the e-mail is locked until, or undefined when it may try. */
  async lockedUntil(email: string): Promise<number | undefined> {
    const state = await this.#read(email);
    return state.lockedUntil > this.#clock() ? state.lockedUntil : undefined;
  }

  /** Counts a failed attempt; answers whether the e-mail is now locked. */
  async recordFailure(email: string): Promise<boolean> {
    const now = this.#clock();
    const { maxConsecutive, lockMs, maxPerWindow, windowMs } = this.#policy;
    const state = await this.#read(email);
    const failures = [...state.failures.filter((t) => t > now - windowMs), now].slice(-maxPerWindow);
    let consecutive = state.consecutive + 1;
    let lockedUntil = state.lockedUntil;
    if (consecutive >= maxConsecutive) {
      lockedUntil = Math.max(lockedUntil, now + lockMs);
      consecutive = 0; // after the lock, the next run of failures starts again from zero
    }
    // At the window's cap, wait until the oldest failure leaves the window.
    if (failures.length >= maxPerWindow) lockedUntil = Math.max(lockedUntil, (failures[0] as number) + windowMs);
    await this.#write(email, { consecutive, lockedUntil, failures }, now);
    return lockedUntil > now;
  }

  /** A successful sign-in ends the run of consecutive failures; the window's failures still count. */
  async recordSuccess(email: string): Promise<void> {
    const state = await this.#read(email);
    if (state.consecutive === 0) return;
    await this.#write(email, { ...state, consecutive: 0 }, this.#clock());
  }

  /** Forgets the e-mail's failures and lock (after a password reset proved control of the mailbox). */
  async clear(email: string): Promise<void> {
    await this.#kv.destroy(THROTTLE_NAMESPACE, throttleKey(email));
  }

  async #read(email: string): Promise<ThrottleState> {
    const stored = await this.#kv.find(THROTTLE_NAMESPACE, throttleKey(email));
    const p = stored?.payload ?? {};
    return {
      consecutive: typeof p.consecutive === 'number' ? p.consecutive : 0,
      lockedUntil: typeof p.lockedUntil === 'number' ? p.lockedUntil : 0,
      failures: Array.isArray(p.failures) ? p.failures.filter((t): t is number => typeof t === 'number') : [],
    };
  }

  async #write(email: string, state: ThrottleState, now: number): Promise<void> {
    const newest = state.failures.at(-1) ?? now;
    const relevantUntil = Math.max(state.lockedUntil, newest + this.#policy.windowMs);
    const key = throttleKey(email);
    if (relevantUntil <= now) return this.#kv.destroy(THROTTLE_NAMESPACE, key);
    await this.#kv.upsert(THROTTLE_NAMESPACE, key, { ...state }, (relevantUntil - now) / 1000);
  }
}

/** A fixed-length key for any typed e-mail (hostile or long input included); not reversible to the address. */
function throttleKey(email: string): string {
  return createHash('sha256').update(normalizeEmail(email)).digest('base64url');
}
