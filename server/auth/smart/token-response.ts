import type { KoaContextWithOIDC } from 'oidc-provider';

type Next = () => Promise<unknown>;

/** The SMART launch-context members a token response carries (from the access token's `extra`). */
const CONTEXT_MEMBERS = ['patient', 'encounter', 'need_patient_banner'] as const;

/**
 * A provider middleware (provider.use) that completes successful token responses for SMART:
 * the launch context stored with the access token (`patient`, `encounter`, `need_patient_banner`)
 * and `smart_style_url` for user-facing grants, and `Cache-Control: no-store` / `Pragma: no-cache`
 * on every token response (success or error).
 */
export function smartTokenResponse(styleUrl: string) {
  return async (ctx: KoaContextWithOIDC, next: Next): Promise<void> => {
    await next();
    if (ctx.oidc?.route !== 'token') return;
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Pragma', 'no-cache');
    const body = ctx.body as Record<string, unknown> | undefined;
    const accessToken = ctx.oidc.entities.AccessToken;
    if (ctx.status !== 200 || !body || typeof body !== 'object' || !accessToken) return;
    const extra = (accessToken.extra ?? {}) as Record<string, unknown>;
    for (const member of CONTEXT_MEMBERS) {
      if (extra[member] !== undefined) body[member] = extra[member];
    }
    body.smart_style_url = styleUrl;
  };
}
