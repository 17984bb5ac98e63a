import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FhirError } from '../outcomes.ts';
import { checkHead, declaredType, markupIn, textChecked } from './content-check.ts';

async function statusOf(work: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof FhirError) return error.status;
    throw error;
  }
}

async function* pieces(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* parts;
}

async function drain(content: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of content);
}

describe('document content checks', () => {
  it('accepts only the allow-listed declared types, plain text only as UTF-8', () => {
    assert.equal(declaredType('application/PDF'), 'application/pdf');
    assert.equal(declaredType('text/plain; charset="UTF-8"'), 'text/plain');
    for (const bad of [
      undefined,
      '',
      'text/html',
      'image/svg+xml',
      'application/xml',
      'text/plain; charset=latin1',
      'application/octet-stream',
    ])
      assert.throws(
        () => declaredType(bad),
        (e: unknown) => e instanceof FhirError && e.status === 415,
        String(bad),
      );
  });

  it('finds what a browser would sniff as a page: at the start any HTML pattern, further in only unambiguous elements', () => {
    assert.equal(markupIn(Buffer.from(' \n<p>hi')), '<p');
    assert.equal(markupIn(Buffer.from('\uFEFF<!DOCTYPE HTML>')), '<!DOCTYPE HTML');
    assert.equal(markupIn(Buffer.from('%PDF-1.4 <p x')), undefined);
    assert.match(markupIn(Buffer.from('%PDF-1.4 <SCRIPT src=x>')) ?? '', /<SCRIPT at byte 9/i);
    assert.equal(markupIn(Buffer.concat([Buffer.alloc(2100, 'a'), Buffer.from('<script>')])), undefined);
  });

  it('refuses plain text with a NUL, invalid UTF-8 or a sequence cut at the end, wherever it is', async () => {
    assert.equal(await statusOf(drain(textChecked(pieces(Buffer.from('héllo'), Buffer.from(' wörld'))))), 'ok');
    // A multi-byte character split between two pieces is fine.
    const e = Buffer.from('é');
    assert.equal(await statusOf(drain(textChecked(pieces(e.subarray(0, 1), e.subarray(1))))), 'ok');
    assert.equal(await statusOf(drain(textChecked(pieces(Buffer.from('a'), Buffer.from([0]))))), 400);
    assert.equal(await statusOf(drain(textChecked(pieces(Buffer.from([0xc3, 0x28]))))), 400);
    assert.equal(await statusOf(drain(textChecked(pieces(Buffer.from('ok'), e.subarray(0, 1))))), 400);
  });

  it('refuses an empty head (400) and a head whose detected type is not the declared one (415)', async () => {
    assert.equal(await statusOf(checkHead('application/pdf', Buffer.alloc(0))), 400);
    assert.equal(await statusOf(checkHead('application/pdf', Buffer.from('%PDF-1.7\n%%EOF'))), 'ok');
    assert.equal(await statusOf(checkHead('image/png', Buffer.from('%PDF-1.7\n%%EOF'))), 415);
    assert.equal(await statusOf(checkHead('text/plain', Buffer.from('Dear colleague,'))), 'ok');
    assert.equal(await statusOf(checkHead('text/plain', Buffer.from('<note/>'))), 415);
  });
});
