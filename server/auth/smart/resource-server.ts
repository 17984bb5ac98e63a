import { errors } from 'oidc-provider';
import type { Client, KoaContextWithOIDC, ResourceServer } from 'oidc-provider';
import { allowedScope } from './client-metadata.ts';
import { parseScope, ScopeError, scopesBeyond, scopeTokens } from './scopes.ts';

/**
 * The FHIR API is the only resource server: every access token has the FHIR base URL as audience.
 * oidc-provider asks for the resource server's scopes on every authorization and token request;
 * SMART scopes are open-ended (granular queries), so the answer is the request's own scopes once
 * they are checked: each must be a scope this server understands (scopes.ts) and within the
 * client's registered scope. Anything else is `invalid_scope`.
 */
export function resourceServerInfo(fhirBaseUrl: string, ttl: { accessToken: number; clientCredentials: number }) {
  return async (ctx: KoaContextWithOIDC, indicator: string, client: Client): Promise<ResourceServer> => {
    if (indicator !== fhirBaseUrl) throw new errors.InvalidTarget(`the only resource served is ${fhirBaseUrl}`);
    const requested = requestedScopes(ctx);
    checkRequestedScopes(requested, client, isTokenRequest(ctx) || isAuthorizationRequest(ctx));
    const backend = client.grantTypeAllowed('client_credentials');
    return {
      scope: requested.join(' '),
      audience: fhirBaseUrl,
      accessTokenFormat: 'opaque',
      accessTokenTTL: backend ? ttl.clientCredentials : ttl.accessToken,
    };
  };
}

/** The scopes in play: the request's `scope`, and those of the code or refresh token being redeemed. */
function requestedScopes(ctx: KoaContextWithOIDC): string[] {
  const { params, entities } = ctx.oidc;
  const tokens = new Set(scopeTokens(params?.scope as string | undefined));
  for (const source of [entities.AuthorizationCode, entities.RefreshToken]) {
    for (const token of scopeTokens(source?.scope)) tokens.add(token);
  }
  return [...tokens];
}

function isAuthorizationRequest(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.route === 'authorization';
}

function isTokenRequest(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.route === 'token' && ctx.oidc.params?.grant_type === 'client_credentials';
}

export function checkRequestedScopes(requested: readonly string[], client: Client, scopeRequired: boolean): void {
  if (scopeRequired && !requested.length) throw new errors.InvalidScope('a scope is required', '');
  const backend = client.grantTypeAllowed('client_credentials');
  for (const token of requested) {
    let parsed;
    try {
      parsed = parseScope(token);
    } catch (err) {
      if (err instanceof ScopeError) throw new errors.InvalidScope(err.message, token);
      throw err;
    }
    if (backend && (!parsed || parsed.context !== 'system')) {
      throw new errors.InvalidScope('backend services clients may only ask for system/ scopes', token);
    }
    if (!backend && parsed?.context === 'system') {
      throw new errors.InvalidScope('system/ scopes are for backend services clients only', token);
    }
  }
  const beyond = scopesBeyond(allowedScope(client), requested);
  if (beyond.length)
    throw new errors.InvalidScope(
      `requested scope is not allowed for this client: ${beyond.join(' ')}`,
      beyond.join(' '),
    );
}
