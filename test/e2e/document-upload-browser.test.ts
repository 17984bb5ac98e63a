import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { chromiumMissing } from './support/chromium.ts';
import { startDemoApps } from './support/demo-apps.ts';
import type { DemoApps } from './support/demo-apps.ts';
import { minimalPdf } from './support/minimal-pdf.ts';

/**
 * Issue #12's acceptance point through both of our apps in headless Chromium, on the demo data:
 * Olivia Smith sends a PDF from the portal's "My health record" to Harbourside only; Dr Okafor finds
 * it in the console's Inbox, downloads it, and the downloaded bytes have the SHA-256 of the uploaded
 * ones; "Mark reviewed" then takes it out of the list.
 *
 * Every wait is on something the user would see (a status text, an inbox item) or on the browser's
 * download event; the item is found by a unique note, so the demo's other documents cannot match.
 */
const skip = chromiumMissing();

const HARBOURSIDE = 'Harbourside Family Practice';
const NORTHSIDE = 'Northside Physiotherapy';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('a document the patient sends reaches the practice inbox byte for byte', { skip }, () => {
  let apps: DemoApps;

  before(async () => {
    apps = await startDemoApps();
  });
  after(() => apps?.close());

  const signIn = (app: 'console' | 'portal', email: string) => apps.signIn(app, email, { acceptDownloads: true });

  it('Olivia sends a PDF to Harbourside only; Dr Okafor downloads the same bytes, then marks it reviewed', async () => {
    const id = randomUUID();
    const note = `E2E upload ${id}`;
    const fileName = `referral-${id.slice(0, 8)}.pdf`;
    const uploaded = minimalPdf(id);

    // 1. The portal: "My health record", the upload form, Harbourside only.
    const portal = await signIn('portal', 'olivia.smith@demo.example.org');
    await portal.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My health record' }).click();
    const form = portal.getByRole('region', { name: 'Send a document to your practice', exact: true });
    const harbourside = form.getByRole('checkbox', { name: HARBOURSIDE, exact: true });
    const northside = form.getByRole('checkbox', { name: NORTHSIDE, exact: true });
    // Both practices are offered (and ticked by default) once the record has loaded.
    await northside.waitFor();
    assert.equal(await harbourside.isChecked(), true, 'Harbourside is ticked by default');
    assert.equal(await northside.isChecked(), true, 'Northside is ticked by default');
    await form.getByLabel('File', { exact: true }).setInputFiles({
      name: fileName,
      mimeType: 'application/pdf',
      buffer: uploaded,
    });
    await form.getByLabel('What is it?').selectOption('Referral');
    await form.getByLabel('Note for your practice (optional)').fill(note);
    await northside.uncheck();
    assert.equal(await harbourside.isChecked(), true);
    await form.getByRole('button', { name: 'Send document' }).click();
    await form
      .getByRole('status')
      .getByText(`“${fileName}” was sent to ${HARBOURSIDE}. It is listed under Documents below.`, { exact: true })
      .waitFor();
    assert.equal(await form.getByRole('alert').innerText(), '', 'no problem or failure shown');

    // 2. The console: the Inbox lists it once, as a referral from Olivia with her note and the file's name.
    const practice = await signIn('console', 'amara.okafor@demo.example.org');
    await practice.getByRole('link', { name: 'Inbox', exact: true }).click();
    await practice.getByRole('heading', { name: 'New from patients', exact: true }).waitFor();
    const item = practice.getByRole('listitem').filter({ hasText: note });
    await item.waitFor();
    assert.equal(await item.count(), 1, 'one copy in Harbourside’s inbox');
    await item.getByRole('heading', { name: /^Referral from .*Olivia/ }).waitFor();
    await item.getByText(fileName, { exact: true }).waitFor();

    // 3. Download: the bytes saved are the bytes sent.
    const [download] = await Promise.all([
      practice.waitForEvent('download'),
      item.getByRole('button', { name: `Download ${fileName}`, exact: true }).click(),
    ]);
    assert.equal(download.suggestedFilename(), fileName);
    const downloaded = await readFile(await download.path());
    assert.equal(downloaded.length, uploaded.length, 'same size');
    assert.equal(sha256(downloaded), sha256(uploaded), 'same SHA-256');

    // 4. Mark reviewed: the item leaves the list of new documents.
    await item.getByRole('button', { name: /^Mark reviewed/ }).click();
    await item.waitFor({ state: 'detached' });
    assert.equal(await practice.getByText(note).count(), 0, 'no longer listed as new');
  });
});
