import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { DEFAULT_CSP, securityHeaders } from './security-headers.ts';

describe('security headers', () => {
  let base = '';
  let close: () => Promise<void>;

  before(async () => {
    const app = express();
    app.use(securityHeaders());
    app.get(
      '/own',
      (_req, res) => void res.set('Content-Security-Policy', "default-src 'self'").type('html').send('<p>own</p>'),
    );
    // As Koa's error path does: every header set before is removed, then the answer is written.
    app.get('/cleared', (_req, res) => {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.writeHead(500, { 'content-type': 'text/html' }).end('<p>error</p>');
    });
    // As oidc-provider's form_post page does: the hash of its inline script goes into the policy found.
    app.get('/form-post', (_req, res) => {
      const csp = String(res.getHeader('Content-Security-Policy') ?? '');
      res
        .set('Content-Security-Policy', csp.replace("script-src 'self'", "script-src 'self' 'sha256-abc'"))
        .type('html')
        .send('<form></form>');
    });
    app.get('/json', (_req, res) => void res.json({ ok: true }));
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  after(() => close());

  const headers = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    await res.arrayBuffer();
    return { nosniff: res.headers.get('x-content-type-options'), csp: res.headers.get('content-security-policy') };
  };

  it('nosniff and the default policy on an answer that sets neither', async () => {
    assert.deepEqual(await headers('/json'), { nosniff: 'nosniff', csp: DEFAULT_CSP });
    assert.equal((await headers('/nothing-here')).nosniff, 'nosniff', "Express's own 404 (it sets its own policy)");
  });

  it('a page keeps its own policy', async () => {
    assert.deepEqual(await headers('/own'), { nosniff: 'nosniff', csp: "default-src 'self'" });
  });

  it('puts them back when a handler cleared the headers before writing', async () => {
    assert.deepEqual(await headers('/cleared'), { nosniff: 'nosniff', csp: DEFAULT_CSP });
  });

  it('the default policy is there up front, for a page that adds its inline script hash to it', async () => {
    assert.match((await headers('/form-post')).csp ?? '', /script-src 'self' 'sha256-abc'/);
  });
});
