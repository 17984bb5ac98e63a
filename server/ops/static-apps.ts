import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { Router } from 'express';
import { layout, sendPage } from '../auth/html-layout.ts';

/** Serves the built Angular apps (dist/<app>/browser) with a fallback to index.html for their routes. */
export function staticApps(rootDir: string): Router {
  const router = express.Router();
  for (const [mount, app] of [
    ['/console', 'practitioner-app'],
    ['/portal', 'portal-app'],
  ] as const) {
    const dir = join(rootDir, 'dist', app, 'browser');
    // Express matches `/console` and `/console/` alike: redirect only the form without the slash,
    // so that the apps' relative URLs (base href `/console/`) resolve.
    router.get(mount, (req, res, next) =>
      req.originalUrl.split('?')[0] === mount ? res.redirect(301, `${mount}/`) : next(),
    );
    router.use(
      mount,
      express.static(dir, { index: 'index.html', fallthrough: true, maxAge: '1h', setHeaders: noCacheForHtml }),
    );
    router.get(`${mount}/{*rest}`, (_req, res) => {
      const index = join(dir, 'index.html');
      if (existsSync(index))
        res.set('Cache-Control', 'no-cache').set('Content-Security-Policy', APP_CSP).sendFile(index);
      else res.status(503).type('text/plain').send(`${app} is not built: run "npm run build:apps"`);
    });
  }
  // The shared page layout and headers (auth/html-layout.ts): its Content-Security-Policy, no framing.
  router.get('/', (_req, res) => sendPage(res, 200, LANDING_PAGE));
  // The apps name their icon (<app>/public/favicon.svg); the server's own pages (sign-in, consent,
  // this one) do not, so browsers ask for /favicon.ico: answer with a built app's icon, not a 404.
  router.get('/favicon.ico', (_req, res) => {
    const icon = ['portal-app', 'practitioner-app']
      .map((app) => join(rootDir, 'dist', app, 'browser', 'favicon.svg'))
      .find((file) => existsSync(file));
    if (icon) res.set('Cache-Control', 'public, max-age=86400').type('image/svg+xml').sendFile(icon);
    else res.status(204).end();
  });
  return router;
}

/**
 * The apps hold access tokens in memory: script injection is the threat that matters
 * (docs/decisions/0008-browser-app-sign-in.md). Scripts only from our origin, plus the inline loader
 * Angular's build emits (allowed by its hash in the meta policy `security.autoCsp` writes into
 * index.html; both policies apply, so inline scripts need the hash). No framing, no plugins, API
 * calls only to our own origin. Images also from `blob:`: the console previews a document's image
 * from bytes it fetched with its token (an object URL; an `<img>` runs no script, and the server
 * stores no SVG or HTML: decision 0022).
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function noCacheForHtml(res: express.Response, path: string): void {
  if (path.endsWith('.html')) res.set('Cache-Control', 'no-cache').set('Content-Security-Policy', APP_CSP);
}

const LANDING_PAGE = layout(
  'Patient Portal Platform',
  `<ul>
<li><a href="/console/">Practitioner console</a></li>
<li><a href="/portal/">Patient portal</a></li>
<li><a href="/fhir/R4/metadata">FHIR R4 API (CapabilityStatement)</a></li>
</ul>`,
);
