import { randomBytes } from 'node:crypto';
import type Provider from 'oidc-provider';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import { isClientKind, isFhirId } from './client-metadata.ts';
import type { ClientKind } from './client-metadata.ts';
import { isResourceScopeToken, parseScope, ScopeError, scopeTokens } from './scopes.ts';

/**
 * Registering SMART clients. A client is stored through the provider's Client adapter (our
 * key-value store, namespace `oidc:Client`), with its owning practice (`practice_id`) and kind
 * (`smart_client_kind`) as extra metadata; oidc-provider validates the metadata first.
 *
 * Kinds (SMART App Launch 2.2 "Client Authentication"):
 * - `public`: a browser or native app without a secret (`none`, PKCE only);
 * - `confidential-symmetric`: a server-side app with a client secret (`client_secret_basic`);
 * - `confidential-asymmetric`: a server-side app signing assertions with its key (`private_key_jwt`);
 * - `backend`: a backend service without a user (`client_credentials` + `private_key_jwt`, system/ scopes).
 */
export interface ClientRegistration {
  /** The owning practice's Organization id; required unless `firstParty`. */
  practiceId?: string;
  name: string;
  /** Required for every kind but `backend`, which must not have any. */
  redirectUris?: string[];
  kind: ClientKind;
  /** Public keys (JWKS) for `confidential-asymmetric` and `backend`; or `jwksUri`. */
  jwks?: { keys: Array<Record<string, unknown>> };
  jwksUri?: string;
  /** The scopes the client may ask for, space-separated (wildcards such as patient/*.rs allowed). */
  scope: string;
  /** Normally generated; give one only to re-register (replace) an existing client. */
  clientId?: string;
  /** The platform's own apps only (first-party-apps.ts): public, no practice, consent skipped. */
  firstParty?: boolean;
  /** Where the app may send the user after signing out (first-party apps). */
  postLogoutRedirectUris?: string[];
  /** The app's launch URL for EHR launches from the console (not for backend clients). */
  launchUri?: string;
  /**
   * Backend clients only: may create, change and end its practice's memberships and access grants
   * (PractitionerRole, Person links, RelatedPerson, Consent) like an administrator of the practice.
   */
  managesAccess?: boolean;
}

export interface RegisteredClient {
  clientId: string;
  /** Only for `confidential-symmetric`: shown once, stored by the provider. */
  clientSecret?: string;
}

