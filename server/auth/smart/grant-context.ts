import type { KeyValueStore } from '../../storage/key-value-store.ts';

/**
 * The SMART launch context of one authorization (one oidc-provider Grant): the patient and encounter
 * the app works on and whether it must show a patient banner. It is written when the user grants
 * consent and read whenever a token of that grant is issued (code exchange and every refresh), so
 * the context survives refresh-token rotation. The record carries the grant id as its lookup, so
 * revoking the grant (e.g. after refresh-token reuse) deletes it with the tokens.
 */
export const GRANT_CONTEXT_NAMESPACE = 'smart-grant-context';

export interface GrantContext {
  patient?: string;
  encounter?: string;
  needPatientBanner: boolean;
}

export class GrantContextStore {
  readonly #store: KeyValueStore;

  constructor(store: KeyValueStore) {
    this.#store = store;
  }

  async save(grantId: string, context: GrantContext, ttlSeconds: number): Promise<void> {
    const payload = {
      needPatientBanner: context.needPatientBanner,
      ...(context.patient ? { patient: context.patient } : {}),
      ...(context.encounter ? { encounter: context.encounter } : {}),
    };
    await this.#store.upsert(GRANT_CONTEXT_NAMESPACE, grantId, payload, ttlSeconds, { grantId });
  }

  async find(grantId: unknown): Promise<GrantContext | undefined> {
    if (typeof grantId !== 'string') return undefined;
    const record = await this.#store.find(GRANT_CONTEXT_NAMESPACE, grantId);
    return record ? (record.payload as unknown as GrantContext) : undefined;
  }
}
