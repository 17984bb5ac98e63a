import express from 'express';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import type Provider from 'oidc-provider';
import type { Client } from 'oidc-provider';
import type { Logger } from 'pino';
import type { Clock } from '../../storage/key-value-store.ts';
import type { AccountService } from '../accounts/account.ts';
import { allowedScope, clientPractice, isFirstParty } from './client-metadata.ts';
import type { GrantContextStore } from './grant-context.ts';
import { sendPage } from '../html-layout.ts';
import { consentPage, messagePage, patientPickerPage, signInPage } from './interaction-pages.ts';
import type { FormContext, SignInPageOptions } from './interaction-pages.ts';
import { csrfMatches } from './interaction-state.ts';
import type { InteractionState, InteractionStateStore } from './interaction-state.ts';
import { grantedContext, resolveLaunch } from './launch-resolution.ts';
import type { LaunchResolution, PatientChoices } from './launch-resolution.ts';
import type { LaunchStore } from './launch-store.ts';
import { INTERACTION_PREFIX, interactionPath } from './routes.ts';
import { NON_RESOURCE_SCOPES, scopesBeyond, scopeTokens } from './scopes.ts';
import { passwordSignIn } from '../accounts/password-strategy.ts';
import type { PassportAuthenticator } from '../accounts/password-strategy.ts';

/**
 * The interaction pages oidc-provider sends the browser to (`/oauth/interaction/:uid`): sign-in,
 * patient choice (standalone launch with `launch/patient`) and consent. Every POST must come with
 * the interaction cookie (checked by oidc-provider's interactionDetails) and the interaction's CSRF
 * token; the sign-in POST is rate limited per IP.
 *
 * Sign-in through the practice's own OpenID provider (`federation`, see ../federation/): for an app
 * whose practice (client metadata `practice_id`) configured a provider, the sign-in page also shows
 * "Sign in with <provider>", a POST form (interaction cookie + CSRF token, rate limited) to
 * `/oauth/interaction/:uid/federated`, which starts the federated flow bound to this interaction and
 * redirects to the provider. When that flow comes back signed in, `finishFederatedLogin` records the
 * login on the interaction (found by the uid kept in the flow's server-side record) and the browser
 * resumes the authorization at `returnTo`, which oidc-provider only accepts with the resume cookie of
 * the browser that started it; consent and the patient picker then follow as after a password.
 */
export interface InteractionFederation {
  /** The display name of the practice's own OpenID provider, if the practice has one. */
  offerFor(practiceId: string): Promise<{ displayName: string } | undefined>;
  /**
   * Starts the sign-in at the practice's provider for this interaction and answers `res` (a redirect
   * to the provider, or an error page linking back to `returnPath`).
   */
  start(res: Response, request: { practiceId: string; interactionUid: string; returnPath: string }): Promise<void>;
}

export interface InteractionDeps {
  provider: Provider;
  accounts: AccountService;
  /** Passport with the password strategy (accounts/password-strategy.ts) that checks the sign-in form. */
  passport: PassportAuthenticator;
  patientChoices: PatientChoices;
  launches: LaunchStore;
  grantContexts: GrantContextStore;
  states: InteractionStateStore;
  fhirBaseUrl: string;
  grantTtlSeconds: number;
  signInLimiter: RequestHandler;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  clock: Clock;
  /** Sign-in through the app's practice's own OpenID provider; absent: password sign-in only. */
  federation?: InteractionFederation;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

interface Loaded {
  details: Details;
  state: InteractionState;
  form: FormContext;
  ttl: number;
  client: Client;
}

export function interactionRouter(deps: InteractionDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 200 });
  const at = (step: string) => `${INTERACTION_PREFIX}/:uid/${step}`;
  router.get(`${INTERACTION_PREFIX}/:uid`, handle(deps, show));
  router.post(at('login'), deps.signInLimiter, form, handle(deps, login));
  router.post(at('federated'), deps.signInLimiter, form, handle(deps, federated));
  router.post(at('patient'), form, handle(deps, pickPatient));
  router.post(at('consent'), form, handle(deps, consent));
  router.post(at('abort'), form, handle(deps, abort));
  router.use(INTERACTION_PREFIX, (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (err as { status?: number }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      sendPage(res, status, messagePage('The form could not be read', 'Go back to the app and start again.'));
      return;
    }
    deps.logger.error({ err, path: req.path }, 'interaction failed');
    if (!res.headersSent)
      sendPage(res, 500, messagePage('Something went wrong', 'Go back to the app and start again.'));
  });
  return router;
}

