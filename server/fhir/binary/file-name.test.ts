import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attachmentDisposition, fileNameFromDisposition, MAX_FILE_NAME, sanitiseFileName } from './file-name.ts';

describe('document file names', () => {
  it('keeps only the last path segment, without control, bidi or quoting characters', () => {
    assert.equal(sanitiseFileName('../../etc/passwd'), 'passwd');
    assert.equal(sanitiseFileName('..\\..\\Windows\\system32\\x.pdf'), 'x.pdf');
    assert.equal(sanitiseFileName('re\u0000port\r\n"final"\u0007.pdf'), 'report final.pdf'.replace(' ', ''));
    assert.equal(sanitiseFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
    assert.equal(sanitiseFileName("a'b`c<d>e:f*g?h|i;j%k.txt"), 'abcdefghijk.txt');
    assert.equal(sanitiseFileName('...hidden'), 'hidden');
    assert.equal(sanitiseFileName('  spaced   name .pdf '), 'spaced name .pdf');
    assert.equal(sanitiseFileName('Lettre de référence.pdf'), 'Lettre de référence.pdf');
  });

  it('answers undefined when nothing usable is left, and the download falls back to a safe default', () => {
    for (const raw of [undefined, '', '../', '..', '\u0000\u0001', '"""', 'dir/', '\ud800.pdf'])
      assert.equal(sanitiseFileName(raw), undefined, JSON.stringify(raw));
    assert.equal(
      attachmentDisposition(undefined, 'application/pdf'),
      `attachment; filename="document.pdf"; filename*=UTF-8''document.pdf`,
    );
    assert.equal(
      attachmentDisposition('../', 'text/html'),
      `attachment; filename="document.bin"; filename*=UTF-8''document.bin`,
    );
  });

  it('bounds the length, keeping the extension', () => {
    const name = sanitiseFileName(`${'a'.repeat(500)}.pdf`);
    assert.equal(name?.length, MAX_FILE_NAME);
    assert.ok(name?.endsWith('.pdf'));
  });

  it('reads the upload header: filename* (RFC 8187) before filename, quoted or not', () => {
    assert.equal(fileNameFromDisposition('attachment; filename="scan 1.jpg"'), 'scan 1.jpg');
    assert.equal(fileNameFromDisposition('attachment; filename=scan.jpg'), 'scan.jpg');
    assert.equal(
      fileNameFromDisposition(`attachment; filename="x.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`),
      'résumé.pdf',
    );
    assert.equal(fileNameFromDisposition(`attachment; filename*=UTF-8''%2E%2E%2F%2E%2E%2Fa%0Ab.pdf`), 'ab.pdf');
    assert.equal(fileNameFromDisposition(`attachment; filename="ok.pdf"; filename*=UTF-8''%E0%A4`), 'ok.pdf');
    assert.equal(fileNameFromDisposition('attachment'), undefined);
    assert.equal(fileNameFromDisposition(undefined), undefined);
  });

  it('offers non-ASCII names in UTF-8 with an ASCII fallback, never a raw quote or backslash', () => {
    assert.equal(
      attachmentDisposition('Lettre référence.pdf', 'application/pdf'),
      `attachment; filename="Lettre r_f_rence.pdf"; filename*=UTF-8''Lettre%20r%C3%A9f%C3%A9rence.pdf`,
    );
  });
});
