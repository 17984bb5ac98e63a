import Provider, { errors, interactionPolicy } from 'oidc-provider';
import type { Account as OidcAccount, Client, Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { Clock } from '../../storage/key-value-store.ts';
import type { KeyValueStore } from '../../storage/key-value-store.ts';
import type { Account, AccountService } from '../accounts/account.ts';
import { issuedBeforeEpoch } from '../accounts/credentials-epoch.ts';
import { createOidcAdapter } from '../oidc-adapter.ts';
import { CLIENT_METADATA, validateClientMetadata } from './client-metadata.ts';
import type { GrantContextStore } from './grant-context.ts';
import type { LaunchStore } from './launch-store.ts';
import { pageHeaders } from '../html-layout.ts';
import { jwksFetch } from './jwks-fetch.ts';
import { logoutSource, postLogoutSuccessSource } from './logout-pages.ts';
import { renderProviderError } from './interaction-pages.ts';
import { ISSUER_ROUTES, interactionPath } from './routes.ts';
import { resourceServerInfo } from './resource-server.ts';
import { NON_RESOURCE_SCOPES } from './scopes.ts';
import type { ProviderSecrets } from './signing-keys.ts';
import { smartTokenResponse } from './token-response.ts';

/** Token and session lifetimes, in seconds. */
export interface SmartTtl {
  accessToken: number;
  /** Backend-services (client_credentials) tokens. */
  clientCredentials: number;
  authorizationCode: number;
  /** Rolling: every rotation issues a token with this lifetime, within the grant's lifetime. */
  refreshToken: number;
  idToken: number;
  interaction: number;
  /** The sign-in session; `online_access` refresh tokens end with it. */
  session: number;
  /** The authorization (and its launch context); refresh tokens cannot outlive it. */
  grant: number;
}

export const DEFAULT_TTL: SmartTtl = {
  accessToken: 60 * 60,
  clientCredentials: 5 * 60,
  authorizationCode: 60,
  refreshToken: 30 * 24 * 60 * 60,
  idToken: 60 * 60,
  interaction: 30 * 60,
  session: 8 * 60 * 60,
  grant: 365 * 24 * 60 * 60,
};

/** A client assertion (private_key_jwt) may not be valid for longer than this (SMART Backend Services). */
export const MAX_ASSERTION_LIFETIME_SECONDS = 5 * 60;

export interface ProviderDeps {
  baseUrl: string;
  fhirBaseUrl: string;
  keyValue: KeyValueStore;
  accounts: AccountService;
  secrets: ProviderSecrets;
  grantContexts: GrantContextStore;
  launches: LaunchStore;
  ttl: SmartTtl;
  clock: Clock;
  styleUrl: string;
}

/**
 * The oidc-provider instance configured as a SMART App Launch 2.2 authorization server. The issuer is
 * the server's base URL; the endpoints live under /oauth/ (routes.ts). See README.md for the flows.
 */
export function createProvider(deps: ProviderDeps): Provider {
  const provider = new Provider(deps.baseUrl, providerConfiguration(deps));
  // Requests reach the provider with X-Forwarded-Host/Proto set from BASE_URL by provider-mount.ts
  // (never from the client), so every URL it derives (discovery, redirects, the expected audience
  // of client assertions, Secure cookies) follows the configured public URL.
  provider.proxy = true;
  provider.use(smartTokenResponse(deps.styleUrl));
  return provider;
}

function providerConfiguration(deps: ProviderDeps): Configuration {
  const { fhirBaseUrl, ttl } = deps;
  return {
    adapter: createOidcAdapter(deps.keyValue),
    clients: [],
    jwks: deps.secrets.jwks as Configuration['jwks'],
    cookies: {
      keys: deps.secrets.cookieKeys,
      names: { session: 'smart_session', interaction: 'smart_interaction', resume: 'smart_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    routes: ISSUER_ROUTES,
    responseTypes: ['code'],
    scopes: [...NON_RESOURCE_SCOPES],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'], profile: ['name'] },
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    enabledJWA: {
      clientAuthSigningAlgValues: ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'],
      idTokenSigningAlgValues: ['RS256', 'ES384'],
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'none',
    },
    extraClientMetadata: { properties: [...CLIENT_METADATA], validator: validateClientMetadata },
    allowOmittingSingleRegisteredRedirectUri: false,
    clockTolerance: 5,
    fetch: jwksFetch(deps.baseUrl) as Configuration['fetch'],
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: ownTokenOnly },
      revocation: { enabled: true, allowedPolicy: ownTokenOnly },
      // Access tokens are for the FHIR API only (audience = the FHIR base URL); identity comes in the id_token.
      userinfo: { enabled: false },
      // For the first-party apps' "sign out" (post_logout_redirect_uris); our own pages, no script.
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      pushedAuthorizationRequests: { enabled: false },
      registration: { enabled: false },
      // Only plain Bearer tokens: the FHIR API's bearer middleware does not verify DPoP proofs.
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => fhirBaseUrl,
        useGrantedResource: () => true,
        getResourceServerInfo: resourceServerInfo(fhirBaseUrl, ttl),
      },
    },
    extraParams: {
      aud: (_ctx, value) => checkAudience(value, fhirBaseUrl),
      state: (_ctx, value) => checkState(value),
      launch: (ctx, value) => checkLaunch(ctx, value, deps.launches),
    },
    assertJwtClientAuthClaimsAndHeader: (_ctx, claims, header, client) =>
      checkClientAssertion(claims, header, client, deps.clock),
    findAccount: (_ctx, sub, token) => findAccount(deps, sub, token),
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const context = await deps.grantContexts.find((token as { grantId?: string }).grantId);
      if (!context) return undefined;
      // need_patient_banner only means something with a patient in context (SMART 2.2 §"Launch context").
      if (!context.patient) return undefined;
      return { patient: context.patient, encounter: context.encounter, need_patient_banner: context.needPatientBanner };
    },
    issueRefreshToken: (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (code.scopes.has('offline_access') || code.scopes.has('online_access')),
    // online_access (and no refresh at all): tokens end with the user's sign-in session.
    expiresWithSession: (_ctx, code) => !code.scopes.has('offline_access'),
    rotateRefreshToken: () => true,
    // Every authorization request asks the user (consent, patient choice, launch context are per launch).
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: { policy: smartPolicy(deps.accounts), url: (_ctx, interaction) => interactionPath(interaction.uid) },
    renderError: async (ctx, out) => {
      ctx.set(pageHeaders());
      ctx.body = renderProviderError(out as unknown as Record<string, unknown>);
    },
    ttl: {
      AccessToken: ttl.accessToken,
      AuthorizationCode: ttl.authorizationCode,
      ClientCredentials: ttl.clientCredentials,
      IdToken: ttl.idToken,
      Interaction: ttl.interaction,
      Session: ttl.session,
      Grant: ttl.grant,
      RefreshToken: refreshTokenTtl(ttl),
    },
  };
}

