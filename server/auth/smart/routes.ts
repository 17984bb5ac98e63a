/**
 * Where the authorization server's endpoints live. The issuer is the server's base URL; the
 * provider's own endpoints are under /oauth/, discovery is at the issuer's /.well-known/ paths and
 * SMART's configuration at the FHIR base URL's /.well-known/smart-configuration.
 */
export const OAUTH_PREFIX = '/oauth';

/** oidc-provider's `routes` option (paths relative to the issuer). */
export const ISSUER_ROUTES = {
  authorization: `${OAUTH_PREFIX}/authorize`,
  token: `${OAUTH_PREFIX}/token`,
  jwks: `${OAUTH_PREFIX}/jwks`,
  introspection: `${OAUTH_PREFIX}/introspect`,
  revocation: `${OAUTH_PREFIX}/revoke`,
  userinfo: `${OAUTH_PREFIX}/userinfo`,
  end_session: `${OAUTH_PREFIX}/logout`,
  registration: `${OAUTH_PREFIX}/register`,
  pushed_authorization_request: `${OAUTH_PREFIX}/par`,
  code_verification: `${OAUTH_PREFIX}/device`,
  device_authorization: `${OAUTH_PREFIX}/device/auth`,
  backchannel_authentication: `${OAUTH_PREFIX}/backchannel`,
  challenge: `${OAUTH_PREFIX}/challenge`,
  credential: `${OAUTH_PREFIX}/credential`,
} as const;

/** The provider's discovery documents (fixed by oidc-provider at the issuer's root). */
export const DISCOVERY_PATHS = [
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
] as const;

export const INTERACTION_PREFIX = `${OAUTH_PREFIX}/interaction`;
export const STYLE_PATH = `${OAUTH_PREFIX}/smart-style.json`;
export const SMART_CONFIGURATION_PATH = '/.well-known/smart-configuration';

export function interactionPath(uid: string): string {
  return `${INTERACTION_PREFIX}/${encodeURIComponent(uid)}`;
}

/** Whether the provider itself answers this request path. */
export function isProviderPath(path: string): boolean {
  return path.startsWith(`${OAUTH_PREFIX}/`) || (DISCOVERY_PATHS as readonly string[]).includes(path);
}
