import type { RegisteredClient } from './clients.ts';
import type { SmartAuth } from './smart-auth.ts';

/**
 * The platform's own two Angular apps, the practitioner console (`/console/`) and the patient
 * portal (`/portal/`), sign in through this authorization server like any SMART app: public
 * clients, authorization code + PKCE, exact redirect URIs. Unlike third-party apps they belong to no
 * practice (they are the platform) and skip the consent page: consent is implied for exactly the
 * scopes they ask for, which can only be within FIRST_PARTY_SCOPE (interaction-routes.ts).
 *
 * registerFirstPartyApps upserts both clients with fixed ids; call it at every start-up so a
 * changed BASE_URL takes effect.
 */
export const FIRST_PARTY_SCOPE = 'openid fhirUser profile online_access user/*.cruds';

export const FIRST_PARTY_APPS = [
  { clientId: 'practitioner-console', name: 'Practitioner console', path: '/console/' },
  { clientId: 'patient-portal', name: 'Patient portal', path: '/portal/' },
] as const;

export async function registerFirstPartyApps(
  smart: Pick<SmartAuth, 'registerClient'>,
  baseUrl: string,
): Promise<RegisteredClient[]> {
  if (baseUrl.endsWith('/'))
    throw new Error(`registerFirstPartyApps: baseUrl must not end with a slash, got ${baseUrl}`);
  const registered: RegisteredClient[] = [];
  for (const app of FIRST_PARTY_APPS) {
    registered.push(
      await smart.registerClient({
        clientId: app.clientId,
        name: app.name,
        kind: 'public',
        firstParty: true,
        redirectUris: [`${baseUrl}${app.path}signed-in`],
        postLogoutRedirectUris: [`${baseUrl}${app.path}`],
        scope: FIRST_PARTY_SCOPE,
      }),
    );
  }
  return registered;
}
