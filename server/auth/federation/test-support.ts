import { generateKeyPairSync } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import Provider from 'oidc-provider';
import { startHttp } from '../accounts/test-support.ts';
import type { TestHttpServer } from '../accounts/test-support.ts';

/**
 * A SECOND, real oidc-provider on loopback playing a practice's own identity provider, for the
 * federation tests (its development login and consent pages: acceptable for this stand-in only).
 * It knows one client, ours, redirecting to `redirectUri`, and the people in `people` (sub → claims).
 */
export const EXTERNAL_CLIENT_ID = 'portal-at-riverside';
export const EXTERNAL_CLIENT_SECRET = 'riverside-test-only-client-secret-long-enough';

export type ExternalPeople = Record<string, { email?: string; email_verified?: boolean }>;

export async function startExternalProvider(redirectUri: string, people: ExternalPeople): Promise<TestHttpServer> {
  const server = await startHttp();
  const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JsonWebKey;
  const provider = new Provider(server.url, {
    clients: [{ client_id: EXTERNAL_CLIENT_ID, client_secret: EXTERNAL_CLIENT_SECRET, redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'] }],
    findAccount: async (_ctx, sub) => (people[sub] ? { accountId: sub, claims: async () => ({ sub, ...people[sub] }) } : undefined),
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    jwks: { keys: [jwk as Record<string, string>] },
    cookies: { keys: ['external-test-only-cookie-key'] },
    features: { devInteractions: { enabled: true } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  server.setHandler(provider.callback());
  return server;
}
