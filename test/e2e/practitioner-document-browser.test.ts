import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { chromiumMissing } from './support/chromium.ts';
import { startDemoApps } from './support/demo-apps.ts';
import type { DemoApps } from './support/demo-apps.ts';
import { minimalPdf } from './support/minimal-pdf.ts';

/**
 * Issue #12 ("practitioners upload letters and results for the patient and may share them") through
 * both of our apps in headless Chromium, on the demo data: Dr Okafor uploads a PDF letter from Olivia
 * Smith's chart in the console and previews it (pdf.js draws it onto a canvas); Olivia's "My health record" does not list it; Dr Okafor turns its
 * "Shared with patient" switch on; after a reload the portal lists it under Harbourside, and the file
 * Olivia downloads has the uploaded file's SHA-256.
 *
 * Every wait is on something the user would see (a status text, a switch's state, a list item), on
 * the server's answer or on the browser's download event. "Not listed" is asserted only once the
 * portal shows the demo note that is always shared with Olivia: the portal reads notes and documents
 * in one search, so the documents have loaded by then.
 */
const skip = chromiumMissing();

const HARBOURSIDE = 'Harbourside Family Practice';
/** The demo note Dr Okafor shared with Olivia (server/demo/demo-data.ts). */
const SHARED_DEMO_NOTE = 'Weight steady. Keep up the walking; review in three months.';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a document the practice uploads reaches the patient only once shared', { skip }, () => {
  let apps: DemoApps;

  before(async () => {
    apps = await startDemoApps();
  });
  after(() => apps?.close());

  const signIn = (app: 'console' | 'portal', email: string) => apps.signIn(app, email, { acceptDownloads: true });

  /** Olivia's Harbourside record, read afresh (a reload signs in again through the server's session). */
  async function harbourside(portal: Page, reload: boolean): Promise<Locator> {
    if (reload) await portal.reload();
    const record = portal.getByRole('region', { name: HARBOURSIDE, exact: true });
    await record.getByRole('region', { name: 'Notes', exact: true }).getByText(SHARED_DEMO_NOTE).waitFor();
    return record;
  }

  it('Dr Okafor uploads a letter: hidden from Olivia, then shared; she downloads the same bytes', async () => {
    const id = randomUUID();
    const fileName = `letter-${id.slice(0, 8)}.pdf`;
    const description = `E2E letter ${id}`;
    const uploaded = minimalPdf(id);

    // 1. The console: Olivia's chart, "Upload a document" in the Documents section.
    const practice = await signIn('console', 'amara.okafor@demo.example.org');
    await practice.getByRole('link', { name: 'Smith, Olivia' }).click();
    const documents = practice.getByRole('region', { name: 'Documents', exact: true });
    const form = documents.getByRole('region', { name: 'Upload a document', exact: true });
    await form.getByLabel('File', { exact: true }).setInputFiles({
      name: fileName,
      mimeType: 'application/pdf',
      buffer: uploaded,
    });
    await form.getByLabel('Document type').selectOption('Letter');
    await form.getByLabel('Description (optional)').fill(description);
    await form.getByRole('button', { name: 'Upload document' }).click();
    await form
      .getByRole('status')
      .getByText(`“${fileName}” was uploaded. It is not shared with the patient until you share it.`, { exact: true })
      .waitFor();
    assert.equal(await form.getByRole('alert').innerText(), '', 'no problem shown');

    // The new document is listed with its switch off.
    const item = documents.getByRole('listitem').filter({ hasText: description });
    await item.waitFor();
    assert.equal(await item.count(), 1);
    await item.getByText(fileName, { exact: true }).waitFor();
    const shareSwitch = item.getByRole('switch', { name: `Share ${fileName} with the patient` });
    assert.equal(await shareSwitch.getAttribute('aria-checked'), 'false', 'not shared by default');

    // Its preview: pdf.js, loaded with the preview, draws page 1 onto a canvas in the console (no
    // frame, no plugin). The canvas says which page it has drawn once drawing has finished; then its
    // pixels are read: pdf.js paints the page white, so a drawn canvas has opaque pixels and an
    // undrawn one none.
    const preview = item.getByRole('button', { name: `Preview ${fileName}`, exact: true });
    await preview.click();
    await item.getByText('Page 1 of 1', { exact: true }).waitFor();
    const canvas = item.locator('canvas[data-drawn-page="1"]');
    await canvas.waitFor();
    assert.equal(await canvas.getAttribute('aria-label'), `Page 1 of 1 of ${fileName}`);
    // An expression, not a function: the server's tsconfig has no DOM types for a callback's argument.
    const drawn = (await practice.evaluate(
      `(() => { const c = document.querySelector('canvas[data-drawn-page="1"]');
         const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
         for (let i = 3; i < d.length; i += 4) if (d[i] === 255) n++; return { n, w: c.width, h: c.height }; })()`,
    )) as { n: number; w: number; h: number };
    assert.ok(drawn.w > 0 && drawn.h > 0, 'the canvas has a size');
    assert.equal(drawn.n, drawn.w * drawn.h, 'every pixel of the page is drawn');
    assert.equal(await item.locator('iframe, embed, object').count(), 0, 'no frame or plugin');
    await preview.click();
    await canvas.waitFor({ state: 'detached' });

    // 2. The portal: Olivia's record does not list it.
    const portal = await signIn('portal', 'olivia.smith@demo.example.org');
    await portal.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My health record' }).click();
    await harbourside(portal, false);
    assert.equal(await portal.getByText(description).count(), 0, 'an unshared practice document is not in the portal');
    assert.equal(await portal.getByRole('button', { name: `Download ${fileName}` }).count(), 0);

    // 3. Shared: the switch shows the server's answer; after a reload Olivia sees it under Harbourside.
    await Promise.all([
      practice.waitForResponse((r) => r.url().endsWith('/$share') && r.request().method() === 'POST' && r.ok()),
      shareSwitch.click(),
    ]);
    await item.getByText('Shared with patient', { exact: true }).waitFor();
    assert.equal(await shareSwitch.getAttribute('aria-checked'), 'true');
    const record = await harbourside(portal, true);
    const listed = record.getByRole('region', { name: 'Documents', exact: true }).getByRole('listitem').filter({
      hasText: description,
    });
    await listed.waitFor();
    assert.equal(await portal.getByText(description).count(), 1, 'listed once, under Harbourside');

    // 4. Olivia downloads it: the bytes saved are the bytes uploaded.
    const [download] = await Promise.all([
      portal.waitForEvent('download'),
      listed.getByRole('button', { name: `Download ${fileName}`, exact: true }).click(),
    ]);
    assert.equal(download.suggestedFilename(), fileName);
    const downloaded = await readFile(await download.path());
    assert.equal(downloaded.length, uploaded.length, 'same size');
    assert.equal(sha256(downloaded), sha256(uploaded), 'same SHA-256');
  });
});
