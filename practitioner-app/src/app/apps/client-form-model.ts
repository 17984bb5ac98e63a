import type { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';
import type { ClientKind, ClientRegistration, Jwks } from './practice-apps-api';

/** The kinds of client a practice can register, as the form offers them. */
export const CLIENT_KINDS: { value: ClientKind; label: string; hint: string }[] = [
  {
    value: 'public',
    label: 'Public (browser or mobile app, PKCE, no secret)',
    hint: 'Runs in the browser or on a device and cannot keep a secret.',
  },
  {
    value: 'confidential-symmetric',
    label: 'Confidential, client secret',
    hint: 'A server-side app that authenticates with a secret shown once after registering.',
  },
  {
    value: 'confidential-asymmetric',
    label: 'Confidential, private key JWT',
    hint: 'A server-side app that authenticates with a signed JWT; give its public keys.',
  },
  {
    value: 'backend',
    label: 'Backend service (system scopes, no user)',
    hint: 'A service without a user (SMART Backend Services); give its public keys.',
  },
];

/** Kinds that sign in users through a browser, so need redirect URIs (and may be EHR-launched). */
export function needsRedirectUris(kind: ClientKind): boolean {
  return kind !== 'backend';
}

/** Kinds that authenticate with a private key JWT, so need a JWKS URL or a JWKS. */
export function needsJwks(kind: ClientKind): boolean {
  return kind === 'confidential-asymmetric' || kind === 'backend';
}

/**
 * Kinds that may be registered to manage the practice's memberships and access grants
 * (PractitionerRole, portal links, family access, Consent): backend services only, as the server checks.
 */
export function mayManageAccess(kind: ClientKind): boolean {
  return kind === 'backend';
}

/** The form's raw value (text fields as typed). */
export interface ClientFormValue {
  name: string;
  kind: ClientKind;
  redirectUris: string;
  launchUri: string;
  scope: string;
  jwksUri: string;
  jwks: string;
  /** "Manage memberships and family access" (backend services only; ignored for other kinds). */
  managesAccess: boolean;
}

/** The lines of a "one per line" field, trimmed, without blanks and repeats. */
export function lines(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  ];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1']);

/**
 * An OAuth redirect URI the server can accept: absolute, https (or http on localhost / 127.0.0.1
 * for development, RFC 8252 §7.3), without a fragment (RFC 6749 §3.1.2). Returns the problem, or null.
 */
export function redirectUriProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    return 'must use https (http only on localhost or 127.0.0.1)';
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return 'must use https (http only on localhost or 127.0.0.1)';
  if (value.includes('#')) return 'must not contain a fragment (#…)';
  if (url.username || url.password) return 'must not contain a user name or password';
  return null;
}

/** The most redirect URIs the server accepts for one client. */
export const MAX_REDIRECT_URIS = 20;

/** Redirect URIs, one per line: 1 to 20, each acceptable (the error names the first bad line). */
export function redirectUrisValidator(): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const uris = lines(control.value ?? '');
    if (uris.length === 0) return { required: true };
    if (uris.length > MAX_REDIRECT_URIS) return { tooManyRedirectUris: { max: MAX_REDIRECT_URIS } };
    for (const uri of uris) {
      const problem = redirectUriProblem(uri);
      if (problem) return { redirectUri: { uri, problem } };
    }
    return null;
  };
}

/**
 * An optional launch URI (empty is fine): an absolute URL under the same rules as a redirect URI
 * (https, or http on localhost / 127.0.0.1; no fragment), which is what the server checks too.
 */
export function launchUriValidator(): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const value = (control.value ?? '').trim();
    if (!value) return null;
    const problem = redirectUriProblem(value);
    return problem ? { launchUri: problem } : null;
  };
}

/** A JWKS URL: absolute https (http only on localhost / 127.0.0.1); empty is left to the group check. */
export function jwksUriValidator(): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const value = (control.value ?? '').trim();
    if (!value) return null;
    return redirectUriProblem(value) === null ? null : { jwksUri: true };
  };
}