/** A registration the server refuses; the message says why. */
export class ClientRegistrationError extends Error {
  override name = 'ClientRegistrationError';
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

export async function registerClient(provider: Provider, registration: ClientRegistration): Promise<RegisteredClient> {
  const metadata = clientMetadata(registration);
  try {
    await provider.Client.validate(metadata as never);
  } catch (err) {
    const description = (err as { error_description?: string }).error_description ?? (err as Error).message;
    throw new ClientRegistrationError(`Invalid client: ${description}`);
  }
  const { adapter } = provider.Client as unknown as { adapter: Adapter };
  await adapter.upsert(metadata.client_id as string, metadata as AdapterPayload);
  return {
    clientId: metadata.client_id as string,
    ...(metadata.client_secret ? { clientSecret: metadata.client_secret as string } : {}),
  };
}

export function clientMetadata(registration: ClientRegistration): Record<string, unknown> {
  const { kind } = registration;
  if (!isClientKind(kind))
    throw new ClientRegistrationError(
      'kind must be public, confidential-symmetric, confidential-asymmetric or backend',
    );
  const firstParty = registration.firstParty === true;
  if (firstParty && kind !== 'public') throw new ClientRegistrationError('a first-party app is a public client');
  // Every third-party client belongs to a practice; only the platform's own apps belong to none.
  if (firstParty ? registration.practiceId !== undefined : !isFhirId(registration.practiceId)) {
    throw new ClientRegistrationError(
      firstParty
        ? 'a first-party app belongs to the platform, not to a practice'
        : 'practiceId must be the Organization id of the owning practice',
    );
  }
  if (typeof registration.name !== 'string' || !registration.name.trim())
    throw new ClientRegistrationError('name is required');
  const clientId = registration.clientId ?? randomBytes(16).toString('base64url');
  if (!/^[A-Za-z0-9\-._~]{8,128}$/.test(clientId))
    throw new ClientRegistrationError('clientId must be 8 to 128 URL-safe characters');
  checkScope(kind, registration.scope);
  const tokens = scopeTokens(registration.scope);
  // oidc-provider's `scope` may hold only its static scopes; the full allow-list is smart_scope.
  const staticScopes = tokens.filter((token) => !isResourceScopeToken(token));
  const metadata: Record<string, unknown> = {
    client_id: clientId,
    client_name: registration.name.trim(),
    application_type: 'web',
    ...(staticScopes.length ? { scope: staticScopes.join(' ') } : {}),
    smart_scope: tokens.join(' '),
    ...(firstParty ? { first_party: true } : { practice_id: registration.practiceId }),
    smart_client_kind: kind,
    ...authentication(registration),
    ...flows(registration),
    ...logoutRedirects(registration),
    ...launchUri(registration),
    ...accessManagement(registration),
  };
  return metadata;
}

function authentication(registration: ClientRegistration): Record<string, unknown> {
  switch (registration.kind) {
    case 'public':
      rejectKeys(registration);
      return { token_endpoint_auth_method: 'none' };
    case 'confidential-symmetric':
      rejectKeys(registration);
      return {
        token_endpoint_auth_method: 'client_secret_basic',
        client_secret: randomBytes(32).toString('base64url'),
      };
    case 'confidential-asymmetric':
    case 'backend':
      return { token_endpoint_auth_method: 'private_key_jwt', ...keys(registration) };
  }
}

function flows(registration: ClientRegistration): Record<string, unknown> {
  if (registration.kind === 'backend') {
    if (registration.redirectUris?.length) throw new ClientRegistrationError('a backend client has no redirect URIs');
    return { grant_types: ['client_credentials'], response_types: [], redirect_uris: [] };
  }
  const redirectUris = registration.redirectUris ?? [];
  if (!redirectUris.length) throw new ClientRegistrationError('at least one redirect URI is required');
  redirectUris.forEach(checkRedirectUri);
  return {
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: redirectUris,
  };
}

function accessManagement(registration: ClientRegistration): Record<string, unknown> {
  if (registration.managesAccess === undefined || registration.managesAccess === false) return {};
  if (registration.managesAccess !== true) throw new ClientRegistrationError('managesAccess must be true or false');
  if (registration.kind !== 'backend')
    throw new ClientRegistrationError('only a backend client can be registered to manage access');
  return { manages_access: true };
}

function launchUri(registration: ClientRegistration): Record<string, unknown> {
  if (registration.launchUri === undefined) return {};
  if (registration.kind === 'backend') throw new ClientRegistrationError('a backend client is not launched');
  checkRedirectUri(registration.launchUri);
  return { smart_launch_uri: registration.launchUri };
}

function logoutRedirects(registration: ClientRegistration): Record<string, unknown> {
  const uris = registration.postLogoutRedirectUris;
  if (!uris?.length) return {};
  if (registration.kind === 'backend')
    throw new ClientRegistrationError('a backend client has no post-logout redirect URIs');
  uris.forEach(checkRedirectUri);
  return { post_logout_redirect_uris: uris };
}

function keys(registration: ClientRegistration): Record<string, unknown> {
  if (registration.jwks && registration.jwksUri)
    throw new ClientRegistrationError('give either jwks or jwksUri, not both');
  if (registration.jwks) {
    if (!Array.isArray(registration.jwks.keys) || !registration.jwks.keys.length)
      throw new ClientRegistrationError('jwks must hold at least one key');
    if (registration.jwks.keys.some((key) => 'd' in key || 'k' in key))
      throw new ClientRegistrationError('jwks must hold public keys only');
    return { jwks: registration.jwks };
  }
  if (registration.jwksUri) {
    const url = URL.parse(registration.jwksUri);
    if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))) {
      throw new ClientRegistrationError('jwksUri must be an https URL (http only on loopback)');
    }
    return { jwks_uri: url.href };
  }
  throw new ClientRegistrationError(`a ${registration.kind} client needs its public keys: jwks or jwksUri`);
}

function rejectKeys(registration: ClientRegistration): void {
  if (registration.jwks || registration.jwksUri)
    throw new ClientRegistrationError(`a ${registration.kind} client does not use keys`);
}

/** Absolute https URLs (http only on loopback), no fragment, no user:password@. */
function checkRedirectUri(uri: string): void {
  const url = typeof uri === 'string' ? URL.parse(uri) : null;
  if (!url) throw new ClientRegistrationError(`redirect URI ${JSON.stringify(uri)} is not an absolute URL`);
  if (url.hash || uri.includes('#')) throw new ClientRegistrationError(`redirect URI ${uri} must not have a fragment`);
  if (url.username || url.password)
    throw new ClientRegistrationError(`redirect URI ${uri} must not contain credentials`);
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname)))) {
    throw new ClientRegistrationError(`redirect URI ${uri} must use https (http only on loopback)`);
  }
}

function checkScope(kind: ClientKind, scope: string): void {
  const tokens = scopeTokens(typeof scope === 'string' ? scope : '');
  if (!tokens.length) throw new ClientRegistrationError('scope must list the scopes the client may ask for');
  for (const token of tokens) {
    let parsed;
    try {
      parsed = parseScope(token);
    } catch (err) {
      if (err instanceof ScopeError) throw new ClientRegistrationError(err.message);
      throw err;
    }
    if (kind === 'backend' && (!isResourceScopeToken(token) || parsed?.context !== 'system')) {
      throw new ClientRegistrationError(`a backend client may only have system/ scopes, not ${token}`);
    }
    if (kind !== 'backend' && parsed?.context === 'system') {
      throw new ClientRegistrationError(`system/ scopes are for backend clients only, not ${token}`);
    }
  }
}
