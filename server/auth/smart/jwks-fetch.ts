/**
 * The provider's outgoing fetch (oidc-provider's `fetch` option), used to download a client's
 * `jwks_uri`. oidc-provider protects it against SSRF by refusing connections to special-use
 * addresses (loopback, private ranges) through an undici dispatcher it passes in `options`.
 *
 * When the server itself runs on a loopback base URL (local development, the tests), a backend
 * service on the same machine legitimately serves its keys on loopback, so for loopback jwks_uri
 * hosts, and only then, that dispatcher is dropped. On any other deployment the protection stays:
 * a jwks_uri pointing at loopback or a private address fails and the client's assertion is refused.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function isLoopbackUrl(url: string | URL): boolean {
  const parsed = URL.parse(String(url));
  return !!parsed && LOOPBACK_HOSTS.has(parsed.hostname);
}

export function jwksFetch(
  baseUrl: string,
): (url: URL | string, options: RequestInit & { dispatcher?: unknown }) => Promise<Response> {
  const serverOnLoopback = isLoopbackUrl(baseUrl);
  return (url, options) => {
    if (serverOnLoopback && isLoopbackUrl(url)) delete options.dispatcher;
    return fetch(url, options);
  };
}
