import { AUTH_MOUNT_PATH } from '../accounts/account-routes.ts';
import { escapeHtml, layout } from '../html-layout.ts';
import { interactionPath } from './routes.ts';
import { describeScope } from './scope-descriptions.ts';

/**
 * The pages of the sign-in, patient-choice and consent interactions. Every value is escaped; every
 * form carries the interaction's CSRF token and posts to the interaction's own URL.
 */

/** The password-reset form (accounts/account-routes.ts); a reset e-mail's link brings the user back to sign in. */
const FORGOT_PASSWORD_PATH = `${AUTH_MOUNT_PATH}/forgot-password`;

export interface FormContext {
  uid: string;
  csrf: string;
  clientName: string;
}

function hiddenCsrf(csrf: string): string {
  return `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;
}

function action(uid: string, step: string): string {
  return escapeHtml(`${interactionPath(uid)}/${step}`);
}

function errorBox(message: string | undefined): string {
  return message ? `<div class="error" role="alert" id="form-error">${escapeHtml(message)}</div>` : '';
}

export interface SignInPageOptions {
  email?: string;
  error?: string;
  /** The display name of the app's practice's own OpenID provider: shows "Sign in with <name>". */
  federatedProvider?: string;
}

export function signInPage(form: FormContext, options: SignInPageOptions = {}): string {
  const described = options.error ? ' aria-describedby="form-error"' : '';
  return layout(
    'Sign in',
    `
<p>Sign in to continue to <strong>${escapeHtml(form.clientName)}</strong>.</p>
${errorBox(options.error)}
${options.federatedProvider ? federatedForm(form, options.federatedProvider) : ''}
<form method="post" action="${action(form.uid, 'login')}" novalidate>
${hiddenCsrf(form.csrf)}
<label for="email">E-mail address</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}"${described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}>
<button type="submit">Sign in</button>
</form>
<p><a href="${escapeHtml(FORGOT_PASSWORD_PATH)}">Forgot your password?</a></p>
${cancelForm(form)}`,
  );
}

/**
 * A POST (with the CSRF token) rather than a link: only the page of this interaction, in the browser
 * holding its cookie, can start the federated sign-in. The answer redirects to the practice's
 * provider, which is why the pages' CSP sets no `form-action`.
 */
function federatedForm(form: FormContext, providerName: string): string {
  return `<form method="post" action="${action(form.uid, 'federated')}">
${hiddenCsrf(form.csrf)}
<button type="submit">Sign in with ${escapeHtml(providerName)}</button>
</form>
<p>Or sign in with your e-mail address and password:</p>`;
}

export function patientPickerPage(
  form: FormContext,
  choices: ReadonlyArray<{ id: string; display: string }>,
  options: { query?: string } = {},
): string {
  const radios = choices
    .map(
      (choice, i) => `
<div class="choice"><input type="radio" id="patient-${i}" name="patient" value="${escapeHtml(choice.id)}" required${i === 0 ? ' checked' : ''}>
<label for="patient-${i}">${escapeHtml(choice.display)}</label></div>`,
    )
    .join('');
  const none = `<p>No patient's name starts with “${escapeHtml(options.query ?? '')}”.</p>`;
  return layout(
    'Choose a patient',
    `
<p><strong>${escapeHtml(form.clientName)}</strong> will work with the records of one patient. Whose records should it use?</p>
<form method="post" action="${action(form.uid, 'patient')}" role="search">
${hiddenCsrf(form.csrf)}
<label for="q">Find a patient by name</label>
<input id="q" name="q" type="search" value="${escapeHtml(options.query ?? '')}">
<button type="submit" class="secondary">Search</button>
</form>
${
  choices.length
    ? `<form method="post" action="${action(form.uid, 'patient')}">
${hiddenCsrf(form.csrf)}
<fieldset><legend>Patient</legend>${radios}
</fieldset>
<button type="submit">Continue</button>
</form>`
    : none
}
${cancelForm(form)}`,
  );
}

export function consentPage(form: FormContext, scopes: readonly string[], patientLine?: string): string {
  const items = scopes
    .map(
      (scope, i) => `
<div class="choice"><input type="checkbox" id="scope-${i}" name="scope" value="${escapeHtml(scope)}" checked>
<label for="scope-${i}">${escapeHtml(describeScope(scope))} <code>${escapeHtml(scope)}</code></label></div>`,
    )
    .join('');
  return layout(
    'Allow access?',
    `
<p><strong>${escapeHtml(form.clientName)}</strong> asks for the access below.${patientLine ? ` ${escapeHtml(patientLine)}` : ''}
Untick anything you do not want to allow.</p>
<form method="post" action="${action(form.uid, 'consent')}">
${hiddenCsrf(form.csrf)}
<fieldset><legend>The app may</legend>${items}
</fieldset>
<button type="submit">Allow the ticked access</button>
</form>
${cancelForm(form, 'Deny')}`,
  );
}

/** A page explaining why the flow cannot go on; with `form`, a button returns to the app. */
export function messagePage(title: string, message: string, form?: FormContext): string {
  return layout(title, `<p role="alert">${escapeHtml(message)}</p>${form ? cancelForm(form, 'Back to the app') : ''}`);
}

function cancelForm(form: FormContext, label = 'Cancel'): string {
  return `<form method="post" action="${action(form.uid, 'abort')}">
${hiddenCsrf(form.csrf)}
<button type="submit" class="secondary">${escapeHtml(label)}</button>
</form>`;
}

/**
 * oidc-provider's error page, for errors it cannot send back to the app (unknown client, a
 * redirect_uri that is not registered exactly, an expired interaction).
 */
export function renderProviderError(out: Record<string, unknown>): string {
  const error = typeof out.error === 'string' ? out.error : 'server_error';
  const description =
    typeof out.error_description === 'string' ? out.error_description : 'The request could not be processed.';
  return layout(
    'This request cannot continue',
    `
<p role="alert">${escapeHtml(description)}</p>
<p>Error code: <code>${escapeHtml(error)}</code>. Go back to the app and try again; if this keeps happening, tell the app's maker.</p>`,
  );
}
