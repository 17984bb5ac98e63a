import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyValueStore } from '../../storage/key-value-store.ts';

/**
 * What our pages remember about one oidc-provider interaction (keyed by its uid, expiring with it):
 * the CSRF token its forms must carry and, for a standalone launch, the patient the user picked.
 * The uid alone is not enough against CSRF: it appears in URLs; the token never leaves the pages.
 */
export const INTERACTION_STATE_NAMESPACE = 'smart-interaction';

export interface InteractionState {
  csrf: string;
  patient?: string;
}

export class InteractionStateStore {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  /** The interaction's state, created (with a fresh CSRF token) on first use. */
  async load(uid: string, ttlSeconds: number): Promise<InteractionState> {
    const record = await this.#store.find(INTERACTION_STATE_NAMESPACE, uid);
    if (record) return record.payload as unknown as InteractionState;
    const state: InteractionState = { csrf: randomBytes(32).toString('base64url') };
    await this.#store.upsert(INTERACTION_STATE_NAMESPACE, uid, { ...state }, Math.max(1, ttlSeconds));
    return state;
  }

  async find(uid: string): Promise<InteractionState | undefined> {
    const record = await this.#store.find(INTERACTION_STATE_NAMESPACE, uid);
    return record ? (record.payload as unknown as InteractionState) : undefined;
  }

  async save(uid: string, state: InteractionState, ttlSeconds: number): Promise<void> {
    await this.#store.upsert(INTERACTION_STATE_NAMESPACE, uid, { ...state }, Math.max(1, ttlSeconds));
  }

  async destroy(uid: string): Promise<void> {
    await this.#store.destroy(INTERACTION_STATE_NAMESPACE, uid);
  }
}

/** Constant-time comparison of the submitted token with the stored one. */
export function csrfMatches(state: InteractionState | undefined, submitted: unknown): boolean {
  if (!state || typeof submitted !== 'string') return false;
  const expected = Buffer.from(state.csrf);
  const actual = Buffer.from(submitted);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
