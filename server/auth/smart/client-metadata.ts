import { errors } from 'oidc-provider';
import type { Client } from 'oidc-provider';
import { parseScope, ScopeError, scopeTokens } from './scopes.ts';

/**
 * Our own client metadata, stored with each client by oidc-provider (`extraClientMetadata`):
 * - `practice_id`: the Organization id of the practice that owns the client (a backend client
 *   works on that practice's records; the console lists a practice's apps). Absent only for the
 *   platform's own first-party apps;
 * - `smart_client_kind`: how the client authenticates, as registered (clients.ts);
 * - `smart_scope`: the full list of scopes the client may ask for, wildcards included
 *   (`patient/*.rs`). oidc-provider's own `scope` metadata may only name the provider's static
 *   scopes (openid, launch, …), never resource scopes, so it holds just those and this holds all;
 * - `first_party`: true only for the platform's own apps (first-party-apps.ts); they skip consent;
 * - `smart_launch_uri`: the app's launch URL for EHR launches from the console (SMART "launch URL";
 *   oidc-provider's `initiate_login_uri` would insist on https even for local development);
 * - `manages_access`: true only for a backend client its practice registered to manage who has
 *   access (PractitionerRole, Person links, RelatedPerson, Consent); without it a backend client
 *   cannot write those, whatever its scopes (server/access/grants/README.md).
 */
export const CLIENT_KINDS = ['public', 'confidential-symmetric', 'confidential-asymmetric', 'backend'] as const;
export type ClientKind = (typeof CLIENT_KINDS)[number];

export const CLIENT_METADATA = [
  'practice_id',
  'smart_client_kind',
  'smart_scope',
  'first_party',
  'smart_launch_uri',
  'manages_access',
] as const;

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function isClientKind(value: unknown): value is ClientKind {
  return typeof value === 'string' && (CLIENT_KINDS as readonly string[]).includes(value);
}

export function isFhirId(value: unknown): value is string {
  return typeof value === 'string' && FHIR_ID.test(value);
}

/** oidc-provider's synchronous validator for the properties above. */
export function validateClientMetadata(_ctx: unknown, key: string, value: unknown): void {
  if (value === undefined) return;
  if (key === 'practice_id' && !isFhirId(value)) {
    throw new errors.InvalidClientMetadata('practice_id must be an Organization id');
  }
  if (key === 'smart_client_kind' && !isClientKind(value)) {
    throw new errors.InvalidClientMetadata(`smart_client_kind must be one of ${CLIENT_KINDS.join(', ')}`);
  }
  if (
    key === 'smart_launch_uri' &&
    (typeof value !== 'string' || !URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol))
  ) {
    throw new errors.InvalidClientMetadata('smart_launch_uri must be an absolute http(s) URL');
  }
  if ((key === 'first_party' || key === 'manages_access') && typeof value !== 'boolean') {
    if (key === 'manages_access') throw new errors.InvalidClientMetadata('manages_access must be a boolean');
    throw new errors.InvalidClientMetadata('first_party must be a boolean');
  }
  if (key === 'smart_scope') {
    if (typeof value !== 'string') throw new errors.InvalidClientMetadata('smart_scope must be a string');
    try {
      for (const token of scopeTokens(value)) parseScope(token);
    } catch (err) {
      if (err instanceof ScopeError) throw new errors.InvalidClientMetadata(`smart_scope: ${err.message}`);
      throw err;
    }
  }
}

function metadata(client: Client): Record<string, unknown> {
  return client as unknown as Record<string, unknown>;
}

/** Every scope the client may ask for (resource scopes included). */
export function allowedScope(client: Client): string {
  const value = metadata(client).smart_scope;
  return typeof value === 'string' ? value : '';
}

/** The owning practice's Organization id; undefined for first-party apps. */
export function clientPractice(client: Client): string | undefined {
  const value = metadata(client).practice_id;
  return typeof value === 'string' ? value : undefined;
}

/** Whether the (backend) client was registered to manage its practice's memberships and access grants. */
export function managesAccess(client: Client): boolean {
  return metadata(client).manages_access === true;
}

export function isFirstParty(client: Client): boolean {
  return metadata(client).first_party === true;
}
