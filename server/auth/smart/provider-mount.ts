import type { NextFunction, Request, Response } from 'express';
import type Provider from 'oidc-provider';
import { isProviderPath } from './routes.ts';

/**
 * Hands the provider's own paths (/oauth/*, the issuer's /.well-known/ documents) to oidc-provider
 * and everything else on down the Express chain. The provider runs with `proxy = true`, and here the
 * forwarded host and protocol are always overwritten with those of BASE_URL (and any client-sent
 * X-Forwarded-For dropped): URLs the provider builds follow the configured public URL, never a
 * header a client chose.
 */
export function mountProvider(provider: Provider, baseUrl: string) {
  const callback = provider.callback();
  const { host, protocol } = new URL(baseUrl);
  const proto = protocol.slice(0, -1);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!isProviderPath(req.path)) return next();
    req.headers['x-forwarded-host'] = host;
    req.headers['x-forwarded-proto'] = proto;
    delete req.headers['x-forwarded-for'];
    delete req.headers.forwarded;
    void callback(req, res);
  };
}
