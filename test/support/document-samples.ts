import { randomBytes } from 'node:crypto';

/**
 * Small files of the accepted document types, as file-type recognises them from their first bytes
 * (the Binary upload tests and the benchmark): not renderable documents, just the right signatures.
 */

/** A PDF of `size` bytes (header, random body, trailer). */
export function pdf(size: number): Buffer {
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n', 'latin1');
  const body = randomBytes(Math.max(0, size - header.length - 6));
  return Buffer.concat([header, body, Buffer.from('\n%%EOF')]);
}

/** A 1×1 PNG's signature, IHDR and IEND chunks. */
export function png(): Buffer {
  const ihdr = Buffer.from([
    0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, 0xde,
  ]);
  const iend = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr, iend]);
}

/** A JFIF header followed by 2,000 random bytes. */
export function jpeg(): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]), randomBytes(2000)]);
}
