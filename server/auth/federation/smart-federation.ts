import type { Response, Router } from 'express';
import type Provider from 'oidc-provider';
import { html, sendPage } from '../accounts/html-page.ts';
import { finishFederatedLogin } from '../smart/interaction-routes.ts';
import type { InteractionFederation } from '../smart/interaction-routes.ts';
import { createFederatedSignIn, wayBack } from './federated-sign-in.ts';
import type { FederatedSignInDeps } from './federated-sign-in.ts';
import { enrolAccount, linkIdentity } from './identity-links.ts';
import { setPracticeProvider } from './practice-providers.ts';
import type { PracticeProvider, PracticeProviderInput } from './practice-providers.ts';

/**
 * "Sign in with <practice's provider>" on the SMART sign-in page: federated-sign-in.ts connected to
 * the authorization server's interactions (../smart/interaction-routes.ts).
 *
 * 1. The sign-in page of an interaction whose app belongs to a practice with a provider shows the
 *    button: a POST to `/oauth/interaction/:uid/federated` with the page's CSRF token, which only
 *    the browser holding the interaction's cookie can make. It calls `interactions.start`: the flow
 *    record (server-side) keeps the interaction uid; the browser goes to the practice's provider.
 * 2. `/auth/federated/callback` (state = the browser's flow cookie, single use, PKCE, nonce, ID
 *    token checks) maps the identity to a linked or enrolled account, then `onSignedIn` below sets
 *    the login of the interaction named by the flow record and redirects to its `returnTo`, where
 *    oidc-provider resumes the authorization (only with the resume cookie of the browser that
 *    started it); the patient picker and consent follow as after a password sign-in.
 *
 * The standalone GET start is off: every federated sign-in here completes an app's authorization.
 *
 * Wiring (server/app.ts): create this before createSmartAuth, pass `interactions` as its
 * `federation` option, give it `provider: () => smart.provider`, mount `router` at `/auth`.
 */
export interface SmartFederationDeps extends Omit<FederatedSignInDeps, 'onSignedIn'> {
  /** The authorization server's provider; read only when a sign-in finishes (createSmartAuth may run after this). */
  provider: () => Provider;
}

export interface SmartFederation {
  /** The federation callback; mount at `mountPath` (default `/auth`). */
  router: Router;
  /** createSmartAuth's `federation` option. */
  interactions: InteractionFederation;
  /** Operator actions, the same as the `federation-*` account commands (for the console and tests). */
  setPracticeProvider(input: PracticeProviderInput): Promise<PracticeProvider>;
  enrolAccount(practiceId: string, accountId: string): Promise<void>;
  linkIdentity(issuer: string, sub: string, accountId: string): Promise<void>;
}

export function smartFederatedSignIn(deps: SmartFederationDeps): SmartFederation {
  const { logger, keyValue } = deps;
  const federation = createFederatedSignIn({
    ...deps,
    onSignedIn: async (_req, res, account, details) => {
      if (!details.interaction)
        return refuse(res, 'This sign-in was not started from an app. Go back to the app and start again.');
      const { interactionUid, returnPath } = details.interaction;
      const outcome = await finishFederatedLogin(deps.provider(), interactionUid, account.id, details.practiceId);
      if (!outcome.ok) {
        logger.warn(
          {
            event: 'federated-sign-in-failed',
            reason: `interaction ${outcome.reason}`,
            accountId: account.id,
            practiceId: details.practiceId,
          },
          'federated sign-in not applied to the interaction',
        );
        if (outcome.reason === 'expired')
          return refuse(res, 'This sign-in took too long and has expired. Go back to the app and start again.');
        return refuse(
          res,
          'This sign-in could not be used for the app. Go back to the sign-in page and try again.',
          returnPath,
        );
      }
      logger.info(
        { event: 'smart-sign-in', method: 'federated', accountId: account.id, practiceId: details.practiceId },
        "signed in for an app through the practice's provider",
      );
      res.set('Cache-Control', 'no-store').redirect(303, outcome.returnTo);
    },
  });
  return {
    router: federation.router,
    interactions: {
      offerFor: async (practiceId) => {
        const provider = await federation.providerFor(practiceId);
        return provider ? { displayName: provider.displayName } : undefined;
      },
      start: (res, { practiceId, interactionUid, returnPath }) =>
        federation.start(res, practiceId, { interactionUid, returnPath }),
    },
    setPracticeProvider: (input) => setPracticeProvider(keyValue, input, deps.production),
    enrolAccount: (practiceId, accountId) => enrolAccount(keyValue, practiceId, accountId),
    linkIdentity: (issuer, sub, accountId) => linkIdentity(keyValue, issuer, sub, accountId),
  };
}

function refuse(res: Response, message: string, returnPath?: string): void {
  sendPage(res, 400, 'Sign-in not completed', html`<p class="error" role="alert">${message}</p>${wayBack(returnPath)}`);
}
