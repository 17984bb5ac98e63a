import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { staticApps } from './static-apps.ts';

describe('static apps', () => {
  const root = mkdtempSync(join(tmpdir(), 'static-'));
  let base = '';
  let close: () => Promise<void>;

  before(async () => {
    const dir = join(root, 'dist', 'practitioner-app', 'browser');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<html>console</html>');
    writeFileSync(join(dir, 'main.js'), 'console.log(1)');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const app = express().use(staticApps(root));
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });
  after(async () => {
    await close();
    rmSync(root, { recursive: true, force: true });
  });

  const get = (path: string) => fetch(`${base}${path}`, { redirect: 'manual' });

  it('redirects /console to /console/ once', async () => {
    const res = await get('/console');
    assert.equal(res.status, 301);
    assert.equal(res.headers.get('location'), '/console/');
  });

  it('serves index.html at /console/, its files, and index.html for app routes', async () => {
    assert.equal(await (await get('/console/')).text(), '<html>console</html>');
    assert.equal(await (await get('/console/main.js')).text(), 'console.log(1)');
    const deep = await get('/console/patients/123');
    assert.equal(deep.status, 200);
    assert.equal(await deep.text(), '<html>console</html>');
  });

  it('says how to build an app that is not built', async () => {
    const res = await get('/portal/');
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build:apps/);
  });

  it("answers /favicon.ico with a built app's icon (the server's own pages name none)", async () => {
    const res = await get('/favicon.ico');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.equal(await res.text(), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    assert.equal((await get('/console/favicon.svg')).status, 200);
  });

  it('links the apps and the API from /', async () => {
    const html = await (await get('/')).text();
    for (const href of ['/console/', '/portal/', '/fhir/R4/metadata']) assert.ok(html.includes(`href="${href}"`), href);
  });
});