/** A client may introspect and revoke only its own tokens. */
async function ownTokenOnly(_ctx: KoaContextWithOIDC, client: Client, token: { clientId?: string }): Promise<boolean> {
  return token.clientId === client.clientId;
}

function checkAudience(value: string | undefined, fhirBaseUrl: string): void {
  if (value !== fhirBaseUrl) {
    throw new errors.InvalidRequest(`aud must be the FHIR base URL of this server, exactly: ${fhirBaseUrl}`);
  }
}

function checkState(value: string | undefined): void {
  if (!value) throw new errors.InvalidRequest('state is required');
}

/** `launch` (EHR launch) and scope `launch` come together, and the launch must exist. */
async function checkLaunch(ctx: KoaContextWithOIDC, value: string | undefined, launches: LaunchStore): Promise<void> {
  const wantsLaunch = ctx.oidc.requestParamScopes.has('launch');
  if (value === undefined) {
    if (wantsLaunch) throw new errors.InvalidRequest('scope launch needs the launch parameter of an EHR launch');
    return;
  }
  if (!wantsLaunch) throw new errors.InvalidRequest('the launch parameter needs scope launch');
  if (!(await launches.find(value))) throw new errors.InvalidRequest('launch is unknown, expired or already used');
}

/** SMART Backend Services: sub = iss = client_id, a kid, and an expiry at most five minutes ahead. */
function checkClientAssertion(
  claims: Record<string, unknown>,
  header: Record<string, unknown>,
  client: Client,
  clock: Clock,
): void {
  if (claims.sub !== client.clientId) throw new errors.InvalidClientAuth('sub (JWT subject) must be the client_id');
  if (typeof header.kid !== 'string' || !header.kid)
    throw new errors.InvalidClientAuth('the client_assertion header must name its key (kid)');
  const exp = claims.exp;
  if (typeof exp !== 'number' || exp - clock() / 1000 > MAX_ASSERTION_LIFETIME_SECONDS) {
    throw new errors.InvalidClientAuth(
      `the client_assertion must expire at most ${MAX_ASSERTION_LIFETIME_SECONDS / 60} minutes ahead`,
    );
  }
}

