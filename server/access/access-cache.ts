import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../storage/key-value-store.ts';
import type { AccessRule } from '../fhir/search/search-request.ts';
import type { AccessInteraction } from '../storage/access-scope.ts';
import { readAccessEpoch } from './access-epoch.ts';
import type { Principal, TokenGrant } from './principal.ts';

/**
 * Per-process caches of what a request needs before it touches data (decision 0017): a token's
 * verdict (the bearer check) and a principal with its compiled access rules (request-access.ts).
 * Each entry is valid only while the access epoch it was filled under is current (access-epoch.ts
 * says why that keeps revocation immediate across processes), and until the earliest of a bounded
 * time and the instant its terms end (`notAfter`). Bounded in entries, least recently used first
 * out, so a flood of distinct tokens costs memory for at most `maxEntries` of them (and unknown
 * tokens are never cached).
 */
export interface CacheLimits {
  maxEntries: number;
  ttlMs: number;
}

export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxEntries: 10_000, ttlMs: 60_000 };

interface Entry<V> {
  value: V;
  epoch: string;
  /** ms since the epoch: the entry is not used from this instant on. */
  expiresAt: number;
}

/** A bounded LRU map whose entries carry the access epoch they were filled under and an expiry. */
export class EpochCache<V> {
  readonly #limits: CacheLimits;
  /** A Map iterates in insertion order: re-inserting on use keeps the least recently used first. */
  readonly #entries = new Map<string, Entry<V>>();

  constructor(limits: CacheLimits = DEFAULT_CACHE_LIMITS) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value filled under `epoch` and not expired at `now`, else undefined (a stale entry is dropped). */
  get(key: string, epoch: string, now: number): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.epoch !== epoch || entry.expiresAt <= now) return undefined;
    this.#entries.set(key, entry);
    return entry.value;
  }

  /**
   * Keeps `value` for requests under `epoch` (the value read before the data it was computed from)
   * until `now + ttlMs` or `notAfter`, whichever comes first; nothing when that is already past.
   */
  set(key: string, value: V, epoch: string, now: number, notAfter = Number.POSITIVE_INFINITY): void {
    const expiresAt = Math.min(now + this.#limits.ttlMs, notAfter);
    this.#entries.delete(key);
    if (expiresAt <= now || this.#limits.maxEntries <= 0) return;
    this.#entries.set(key, { value, epoch, expiresAt });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#limits.maxEntries) break;
      this.#entries.delete(oldest);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** A principal with the rules compiled for it (access-policy.ts `compileRules`). */
export interface ResolvedAccess {
  principal: Principal;
  rule: (interaction: AccessInteraction) => AccessRule;
}

/** The caches of one server process, shared by the bearer check and the request's access resolution. */
export interface AccessCaches {
  /** Reads the access epoch: once per request with a token, before anything is looked up. */
  readEpoch(): Promise<string>;
  /** Keyed by `tokenKey(value)`: a valid token's grant, until the token (or its grant) expires. */
  tokens: EpochCache<TokenGrant>;
  /** Keyed by `principalKey(grant)`. */
  principals: EpochCache<ResolvedAccess>;
}

export function accessCaches(store: KeyValueStore, limits: CacheLimits = DEFAULT_CACHE_LIMITS): AccessCaches {
  return {
    readEpoch: () => readAccessEpoch(store),
    tokens: new EpochCache<TokenGrant>(limits),
    principals: new EpochCache<ResolvedAccess>(limits),
  };
}

/** Tokens are kept by their SHA-256 only: the cache never holds a value that could be presented. */
export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Everything of a grant the principal and its rules are computed from. */
export function principalKey(grant: TokenGrant): string {
  return JSON.stringify([
    grant.accountId ?? null,
    grant.clientId,
    grant.clientPractice ?? null,
    grant.clientManagesAccess === true,
    grant.scope,
    grant.patient ?? null,
    grant.encounter ?? null,
  ]);
}

/** The res.locals key under which the bearer check leaves the epoch it read for the rest of the request. */
export const EPOCH_LOCAL = 'accessEpoch';

/**
 * The res.locals key under which the bearer check leaves `tokenKey` of the token it granted, with
 * the grant: the per-token rate limit (ops/fhir-rate-limits.ts) counts by it, so a request hashes
 * its token once.
 */
export const TOKEN_KEY_LOCAL = 'tokenKey';
