import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';
import type { JsonObject, KeyValueRecord, KeyValueStore, RecordLookups } from '../storage/key-value-store.ts';
import { bumpAccessEpoch } from '../access/access-epoch.ts';

/**
 * oidc-provider's storage adapter over our key-value store, so that everything the authorization
 * server keeps (sessions, grants, codes, tokens, dynamically registered clients, interactions,
 * replay caches) lives in the FHIR server's database on either engine: it survives restarts and is
 * shared by several server processes. Pass the result as the Provider's `adapter` option:
 *
 *     new Provider(issuer, { adapter: createOidcAdapter(engine.keyValue), ... })
 *
 * Each oidc-provider model is one namespace, `oidc:<Model>` (e.g. `oidc:AccessToken`). The lookups
 * follow oidc-provider's own memory adapter: a Session is found by its `uid`, any model by its
 * `userCode` (DeviceCode), and only the grantable models below are deleted by revokeByGrantId
 * (an Interaction also carries a grantId, but revoking a grant does not delete it).
 */
export const NAMESPACE_PREFIX = 'oidc:';

/** The models whose records revokeByGrantId deletes (as in oidc-provider's memory adapter). */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * What the FHIR API's bearer check relies on (server/auth/smart/bearer.ts): the token, its grant
 * and its client. Removing or consuming one of these, or re-registering a client (its practice,
 * its manages_access), starts a new access epoch once the store has done it and before the call
 * returns, so no process answers the next request from a cached verdict (decision 0017). Writing
 * a new token or grant needs none: no cached verdict refers to it, and unknown tokens are never
 * cached; nor does a refresh token's rotation (the access tokens it issued stand on their own). A
 * grant's revocation (revokeByGrantId: the revocation endpoint, logout, a refresh token replayed:
 * every token of the grant) always starts one.
 */
const BEARER_MODELS = new Set(['AccessToken', 'ClientCredentials', 'Grant', 'Client']);

export function createOidcAdapter(store: KeyValueStore): AdapterConstructor {
  return class KeyValueAdapter implements Adapter {
    readonly #model: string;
    readonly #namespace: string;

    /** oidc-provider constructs one adapter per model name, on first use. */
    constructor(model: string) {
      this.#model = model;
      this.#namespace = `${NAMESPACE_PREFIX}${model}`;
    }

    /** `expiresIn` is in seconds; undefined means the record does not expire (e.g. a registered Client). */
    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      await store.upsert(this.#namespace, id, payload as JsonObject, expiresIn, lookupsFor(this.#model, payload));
      if (this.#model === 'Client') await bumpAccessEpoch(store);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return toPayload(await store.find(this.#namespace, id));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return toPayload(await store.findByUserCode(this.#namespace, userCode));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return toPayload(await store.findByUid(this.#namespace, uid));
    }

    /** Later finds carry `consumed` (epoch seconds), which oidc-provider checks to refuse reuse. */
    async consume(id: string): Promise<void> {
      await store.consume(this.#namespace, id);
      if (BEARER_MODELS.has(this.#model)) await bumpAccessEpoch(store);
    }

    async destroy(id: string): Promise<void> {
      await store.destroy(this.#namespace, id);
      if (BEARER_MODELS.has(this.#model)) await bumpAccessEpoch(store);
    }

    /** Deletes the grant's codes and tokens of every model, whichever model it is called on. */
    async revokeByGrantId(grantId: string): Promise<void> {
      await store.revokeByGrantId(grantId);
      await bumpAccessEpoch(store);
    }
  };
}

function lookupsFor(model: string, payload: AdapterPayload): RecordLookups {
  const lookups: RecordLookups = {};
  if (GRANTABLE.has(model) && typeof payload.grantId === 'string') lookups.grantId = payload.grantId;
  if (model === 'Session' && typeof payload.uid === 'string') lookups.uid = payload.uid;
  if (typeof payload.userCode === 'string') lookups.userCode = payload.userCode;
  return lookups;
}

function toPayload(record: KeyValueRecord | undefined): AdapterPayload | undefined {
  if (!record) return undefined;
  const payload = { ...record.payload } as AdapterPayload;
  if (record.consumedAt !== undefined && payload.consumed === undefined)
    payload.consumed = Math.floor(record.consumedAt / 1000);
  return payload;
}
