import type { SearchRequest } from '../fhir/search/search-request.ts';
import type Provider from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import type { Repository } from '../storage/repository.ts';
import type { KeyValueStore } from '../storage/key-value-store.ts';
import { isAdministrator } from '../access/grants/practice-roles.ts';
import type { Principal } from '../access/principal.ts';
import { registerClient } from './smart/clients.ts';
import type { ClientRegistration, RegisteredClient } from './smart/clients.ts';

/**
 * A practice's SMART clients: registering, listing and removing them (the console's "Connected apps"
 * page, server/console-api/practice-clients-routes.ts), and who may. The provider stores clients by id
 * only, so each practice keeps the list of its client ids in the key-value store
 * (`practice-clients/<practiceId>`). Registrations of one practice are serialized in this process;
 * two server processes registering for the same practice at the same instant could lose one id
 * from the list (the client itself stays valid) — acceptable for an administrator's occasional action.
 */
export const PRACTICE_CLIENTS_NAMESPACE = 'practice-clients';

export interface ClientSummary {
  clientId: string;
  name: string;
  kind: string;
  redirectUris: string[];
  scope: string;
  launchUri?: string;
  jwksUri?: string;
  managesAccess?: boolean;
}

export class PracticeClients {
  readonly #provider: Provider;
  readonly #keyValue: KeyValueStore;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(provider: Provider, keyValue: KeyValueStore) {
    this.#provider = provider;
    this.#keyValue = keyValue;
  }

  async list(practiceId: string): Promise<ClientSummary[]> {
    const summaries: ClientSummary[] = [];
    for (const clientId of await this.#ids(practiceId)) {
      const client = await this.#provider.Client.find(clientId);
      const metadata = client?.metadata() as Record<string, unknown> | undefined;
      if (!metadata || metadata.practice_id !== practiceId) continue;
      summaries.push({
        clientId,
        name: textOf(metadata.client_name) || clientId,
        kind: textOf(metadata.smart_client_kind),
        redirectUris: (metadata.redirect_uris as string[] | undefined) ?? [],
        scope: textOf(metadata.smart_scope),
        ...(typeof metadata.smart_launch_uri === 'string' ? { launchUri: metadata.smart_launch_uri } : {}),
        ...(typeof metadata.jwks_uri === 'string' ? { jwksUri: metadata.jwks_uri } : {}),
        ...(metadata.manages_access === true ? { managesAccess: true } : {}),
      });
    }
    return summaries;
  }

  register(
    practiceId: string,
    registration: Omit<ClientRegistration, 'practiceId' | 'clientId' | 'firstParty'>,
  ): Promise<RegisteredClient> {
    return this.#serial(async () => {
      const registered = await registerClient(this.#provider, { ...registration, practiceId });
      await this.#setIds(practiceId, [...(await this.#ids(practiceId)), registered.clientId]);
      return registered;
    });
  }

  /** Removes the client (its tokens stop working: the bearer check requires an existing client). */
  remove(practiceId: string, clientId: string): Promise<boolean> {
    return this.#serial(async () => {
      const ids = await this.#ids(practiceId);
      if (!ids.includes(clientId)) return false;
      const { adapter } = this.#provider.Client as unknown as { adapter: Adapter };
      await adapter.destroy(clientId);
      await this.#setIds(
        practiceId,
        ids.filter((id) => id !== clientId),
      );
      return true;
    });
  }

  async #ids(practiceId: string): Promise<string[]> {
    const record = await this.#keyValue.find(PRACTICE_CLIENTS_NAMESPACE, practiceId);
    const ids = record?.payload.clientIds;
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
  }

  #setIds(practiceId: string, ids: string[]): Promise<void> {
    return this.#keyValue.upsert(PRACTICE_CLIENTS_NAMESPACE, practiceId, { clientIds: ids });
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Whether the principal is a practitioner working at the practice (any active role). */
export function worksAt(principal: Principal | undefined, practiceId: string): boolean {
  return principal?.kind === 'practitioner' && principal.practices.includes(practiceId);
}

/** Whether the principal administers the practice: a current PractitionerRole there with the admin code. */
export async function administers(
  repo: Repository,
  principal: Principal | undefined,
  practiceId: string,
): Promise<boolean> {
  if (principal?.kind !== 'practitioner' || !principal.fhirUser?.startsWith('Practitioner/')) return false;
  const find = async (request: SearchRequest) =>
    (await repo.search(request)).versions.flatMap((v) => (v.resource ? [v.resource] : []));
  return isAdministrator(find, principal.fhirUser, practiceId, new Date());
}

/** A client metadata field that should be text (oidc-provider stores what registration validated). */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
