import type { KeyValueStore } from '../../storage/key-value-store.ts';

/**
 * Each practice may let its staff (or patients) sign in through the practice's own OpenID provider
 * (its Entra ID, Google Workspace, Keycloak …). Its settings are kept in the key-value store
 * (namespace `federation-provider`, keyed by the practice's Organization id) and set by an operator
 * through `setPracticeProvider` (CLI `server/cli/account.ts federation-provider`, later the console).
 *
 * The client secret is stored as given (the store is the server's own database); rotate it at the
 * provider if the database is exposed.
 */
export const PROVIDER_NAMESPACE = 'federation-provider';

export type TokenEndpointAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface PracticeProvider {
  practiceId: string;
  /** The provider's Issuer Identifier; its discovery document is read from `/.well-known/openid-configuration`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** How the client authenticates at the token endpoint; the OpenID default is `client_secret_basic`. */
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  /** Shown on the sign-in button and in messages, e.g. "Riverside Clinic". */
  displayName: string;
}

export type PracticeProviderInput = Omit<PracticeProvider, 'tokenEndpointAuthMethod' | 'displayName'> & {
  tokenEndpointAuthMethod?: TokenEndpointAuthMethod;
  displayName?: string;
};

export class FederationInputError extends Error {
  override name = 'FederationInputError';
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function isPracticeId(value: unknown): value is string {
  return typeof value === 'string' && FHIR_ID.test(value);
}

/**
 * Validates and stores a practice's provider. `production` refuses plain-http issuers: the discovery
 * document and the tokens would travel unprotected.
 */
export async function setPracticeProvider(
  kv: KeyValueStore,
  input: PracticeProviderInput,
  production: boolean,
): Promise<PracticeProvider> {
  const provider = checkProvider(input, production);
  const { practiceId, ...payload } = provider;
  await kv.upsert(PROVIDER_NAMESPACE, practiceId, payload);
  return provider;
}

export async function getPracticeProvider(
  kv: KeyValueStore,
  practiceId: string,
): Promise<PracticeProvider | undefined> {
  if (!isPracticeId(practiceId)) return undefined;
  const stored = await kv.find(PROVIDER_NAMESPACE, practiceId);
  if (!stored) return undefined;
  const { issuer, clientId, clientSecret, tokenEndpointAuthMethod, displayName } = stored.payload;
  if (typeof issuer !== 'string' || typeof clientId !== 'string' || typeof clientSecret !== 'string') return undefined;
  return {
    practiceId,
    issuer,
    clientId,
    clientSecret,
    tokenEndpointAuthMethod:
      tokenEndpointAuthMethod === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
    displayName: typeof displayName === 'string' ? displayName : practiceId,
  };
}

export async function removePracticeProvider(kv: KeyValueStore, practiceId: string): Promise<void> {
  if (isPracticeId(practiceId)) await kv.destroy(PROVIDER_NAMESPACE, practiceId);
}

function checkProvider(input: PracticeProviderInput, production: boolean): PracticeProvider {
  const problems: string[] = [];
  if (!isPracticeId(input.practiceId))
    problems.push(`practice id must be a FHIR id (Organization id), got '${String(input.practiceId)}'`);
  let issuer = '';
  try {
    const url = new URL(String(input.issuer));
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !production)) throw new Error('scheme');
    if (url.search || url.hash || url.username || url.password) throw new Error('extra parts');
    issuer = String(input.issuer); // kept exactly: discovery compares it with the document's `issuer`
  } catch {
    problems.push(
      `issuer must be an ${production ? 'https' : 'http(s)'} URL without query, fragment or credentials, got '${String(input.issuer)}'`,
    );
  }
  if (typeof input.clientId !== 'string' || input.clientId.length === 0 || input.clientId.length > 255)
    problems.push('client id must be 1 to 255 characters');
  if (typeof input.clientSecret !== 'string' || input.clientSecret.length === 0 || input.clientSecret.length > 1024)
    problems.push('client secret must be 1 to 1024 characters');
  const method = input.tokenEndpointAuthMethod ?? 'client_secret_basic';
  if (method !== 'client_secret_basic' && method !== 'client_secret_post')
    problems.push(
      `token endpoint auth method must be client_secret_basic or client_secret_post, got '${String(method)}'`,
    );
  const displayName = input.displayName?.trim() || input.practiceId;
  if (typeof displayName !== 'string' || displayName.length > 200)
    problems.push('display name must be at most 200 characters');
  if (problems.length) throw new FederationInputError(`Invalid practice provider: ${problems.join('; ')}`);
  return {
    practiceId: input.practiceId,
    issuer,
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    tokenEndpointAuthMethod: method,
    displayName,
  };
}
