import type { KeyValueStore } from '../../storage/key-value-store.ts';
import { PasswordAccountService } from '../accounts/account-service.ts';
import { registerClient } from './clients.ts';
import type { ClientRegistration, RegisteredClient } from './clients.ts';
import { styleUrl } from './discovery.ts';
import { GrantContextStore } from './grant-context.ts';
import { LaunchStore } from './launch-store.ts';
import { createProvider, DEFAULT_TTL } from './provider.ts';
import { loadOrCreateSecrets } from './signing-keys.ts';

/**
 * Client registration outside the running server (the `register-client` command): a Provider
 * configured exactly as the server's (createProvider) over the same key-value store, so a client
 * is validated by the same rules and stored where the server finds it. Nothing is served; the
 * provider only validates and stores the client metadata.
 */
export interface ClientRegistry {
  register(registration: ClientRegistration): Promise<RegisteredClient>;
}

export async function openClientRegistry(options: {
  baseUrl: string;
  fhirBaseUrl: string;
  keyValue: KeyValueStore;
}): Promise<ClientRegistry> {
  const { baseUrl, fhirBaseUrl, keyValue } = options;
  const provider = createProvider({
    baseUrl,
    fhirBaseUrl,
    keyValue,
    // The provider needs an account lookup for its sign-in flows, which registration never runs.
    accounts: new PasswordAccountService({ keyValue }),
    secrets: await loadOrCreateSecrets(keyValue),
    grantContexts: new GrantContextStore(keyValue),
    launches: new LaunchStore(keyValue),
    ttl: DEFAULT_TTL,
    clock: Date.now,
    styleUrl: styleUrl(baseUrl),
  });
  return { register: (registration) => registerClient(provider, registration) };
}
