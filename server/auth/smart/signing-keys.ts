import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { JsonObject, KeyValueStore } from '../../storage/key-value-store.ts';

/**
 * The authorization server's secrets: the private JWKS that signs id_tokens (RS256, the algorithm
 * SMART and OpenID Connect require; plus an ES384 key for clients that ask for it) and the keys
 * that sign the provider's cookies. They are generated on first start and kept in the key-value
 * store, so tokens and sessions stay valid across restarts and every server process shares them.
 */
export const KEYS_NAMESPACE = 'smart-keys';
const KEYS_ID = 'provider';

export interface ProviderSecrets {
  /** Private JWKs (with `kid`, `alg`, `use: sig`). */
  jwks: { keys: JsonObject[] };
  cookieKeys: string[];
}

/**
 * Loads the stored secrets, or generates, stores and returns new ones. Two processes starting on an
 * empty store at the same instant would each write; both re-read after writing and use what the
 * store holds then (the later write), so they converge on one set.
 */
export async function loadOrCreateSecrets(
  store: KeyValueStore,
  settle: () => Promise<void> = () => delay(250),
): Promise<ProviderSecrets> {
  const existing = await readSecrets(store);
  if (existing) return existing;
  await store.upsert(KEYS_NAMESPACE, KEYS_ID, generateSecrets() as unknown as JsonObject);
  await settle();
  const stored = await readSecrets(store);
  if (!stored)
    throw new Error(
      `The authorization server's keys could not be read back from the key-value store (${KEYS_NAMESPACE})`,
    );
  return stored;
}

export function generateSecrets(): ProviderSecrets {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' });
  return {
    jwks: {
      keys: [
        { ...rsa, kid: `rs256-${randomUUID()}`, alg: 'RS256', use: 'sig' },
        { ...ec, kid: `es384-${randomUUID()}`, alg: 'ES384', use: 'sig' },
      ],
    },
    cookieKeys: [randomBytes(32).toString('base64url')],
  };
}

async function readSecrets(store: KeyValueStore): Promise<ProviderSecrets | undefined> {
  const record = await store.find(KEYS_NAMESPACE, KEYS_ID);
  if (!record) return undefined;
  const { jwks, cookieKeys } = record.payload as Partial<ProviderSecrets>;
  if (!jwks || !Array.isArray(jwks.keys) || !jwks.keys.length || !Array.isArray(cookieKeys) || !cookieKeys.length) {
    throw new Error(
      `The stored authorization server keys (${KEYS_NAMESPACE}/${KEYS_ID}) are malformed; delete the record to generate new ones`,
    );
  }
  return { jwks, cookieKeys };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
