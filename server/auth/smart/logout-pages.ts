import type { KoaContextWithOIDC } from 'oidc-provider';
import { escapeHtml, layout, pageHeaders } from '../html-layout.ts';

/**
 * The pages of RP-initiated logout (`/oauth/logout`), which the first-party apps use to end the
 * sign-in session and return to their `post_logout_redirect_uris`. oidc-provider renders them
 * through these two hooks; they use our layout and headers (no script, no framing) instead of the
 * provider's defaults (which load a web font from Google).
 *
 * `form` is the provider's own (escaped) form: `<form id="op.logoutForm" …>` with its XSRF token;
 * the buttons below submit it from outside through their `form` attribute.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  ctx.set(pageHeaders());
  const app = ctx.oidc.client?.clientName ?? ctx.oidc.client?.clientId;
  ctx.body = layout(
    'Sign out?',
    `
<p>${app ? `<strong>${escapeHtml(app)}</strong> asks to sign you out.` : 'Do you want to sign out?'}</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
  );
}

export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  ctx.set(pageHeaders());
  ctx.body = layout('Signed out', '<p>You are signed out. You can close this window.</p>');
}