/** What oidc-provider passes as `token` to findAccount: the code or refresh token being exchanged. */
interface IssuedToken {
  iat?: number;
  /** A rotated refresh token: when the first of its chain was issued. */
  iiat?: number;
  /** When the user signed in for it. */
  authTime?: number;
}

/**
 * The provider asks for the account with a `token` when a code or a refresh token is exchanged at the
 * token endpoint (helpers/grant_common.js, actions/grants/refresh_token.js): one issued, or signed in
 * for, before the account's last password change is refused as if the account were gone, which the
 * provider answers `invalid_grant`. Without a token (the sign-in session being reused,
 * actions/authorization/session.js) the account is answered and the login check of smartPolicy
 * decides, so the provider's own flow (grant loading, prompts) stays intact.
 */
async function findAccount(deps: ProviderDeps, sub: string, token?: IssuedToken): Promise<OidcAccount | undefined> {
  const account = await deps.accounts.findById(sub);
  if (!account) return undefined;
  if (token && issuedBeforeEpoch(account, token.iat, token.iiat, token.authTime)) return undefined;
  return {
    accountId: account.id,
    claims: () => ({
      sub: account.id,
      fhirUser: `${deps.fhirBaseUrl}/${account.fhirUser}`,
      ...(account.name ? { name: account.name } : {}),
    }),
  };
}

/**
 * The provider's login + consent prompts, plus: a sign-in session from before the account's last
 * password change must sign in again, and consent is asked on every authorization request.
 */
function smartPolicy(accounts: AccountService): ReturnType<typeof interactionPolicy.base> {
  const policy = interactionPolicy.base();
  policy
    .get('login')!
    .checks.add(
      new interactionPolicy.Check(
        'credentials_changed',
        'the password changed since this sign-in',
        'login_required',
        async (ctx) =>
          (await sessionPredatesPasswordChange(accounts, ctx.oidc.session))
            ? interactionPolicy.Check.REQUEST_PROMPT
            : interactionPolicy.Check.NO_NEED_TO_PROMPT,
      ),
    );
  policy
    .get('consent')!
    .checks.add(
      new interactionPolicy.Check('smart_authorization', 'every SMART authorization is confirmed by the user', (ctx) =>
        ctx.oidc.result?.consent ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT,
      ),
    );
  return policy;
}

/** A session signed in before the account's password changed (or whose account is gone) is not signed in any more. */
async function sessionPredatesPasswordChange(
  accounts: AccountService,
  session: { accountId?: string; authTime(): number | undefined } | undefined,
): Promise<boolean> {
  if (!session?.accountId) return false; // not signed in: the base check no_session asks for it
  const account: Account | undefined = await accounts.findById(session.accountId);
  return !account || issuedBeforeEpoch(account, session.authTime());
}

/** A rotated refresh token never outlives the grant it belongs to. */
function refreshTokenTtl(ttl: SmartTtl) {
  return (ctx: KoaContextWithOIDC): number => {
    const grantExp = ctx?.oidc?.entities?.Grant?.exp;
    if (typeof grantExp !== 'number') return ttl.refreshToken;
    const remaining = Math.floor(grantExp - Date.now() / 1000);
    return Math.max(1, Math.min(ttl.refreshToken, remaining));
  };
}