type Step = (deps: InteractionDeps, loaded: Loaded, req: Request, res: Response) => Promise<void>;

/** Loads the interaction (cookie-bound), checks the CSRF token of POSTs, then runs the step. */
function handle(deps: InteractionDeps, step: Step): RequestHandler {
  return async (req, res, next) => {
    try {
      const loaded = await loadInteraction(deps, req, res);
      if (!loaded) return;
      if (
        req.method === 'POST' &&
        !csrfMatches(loaded.state, (req.body as Record<string, unknown> | undefined)?.csrf)
      ) {
        sendPage(res, 403, messagePage('This form has expired', 'Go back to the app and start again.'));
        return;
      }
      await step(deps, loaded, req, res);
    } catch (err) {
      next(err);
    }
  };
}

async function loadInteraction(deps: InteractionDeps, req: Request, res: Response): Promise<Loaded | undefined> {
  let details: Details;
  try {
    details = await deps.provider.interactionDetails(req, res);
  } catch {
    details = undefined as unknown as Details;
  }
  if (!details || details.uid !== req.params.uid) {
    sendPage(
      res,
      400,
      messagePage(
        'This sign-in has expired',
        'The sign-in link has expired or was opened in another browser. Go back to the app and start again.',
      ),
    );
    return undefined;
  }
  const client = await deps.provider.Client.find(String(details.params.client_id));
  if (!client) {
    sendPage(res, 400, messagePage('Unknown app', 'The app that sent you here is no longer registered.'));
    return undefined;
  }
  const ttl = Math.max(1, Math.floor((details.exp ?? 0) - deps.clock() / 1000));
  const state = await deps.states.load(details.uid, ttl);
  return {
    details,
    state,
    ttl,
    client,
    form: { uid: details.uid, csrf: state.csrf, clientName: String(client.clientName ?? client.clientId) },
  };
}

async function show(deps: InteractionDeps, loaded: Loaded, req: Request, res: Response): Promise<void> {
  if (loaded.details.prompt.name === 'login') {
    sendPage(res, 200, signInPage(loaded.form, await signInOptions(deps, loaded)));
    return;
  }
  // The platform's own apps: consent is implied, for what they asked within what they may ask.
  if (isFirstParty(loaded.client) && loaded.details.prompt.name === 'consent') {
    const requested = requestedScopes(loaded.details);
    const beyond = new Set(scopesBeyond(allowedScope(loaded.client), requested));
    await grantConsent(deps, loaded, req, res, new Set(requested.filter((scope) => !beyond.has(scope))));
    return;
  }
  await showConsentStep(deps, loaded, res);
}

async function showConsentStep(deps: InteractionDeps, loaded: Loaded, res: Response): Promise<void> {
  const resolution = await resolveFor(deps, loaded);
  if (!resolution) return void sendPage(res, 400, messagePage('Not signed in', 'Go back to the app and start again.'));
  if (resolution.kind === 'error')
    return void sendPage(res, 400, messagePage(resolution.title, resolution.message, loaded.form));
  if (resolution.kind === 'pick') return void sendPage(res, 200, patientPickerPage(loaded.form, resolution.choices));
  sendPage(res, 200, consentPage(loaded.form, requestedScopes(loaded.details), resolution.patientLine));
}

async function resolveFor(deps: InteractionDeps, loaded: Loaded): Promise<LaunchResolution | undefined> {
  const accountId = loaded.details.session?.accountId;
  if (!accountId) return undefined;
  return resolveLaunch({
    params: loaded.details.params,
    accountId,
    state: loaded.state,
    launches: deps.launches,
    patientChoices: deps.patientChoices,
  });
}

