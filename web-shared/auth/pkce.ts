/**
 * PKCE (RFC 7636) and the other random values of the authorization code flow, with the browser's
 * WebCrypto only: crypto.getRandomValues for the secrets and crypto.subtle for SHA-256 (which needs a
 * secure context, i.e. https or localhost).
 */

/** 32 random octets make a 43-character verifier, the shortest RFC 7636 §4.1 allows, with 256 bits of entropy. */
const VERIFIER_OCTETS = 32;

/** RFC 7636 §4.1: code_verifier = 43*128unreserved. */
const VERIFIER_SYNTAX = /^[A-Za-z0-9\-._~]{43,128}$/;

/** base64url without padding (RFC 4648 §5, RFC 7636 Appendix A). */
export function base64url(octets: Uint8Array): string {
  let binary = '';
  for (const octet of octets) binary += String.fromCharCode(octet);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url (padded or not) to text, as in the payload of a JWT. */
export function base64urlDecodeText(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** An unguessable value (for `state`), `octets` random octets in base64url. */
export function randomToken(octets = VERIFIER_OCTETS): string {
  return base64url(crypto.getRandomValues(new Uint8Array(octets)));
}

/**
 * A fresh code_verifier: base64url of random octets. 32 to 96 octets give 43 to 128 characters,
 * the lengths RFC 7636 allows; `random` is a seam for the Appendix B test vector.
 */
export function createCodeVerifier(
  random: Uint8Array = crypto.getRandomValues(new Uint8Array(VERIFIER_OCTETS)),
): string {
  const verifier = base64url(random);
  if (!VERIFIER_SYNTAX.test(verifier))
    throw new RangeError(`A PKCE code verifier must be 43 to 128 characters, got ${verifier.length}`);
  return verifier;
}

/** code_challenge = BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2, method S256). */
export async function codeChallengeS256(verifier: string): Promise<string> {
  if (!VERIFIER_SYNTAX.test(verifier))
    throw new RangeError('Not a valid PKCE code verifier (43 to 128 unreserved characters)');
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}
