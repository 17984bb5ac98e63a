import { HttpBackend, HttpClient, HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { computed, inject, Injectable, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import { FHIR_BASE } from '../fhir/fhir-client';
import { AUTH_CONFIG, BrowserLocation } from './auth-config';
import { base64urlDecodeText, codeChallengeS256, createCodeVerifier, randomToken } from './pkce';

/** The parts of `[FHIR base]/.well-known/smart-configuration` sign-in uses. */
export interface SmartConfiguration {
  authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint?: string;
  end_session_endpoint?: string;
}

/** The token endpoint's answer (RFC 6749 §5.1, OpenID Connect Core §3.1.3.3). */
export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

/** What comes back on the redirect URI: `code` and `state`, or `error` (RFC 6749 §4.1.2). */
export interface AuthorizationResponse {
  code?: string | null;
  state?: string | null;
  error?: string | null;
  error_description?: string | null;
}

/** A sign-in that could not complete; the message is written for the user. */
export class SignInError extends Error {
  override readonly name = 'SignInError';
}

/** The session, in memory only: gone on reload, never in localStorage or sessionStorage. */
interface Session {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  fhirUser?: string;
  /** The ID token's `name` claim (scope `profile`). */
  name?: string;
}

/** The only thing kept across the redirect to the server and back, in sessionStorage, deleted on return. */
interface PendingSignIn {
  state: string;
  verifier: string;
  returnTo: string;
}

export const SMART_CONFIGURATION_URL = `${FHIR_BASE}/.well-known/smart-configuration`;
const FORM = new HttpHeaders({ 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' });

/**
 * Sign-in for a browser-based OAuth client (docs/decisions/0008-browser-app-sign-in.md): authorization
 * code flow with PKCE against the server's SMART authorization server, tokens in memory only, refresh
 * token rotation. The authorization server's endpoints come from SMART discovery.
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  // Straight to the backend: the auth interceptor must never see (or retry) the token requests.
  private readonly http = new HttpClient(inject(HttpBackend));
  private readonly config = inject(AUTH_CONFIG);
  private readonly location = inject(BrowserLocation);

  private readonly session = signal<Session | null>(null);
  /** The current access token, or null when signed out. Held in this signal only. */
  readonly accessToken = computed(() => this.session()?.accessToken ?? null);
  readonly signedIn = computed(() => this.accessToken() !== null);
  /** Who is signed in, from the ID token's `fhirUser` claim: `Practitioner/123`, `Patient/456`… */
  readonly fhirUser = computed(() => this.session()?.fhirUser ?? null);
  /** What to call the signed-in user: their name (ID token, scope `profile`), else their fhirUser. */
  readonly displayName = computed(() => this.session()?.name ?? this.session()?.fhirUser ?? null);

  private discovery?: Promise<SmartConfiguration>;
  private redirecting?: Promise<void>;
  private refreshing?: Promise<string>;

  private get pendingKey(): string {
    return pendingSignInKey(this.config.clientId);
  }

  /** Where the server sends the user back to: `<app base>/signed-in`, exactly as registered. */
  redirectUri(): string {
    return new URL('signed-in', this.location.appBase()).href;
  }

  /** The `aud` of every authorization request: this origin's FHIR base URL. */
  audience(): string {
    return new URL(FHIR_BASE, this.location.origin()).href;
  }

  /** The server's SMART configuration, fetched once (and again after a failure). */
  endpoints(): Promise<SmartConfiguration> {
    this.discovery ??= firstValueFrom(
      this.http.get<SmartConfiguration>(SMART_CONFIGURATION_URL, { headers: { Accept: 'application/json' } }),
    )
      .then((config) => {
        if (typeof config?.authorization_endpoint !== 'string' || typeof config.token_endpoint !== 'string') {
          throw new SignInError('The server does not advertise its sign-in endpoints.');
        }
        return config;
      })
      .catch((error: unknown) => {
        this.discovery = undefined;
        throw error;
      });
    return this.discovery;
  }

  /**
   * Leaves for the server's authorization endpoint (authorization code + PKCE S256). `returnTo` is the
   * app URL to open after signing in. On a reload this is what makes the in-memory tokens come back:
   * the server's session cookie answers without asking for the password again. Concurrent calls
   * (several requests failing at once) share one redirect, so only one state/verifier is ever pending.
   */
  signIn(returnTo = '/'): Promise<void> {
    // Cleared once the browser has been told to go: if it comes back from the back-forward cache
    // (Back on the server's sign-in page), a new sign-in must be possible.
    this.redirecting ??= this.redirectToAuthorization(returnTo).finally(() => (this.redirecting = undefined));
    return this.redirecting;
  }

  private async redirectToAuthorization(returnTo: string): Promise<void> {
    this.session.set(null);
    const { authorization_endpoint } = await this.endpoints();
    const state = randomToken();
    const verifier = createCodeVerifier();
    const challenge = await codeChallengeS256(verifier);
    const pending: PendingSignIn = { state, verifier, returnTo: safeReturnTo(returnTo) };
    sessionStorage.setItem(this.pendingKey, JSON.stringify(pending));

    const url = new URL(authorization_endpoint, this.location.origin());
    const params = {
      response_type: 'code',
      client_id: this.config.clientId,
      redirect_uri: this.redirectUri(),
      scope: this.config.scope,
      state,
      aud: this.audience(),
      code_challenge: challenge,
      code_challenge_method: 'S256',
    };
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    this.location.assign(url.href);
  }

  /**
   * Completes the redirect back from the server: the state must be the one this tab stored (else the
   * answer is refused: it may be forged, replayed or from another tab), then the code and the
   * verifier are exchanged for tokens. The stored state and verifier are deleted first, whatever
   * happens, so they serve exactly one answer. Resolves with the app URL to return to.
   */
  async completeSignIn(response: AuthorizationResponse): Promise<string> {
    const pending = this.takePending();
    if (!pending || !response.state || response.state !== pending.state) {
      throw new SignInError(
        'This sign-in answer does not match a sign-in started in this tab (state mismatch), so it was refused. It may have been used already or come from somewhere else.',
      );
    }
    if (response.error) throw new SignInError(authorizationErrorMessage(response.error, response.error_description));
    if (!response.code) throw new SignInError('The server sent no authorization code.');

    const { token_endpoint } = await this.endpoints();
    const tokens = await this.postForm(token_endpoint, {
      grant_type: 'authorization_code',
      code: response.code,
      redirect_uri: this.redirectUri(),
      client_id: this.config.clientId,
      code_verifier: pending.verifier,
    }).catch((error: unknown) => {
      throw new SignInError(`The server did not accept the sign-in (${oauthErrorText(error)}).`);
    });
    this.accept(tokens);
    return pending.returnTo;
  }

  /**
   * A usable access token after `rejected` was refused with 401. If another request already got a
   * new token meanwhile, that one; if a refresh is under way, its result (single flight: the refresh
   * token rotates, and presenting the old one twice would make the server revoke everything);
   * otherwise one refresh. Fails, signed out, when there is no refresh token or the server refuses it.
   */
  refreshAfter(rejected: string): Promise<string> {
    const current = this.accessToken();
    if (current !== null && current !== rejected) return Promise.resolve(current);
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async refresh(): Promise<string> {
    const refreshToken = this.session()?.refreshToken;
    try {
      if (!refreshToken) throw new SignInError('The session has ended.');
      const { token_endpoint } = await this.endpoints();
      const tokens = await this.postForm(token_endpoint, {
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: this.config.clientId,
      });
      this.accept(tokens);
      return tokens.access_token;
    } catch (error) {
      this.session.set(null);
      throw error;
    }
  }

  /**
   * Makes a token response the session. A refresh answer replaces the access token and the (rotated)
   * refresh token and keeps the ID token it does not repeat. Public so specs can start signed in.
   */
  accept(tokens: TokenResponse): void {
    if (
      typeof tokens?.access_token !== 'string' ||
      !tokens.access_token ||
      tokens.token_type?.toLowerCase() !== 'bearer'
    ) {
      throw new SignInError('The server answered without a bearer access token.');
    }
    const previous = this.session();
    const idToken = tokens.id_token ?? previous?.idToken;
    const session: Session = { accessToken: tokens.access_token };
    const refreshToken = tokens.refresh_token ?? previous?.refreshToken;
    if (refreshToken) session.refreshToken = refreshToken;
    if (idToken) {
      session.idToken = idToken;
      const fhirUser = fhirUserOf(idToken, this.location.origin());
      if (fhirUser) session.fhirUser = fhirUser;
      const name = nameOf(idToken);
      if (name) session.name = name;
    }
    this.session.set(session);
  }

  /**
   * Signs out: revokes the refresh token (which ends the grant, so its access tokens stop working
   * too), forgets every token, then ends the server's sign-in session at its end-session endpoint,
   * which returns to the app's start. Without that endpoint the app's "signed out" page is shown
   * instead (the server session then remains: a new sign-in would not ask for the password). Both are
   * full page loads, so nothing read while signed in stays in memory.
   */
  async signOut(): Promise<void> {
    const session = this.session();
    this.session.set(null);
    const endpoints = await this.endpoints().catch(() => undefined);
    const token = session?.refreshToken ?? session?.accessToken;
    if (token && endpoints?.revocation_endpoint) {
      const hint = session?.refreshToken ? 'refresh_token' : 'access_token';
      // Best effort: ending the server session below signs the user out even if this fails.
      await this.postForm(endpoints.revocation_endpoint, {
        token,
        token_type_hint: hint,
        client_id: this.config.clientId,
      }).catch(() => undefined);
    }
    if (endpoints?.end_session_endpoint) {
      const url = new URL(endpoints.end_session_endpoint, this.location.origin());
      if (session?.idToken) url.searchParams.set('id_token_hint', session.idToken);
      url.searchParams.set('client_id', this.config.clientId);
      url.searchParams.set('post_logout_redirect_uri', this.location.appBase());
      this.location.assign(url.href);
    } else {
      this.location.assign(new URL('signed-out', this.location.appBase()).href);
    }
  }

  private takePending(): PendingSignIn | null {
    const stored = sessionStorage.getItem(this.pendingKey);
    sessionStorage.removeItem(this.pendingKey);
    if (!stored) return null;
    try {
      const pending = JSON.parse(stored) as Partial<PendingSignIn>;
      if (typeof pending.state !== 'string' || typeof pending.verifier !== 'string') return null;
      return { state: pending.state, verifier: pending.verifier, returnTo: safeReturnTo(pending.returnTo) };
    } catch {
      return null;
    }
  }

  private postForm(url: string, fields: Record<string, string>): Promise<TokenResponse> {
    const absolute = new URL(url, this.location.origin()).href;
    return firstValueFrom(
      this.http.post<TokenResponse>(absolute, new URLSearchParams(fields).toString(), { headers: FORM }),
    );
  }
}

/** The sessionStorage key of a client's sign-in under way (one per app and tab). */
export function pendingSignInKey(clientId: string): string {
  return `${clientId}.pending-sign-in`;
}

/** Only an app-internal path ("/patients/1"); anything else returns to the start. */
export function safeReturnTo(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')
    ? value
    : '/';
}

/**
 * The ID token's `fhirUser` claim as a reference relative to this origin's FHIR base
 * (`Practitioner/123`), or as sent if it points elsewhere. The ID token is not verified here: it came
 * straight from the token endpoint over TLS (OpenID Connect Core §3.1.3.7, step 6), and the app only
 * uses it to show who is signed in; the server decides access from the access token.
 */
export function fhirUserOf(idToken: string, origin: string): string | undefined {
  try {
    const payload = JSON.parse(base64urlDecodeText(idToken.split('.')[1] ?? '')) as { fhirUser?: unknown };
    if (typeof payload.fhirUser !== 'string' || !payload.fhirUser) return undefined;
    const base = `${new URL(FHIR_BASE, origin).href}/`;
    return payload.fhirUser.startsWith(base) ? payload.fhirUser.slice(base.length) : payload.fhirUser;
  } catch {
    return undefined;
  }
}

/** The ID token's `name` claim, if it is a non-empty string (same trust as fhirUserOf). */
export function nameOf(idToken: string): string | undefined {
  try {
    const payload = JSON.parse(base64urlDecodeText(idToken.split('.')[1] ?? '')) as { name?: unknown };
    return typeof payload.name === 'string' && payload.name.trim() ? payload.name.trim() : undefined;
  } catch {
    return undefined;
  }
}

function authorizationErrorMessage(error: string, description: string | null | undefined): string {
  const detail = description ? `: ${description}` : '';
  if (error === 'access_denied') return `Sign-in was cancelled or refused${detail}.`;
  return `The server could not sign you in (${error}${detail}).`;
}

function oauthErrorText(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    if (error.status === 0) return 'the server could not be reached';
    const body = error.error as { error?: unknown; error_description?: unknown } | null;
    if (body && typeof body.error === 'string')
      return typeof body.error_description === 'string' ? `${body.error}: ${body.error_description}` : body.error;
    return `HTTP ${error.status}`;
  }
  return error instanceof Error ? error.message : 'unknown error';
}