async function login(deps: InteractionDeps, loaded: Loaded, req: Request, res: Response): Promise<void> {
  if (loaded.details.prompt.name !== 'login')
    return void sendPage(res, 409, messagePage('Already signed in', 'Go back to the app and start again.'));
  const body = req.body as Record<string, unknown>;
  const email = typeof body.email === 'string' ? body.email : '';
  const page = async (error: string) =>
    signInPage(loaded.form, { ...(await signInOptions(deps, loaded)), email, error });
  const result = await passwordSignIn(deps.passport, req, res);
  if (!result.ok && result.reason === 'missing')
    return void sendPage(res, 400, await page('Enter your e-mail address and your password.'));
  if (!result.ok && result.reason === 'locked') {
    return void sendPage(
      res,
      429,
      await page(
        'Too many failed attempts: sign-in to this account is paused for a while. Try again later, or reset your password.',
      ),
    );
  }
  if (!result.ok) return void sendPage(res, 401, await page('The e-mail address or the password is not correct.'));
  deps.logger.info({ event: 'smart-sign-in', accountId: result.account.id }, 'signed in for an app');
  await deps.provider.interactionFinished(
    req,
    res,
    { login: { accountId: result.account.id } },
    { mergeWithLastSubmission: false },
  );
}

/** The practice's provider offered on the sign-in page, if the app's practice configured one. */
async function signInOptions(deps: InteractionDeps, loaded: Loaded): Promise<SignInPageOptions> {
  const practiceId = clientPractice(loaded.client);
  if (!deps.federation || !practiceId) return {};
  const offer = await deps.federation.offerFor(practiceId);
  return offer ? { federatedProvider: offer.displayName } : {};
}

/** "Sign in with <practice provider>": starts the federated flow bound to this interaction. */
async function federated(deps: InteractionDeps, loaded: Loaded, _req: Request, res: Response): Promise<void> {
  if (loaded.details.prompt.name !== 'login')
    return void sendPage(res, 409, messagePage('Already signed in', 'Go back to the app and start again.'));
  const practiceId = clientPractice(loaded.client);
  if (!deps.federation || !practiceId || !(await deps.federation.offerFor(practiceId))) {
    return void sendPage(
      res,
      404,
      messagePage(
        'Not available',
        "This app's practice does not offer sign-in with its own account system. Sign in with your e-mail address and password.",
        loaded.form,
      ),
    );
  }
  // Only the server's records tie the flow to this interaction: the uid is stored with the flow, never read back from the provider's redirect.
  await deps.federation.start(res, {
    practiceId,
    interactionUid: loaded.details.uid,
    returnPath: interactionPath(loaded.details.uid),
  });
}

export type FederatedLoginOutcome =
  { ok: true; returnTo: string } | { ok: false; reason: 'expired' | 'not-signing-in' | 'other-practice' };

/**
 * Records a sign-in that happened elsewhere (the practice's OpenID provider) as the login of
 * interaction `uid`, the way `interactionFinished` would with the interaction's cookie: `result =
 * { login: { accountId } }`, saved for the interaction's remaining lifetime. Answers where the
 * browser resumes the authorization (`returnTo`); oidc-provider accepts that only with the resume
 * cookie of the browser that started the authorization request. Refused when the interaction has
 * expired, is not at its sign-in step, or belongs to an app of another practice than the provider's.
 */
export async function finishFederatedLogin(
  provider: Provider,
  uid: string,
  accountId: string,
  practiceId: string,
): Promise<FederatedLoginOutcome> {
  const interaction = await provider.Interaction.find(uid);
  if (!interaction) return { ok: false, reason: 'expired' };
  const ttl = (interaction.exp ?? 0) - Math.floor(Date.now() / 1000);
  if (ttl <= 0) return { ok: false, reason: 'expired' };
  if (interaction.prompt.name !== 'login' || interaction.result) return { ok: false, reason: 'not-signing-in' };
  const client = await provider.Client.find(String(interaction.params.client_id));
  if (!client || clientPractice(client) !== practiceId) return { ok: false, reason: 'other-practice' };
  interaction.result = { login: { accountId } };
  await interaction.save(ttl);
  return { ok: true, returnTo: interaction.returnTo };
}

