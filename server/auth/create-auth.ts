import type { RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { KeyValueStore } from '../storage/key-value-store.ts';
import type { Repository } from '../storage/repository.ts';
import { AUTH_MOUNT_PATH, accountRoutes } from './accounts/account-routes.ts';
import { PasswordAccountService } from './accounts/account-service.ts';
import { PasswordResets } from './accounts/password-reset.ts';
import { createAuthRateLimiter } from './accounts/rate-limit.ts';
import { smartFederatedSignIn } from './federation/smart-federation.ts';
import type { SmartFederation } from './federation/smart-federation.ts';
import { PracticeClients } from './practice-clients.ts';
import { invitationRoutes } from './invitations/invitation-routes.ts';
import { PortalInvitationService } from './invitations/portal-invitations.ts';
import { patientChoices, requestAccess } from '../access/request-access.ts';
import { accessCaches } from '../access/access-cache.ts';
import type { CacheLimits } from '../access/access-cache.ts';
import { registerFirstPartyApps } from './smart/first-party-apps.ts';
import { createSmartAuth } from './smart/smart-auth.ts';
import type { SmartAuth } from './smart/smart-auth.ts';

/**
 * Everything that decides who is calling and what they may reach, assembled once (server/auth/README
 * has the request path): password accounts and resets, sign-in through practices' own OpenID
 * providers, the SMART authorization server, the bearer check for the APIs, and the per-request
 * access resolver. `app.ts` only mounts what this returns.
 */
export interface AuthDeps {
  config: Pick<Config, 'baseUrl' | 'fhirBaseUrl' | 'production'> & Partial<Pick<Config, 'invitationTtlDays'>>;
  keyValue: KeyValueStore;
  /** The unscoped repository (entitlements and the patient picker are the server's own lookups). */
  repo: Repository;
  mailer: Mailer;
  logger: Logger;
  /** Bounds of the per-process access caches (decision 0017); default DEFAULT_CACHE_LIMITS. */
  cacheLimits?: CacheLimits;
}

export interface Auth {
  accounts: PasswordAccountService;
  smart: SmartAuth;
  /** Sign-in through practices' own OpenID providers: provider settings, enrolments, identity links. */
  federation: SmartFederation;
  /** A practice's SMART clients (the console's Connected apps). */
  practiceClients: PracticeClients;
  /** Portal invitations: `$invite`/`$uninvite` and the acceptance page (invitations/). */
  invitations: PortalInvitationService;
  /**
   * The sign-in, password-reset and federation pages and the SMART authorization server, each to be
   * mounted on the app itself at its path (`app.use(path, router)`, in this order). Not one Router
   * around them: nested in a Router at the root, every FHIR request walked them one level deeper, and
   * reads lost ~30 % of their throughput (docs/benchmarks.md, issue #10).
   */
  routers: { path: string; router: Router }[];
  /** Mount before an API: sets `res.locals.grant` for a valid bearer token, a 401 FhirError otherwise. */
  bearer: RequestHandler;
  /** The caller's AccessScope for a request (request-access.ts). */
  accessFor: ReturnType<typeof requestAccess>;
  /** Stops the authorization server's timers. */
  close(): void;
}

export async function createAuth({ config, keyValue, repo, mailer, logger, cacheLimits }: AuthDeps): Promise<Auth> {
  const accounts = new PasswordAccountService({ keyValue, logger });
  // Token verdicts and principals, kept per process while the shared access epoch stands (0017).
  const cache = accessCaches(keyValue, cacheLimits);
  const findAccount = (id: string) => accounts.findById(id);
  const signInLimiter = createAuthRateLimiter();
  // The federation's callback finishes a SMART interaction, so it needs the provider, which needs the
  // federation's sign-in choices to be created: the provider is read only at callback time.
  let provider: SmartAuth['provider'] | undefined;
  const federation = smartFederatedSignIn({
    keyValue,
    accounts,
    baseUrl: config.baseUrl,
    production: config.production,
    rateLimit: signInLimiter,
    logger,
    provider: () => provider as SmartAuth['provider'],
  });
  const smart = await createSmartAuth({
    baseUrl: config.baseUrl,
    fhirBaseUrl: config.fhirBaseUrl,
    keyValue,
    accounts,
    patientChoices: patientChoices({ repo, findAccount, fhirBaseUrl: config.fhirBaseUrl }),
    logger,
    signInLimiter,
    federation: federation.interactions,
    accessCaches: cache,
  });
  provider = smart.provider;
  await registerFirstPartyApps(smart, config.baseUrl);
  const resets = new PasswordResets({
    keyValue,
    accounts,
    mailer,
    resetPageUrl: `${config.baseUrl}${AUTH_MOUNT_PATH}/reset-password`,
    logger,
  });

  const invitations = new PortalInvitationService({
    repo,
    keyValue,
    mailer,
    acceptUrl: `${config.baseUrl}${AUTH_MOUNT_PATH}/invitation`,
    fhirBaseUrl: config.fhirBaseUrl,
    ...(config.invitationTtlDays ? { ttlDays: config.invitationTtlDays } : {}),
    logger,
  });

  const routers = [
    { path: AUTH_MOUNT_PATH, router: accountRoutes({ resets, rateLimit: signInLimiter, logger }) },
    {
      path: AUTH_MOUNT_PATH,
      router: invitationRoutes({ invitations, accounts, repo, rateLimit: signInLimiter, logger }),
    },
    { path: AUTH_MOUNT_PATH, router: federation.router },
    { path: '/', router: smart.router },
  ];
  return {
    accounts,
    smart,
    federation,
    practiceClients: new PracticeClients(smart.provider, keyValue),
    invitations,
    routers,
    bearer: smart.bearer,
    accessFor: requestAccess({ repo, findAccount, fhirBaseUrl: config.fhirBaseUrl, cache }),
    close: () => smart.stop(),
  };
}
