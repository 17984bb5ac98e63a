import { randomUUID } from 'node:crypto';
import type { Organization } from '@medplum/fhirtypes';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey } from 'jose';
import { OWNER_SYSTEM } from '../../server/access/access-index.ts';
import type { App } from '../../server/app.ts';

/**
 * A practice and a backend-services client of it (SMART Backend Services: client_credentials with a
 * private_key_jwt assertion), the identity most cross-cutting tests act as: it may read and write
 * everything its practice owns, nothing else. Tests that are about access itself build their own
 * identities (test/access-control.test.ts, test/authorization-matrix.test.ts).
 */
export interface PracticeClient {
  practiceId: string;
  clientId: string;
  privateKey: CryptoKey;
  kid: string;
}

export const BACKEND_SCOPE = 'system/*.cruds';

/**
 * Creates the practice's Organization (owning itself) and registers a backend client of it,
 * in-process. The client is registered to manage access (`managesAccess`) unless told otherwise, so
 * that tests can set up practitioners' roles, portal links and family members through the API as a
 * practice's provisioning integration would; the escalation tests also use clients without it.
 */
export async function provisionPractice(
  app: Pick<App, 'repo' | 'smart'>,
  name = 'Test practice',
  scope = BACKEND_SCOPE,
  options: { managesAccess?: boolean } = {},
): Promise<PracticeClient> {
  const practiceId = randomUUID();
  await app.repo.update<Organization>({
    resourceType: 'Organization',
    id: practiceId,
    meta: { tag: [{ system: OWNER_SYSTEM, code: practiceId }] },
    active: true,
    name,
  });
  return registerBackendClient(app, practiceId, `${name} backend`, scope, options);
}

/** Registers a backend-services client (ES384 key made here) of an existing practice. */
export async function registerBackendClient(
  app: Pick<App, 'smart'>,
  practiceId: string,
  name: string,
  scope = BACKEND_SCOPE,
  options: { managesAccess?: boolean } = {},
): Promise<PracticeClient> {
  const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', use: 'sig', kid };
  const { clientId } = await app.smart.registerClient({
    practiceId,
    name,
    kind: 'backend',
    jwks: { keys: [jwk] },
    scope,
    managesAccess: options.managesAccess ?? true,
  });
  return { practiceId, clientId, privateKey, kid };
}

/** Access tokens for a backend client, fetched from the token endpoint and reused until shortly before expiry. */
export class BackendTokens {
  readonly #tokenUrl: string;
  readonly #client: PracticeClient;
  #cached?: { token: string; expiresAt: number };
  #pending?: Promise<string>;

  constructor(baseUrl: string, client: PracticeClient) {
    this.#tokenUrl = `${baseUrl}/oauth/token`;
    this.#client = client;
  }

  async token(scope = BACKEND_SCOPE): Promise<string> {
    if (scope !== BACKEND_SCOPE) return this.#fetch(scope);
    if (this.#cached && this.#cached.expiresAt > Date.now() + 30_000) return this.#cached.token;
    // One request at a time: many concurrent test requests share the token being fetched.
    this.#pending ??= this.#fetch(scope).finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  async #fetch(scope: string): Promise<string> {
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES384', kid: this.#client.kid, typ: 'JWT' })
      .setIssuer(this.#client.clientId)
      .setSubject(this.#client.clientId)
      .setAudience(this.#tokenUrl)
      .setJti(randomUUID())
      .setExpirationTime('4m')
      .sign(this.#client.privateKey);
    const res = await fetch(this.#tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
    });
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (!res.ok || !body.access_token)
      throw new Error(`backend token refused (${res.status}): ${JSON.stringify(body)}`);
    if (scope === BACKEND_SCOPE)
      this.#cached = { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 60) * 1000 };
    return body.access_token;
  }
}

/** Which server origin gets which identity's tokens when tests call fhirFetch without an Authorization header. */
const identities = new Map<string, BackendTokens>();

export function actAs(baseUrl: string, tokens: BackendTokens): void {
  identities.set(new URL(baseUrl).origin, tokens);
}

export function forget(baseUrl: string): void {
  identities.delete(new URL(baseUrl).origin);
}

export async function authorizationFor(url: string): Promise<string | undefined> {
  const tokens = identities.get(new URL(url).origin);
  return tokens ? `Bearer ${await tokens.token()}` : undefined;
}