async function pickPatient(deps: InteractionDeps, loaded: Loaded, req: Request, res: Response): Promise<void> {
  const accountId = loaded.details.session?.accountId;
  if (loaded.details.prompt.name !== 'consent' || !accountId)
    return void sendPage(res, 409, messagePage('Not signed in', 'Go back to the app and start again.'));
  const body = req.body as Record<string, unknown>;
  const patient = body.patient;
  // The search box: the same page with the patients whose name starts with what was typed.
  if (patient === undefined && typeof body.q === 'string') {
    const query = body.q.slice(0, 100);
    return void sendPage(
      res,
      200,
      patientPickerPage(loaded.form, await deps.patientChoices(accountId, { name: query }), { query }),
    );
  }
  const chosen = typeof patient === 'string' && patient ? await deps.patientChoices(accountId, { id: patient }) : [];
  if (typeof patient !== 'string' || !chosen.some((choice) => choice.id === patient)) {
    return void sendPage(res, 400, patientPickerPage(loaded.form, await deps.patientChoices(accountId)));
  }
  await deps.states.save(loaded.details.uid, { ...loaded.state, patient }, loaded.ttl);
  res.redirect(303, interactionPath(loaded.details.uid));
}

async function consent(deps: InteractionDeps, loaded: Loaded, req: Request, res: Response): Promise<void> {
  const requested = requestedScopes(loaded.details);
  const granted = new Set(formValues((req.body as Record<string, unknown>).scope).filter((s) => requested.includes(s)));
  await grantConsent(deps, loaded, req, res, granted);
}

/** Saves the Grant (exactly `granted`) with its launch context and resumes the authorization. */
async function grantConsent(
  deps: InteractionDeps,
  loaded: Loaded,
  req: Request,
  res: Response,
  granted: Set<string>,
): Promise<void> {
  const { details } = loaded;
  const accountId = details.session?.accountId;
  if (details.prompt.name !== 'consent' || !accountId)
    return void sendPage(res, 409, messagePage('Not signed in', 'Go back to the app and start again.'));
  const resolution = await resolveFor(deps, loaded);
  if (!resolution || resolution.kind !== 'ready') return showConsentStep(deps, loaded, res);
  if (resolution.launch && !(await deps.launches.consume(resolution.launch))) {
    return void sendPage(
      res,
      400,
      messagePage(
        'This launch has ended',
        'The launch was already used. Open the app again from the practice console.',
        loaded.form,
      ),
    );
  }
  const requested = requestedScopes(details);
  const grantId = await saveGrant(deps, accountId, String(details.params.client_id), requested, granted);
  await deps.grantContexts.save(grantId, grantedContext(resolution, granted), deps.grantTtlSeconds);
  await deps.states.destroy(details.uid);
  await deps.provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

/**
 * The Grant holds exactly the ticked scopes. All of them go to the FHIR resource server (so the
 * access token's `scope` is the full granted set); the OpenID/SMART ones also as OIDC scopes (for
 * the id_token and refresh tokens). Unticked ones are recorded as rejected.
 */
async function saveGrant(
  deps: InteractionDeps,
  accountId: string,
  clientId: string,
  requested: string[],
  granted: Set<string>,
): Promise<string> {
  const grant = new deps.provider.Grant({ accountId, clientId });
  const rejected = requested.filter((s) => !granted.has(s));
  const grantedList = [...granted];
  const oidc = grantedList.filter((s) => NON_RESOURCE_SCOPES.has(s));
  const rejectedOidc = rejected.filter((s) => NON_RESOURCE_SCOPES.has(s));
  if (oidc.length) grant.addOIDCScope(oidc.join(' '));
  if (rejectedOidc.length) grant.rejectOIDCScope(rejectedOidc.join(' '));
  if (grantedList.length) grant.addResourceScope(deps.fhirBaseUrl, grantedList.join(' '));
  if (rejected.length) grant.rejectResourceScope(deps.fhirBaseUrl, rejected.join(' '));
  return grant.save();
}

async function abort(deps: InteractionDeps, _loaded: Loaded, req: Request, res: Response): Promise<void> {
  await deps.provider.interactionFinished(
    req,
    res,
    { error: 'access_denied', error_description: 'The user did not allow the request' },
    { mergeWithLastSubmission: false },
  );
}

function requestedScopes(details: Details): string[] {
  return scopeTokens(details.params.scope as string | undefined);
}

function formValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