/** RFC 6749 §3.3: scope tokens are printable ASCII without space, `"` and `\`. */
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+(?: +[\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** A scope: space-separated scope tokens (required is a separate validator). */
export function scopeValidator(): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const value = normalizeScope(control.value ?? '');
    return !value || SCOPE.test(value) ? null : { scope: true };
  };
}

/**
 * Scopes that fit the kind (read from the sibling `kind` control): a backend service asks for
 * `system/` scopes only, and only a backend service may ask for them. The error names the first
 * token that does not fit.
 */
export function scopeFitsKindValidator(): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const kind = control.parent?.get('kind')?.value as ClientKind | undefined;
    if (!kind) return null;
    const tokens = normalizeScope(control.value ?? '')
      .split(' ')
      .filter(Boolean);
    const misfit =
      kind === 'backend' ? tokens.find((t) => !t.startsWith('system/')) : tokens.find((t) => t.startsWith('system/'));
    if (misfit === undefined) return null;
    return kind === 'backend' ? { backendScope: misfit } : { systemScope: misfit };
  };
}

/** Tabs, line breaks and repeated spaces between scopes become single spaces. */
export function normalizeScope(text: string): string {
  return text.trim().split(/\s+/).filter(Boolean).join(' ');
}

/**
 * A pasted JWKS: a JSON object with a non-empty `keys` array of JWK objects (each with `kty`), public
 * keys only (no private members such as `d`: a private key must never leave the app that owns it).
 */
export function jwksValidator(): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const value = (control.value ?? '').trim();
    if (!value) return null;
    const result = parseJwks(value);
    return typeof result === 'string' ? { jwks: result } : null;
  };
}

/** Private JWK members (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** The JWKS in `text`, or what is wrong with it. */
export function parseJwks(text: string): Jwks | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'is not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return 'must be a JSON object like {"keys": [ … ]}';
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys) || keys.length === 0) return 'must have a non-empty "keys" array';
  for (const key of keys) {
    if (
      typeof key !== 'object' ||
      key === null ||
      Array.isArray(key) ||
      typeof (key as { kty?: unknown }).kty !== 'string'
    ) {
      return 'has a key that is not a JWK (every key needs "kty")';
    }
    const privateMember = PRIVATE_MEMBERS.find((member) => member in key);
    if (privateMember) return `contains private key material ("${privateMember}"); paste the public keys only`;
  }
  return { keys: keys as object[] };
}

/**
 * Group check: clients that authenticate with a private key JWT need their public keys, as a JWKS URL
 * or a pasted JWKS (one of the two, not both).
 */
export function jwksRequiredValidator(): ValidatorFn {
  return (group: AbstractControl): ValidationErrors | null => {
    const kind = group.get('kind')?.value as ClientKind | undefined;
    if (!kind || !needsJwks(kind)) return null;
    const uri = String(group.get('jwksUri')?.value ?? '').trim();
    const jwks = String(group.get('jwks')?.value ?? '').trim();
    if (!uri && !jwks) return { jwksRequired: true };
    if (uri && jwks) return { jwksBoth: true };
    return null;
  };
}

/**
 * The POST body for a valid form: only the fields this kind uses, text trimmed, empty ones left out;
 * `managesAccess: true` only for a backend service with the box ticked (never `false`).
 */
export function toRegistration(value: ClientFormValue): ClientRegistration {
  const registration: ClientRegistration = {
    name: value.name.trim(),
    kind: value.kind,
    scope: normalizeScope(value.scope),
  };
  if (needsRedirectUris(value.kind)) {
    registration.redirectUris = lines(value.redirectUris);
    const launchUri = value.launchUri.trim();
    if (launchUri) registration.launchUri = launchUri;
  }
  if (needsJwks(value.kind)) {
    const jwksUri = value.jwksUri.trim();
    const jwks = value.jwks.trim();
    if (jwksUri) registration.jwksUri = jwksUri;
    else if (jwks) {
      const parsed = parseJwks(jwks);
      if (typeof parsed !== 'string') registration.jwks = parsed;
    }
  }
  // Sent only when granted: the server treats a missing field as "does not manage access".
  if (mayManageAccess(value.kind) && value.managesAccess === true) registration.managesAccess = true;
  return registration;
}
