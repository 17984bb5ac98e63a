import { documentKindType, fileProblems, LOINC, MAX_UPLOAD_BYTES, uploadDisposition, uploadType } from './upload-rules';

const PDF = new File(['%PDF-1.7 letter'], 'letter.pdf', { type: 'application/pdf' });

/** A File whose size is all the check reads, without allocating it. */
function fileOfSize(size: number): File {
  const file = new File(['x'], 'scan.pdf', { type: 'application/pdf' });
  Object.defineProperty(file, 'size', { value: size });
  return file;
}

describe('upload rules', () => {
  it('asks for a file, refuses an empty one and one over 50 MB, and takes one in between', () => {
    expect(fileProblems(undefined)).toEqual(['Choose a file to send.']);
    expect(fileProblems(PDF)).toEqual([]);
    expect(fileProblems(fileOfSize(0))).toEqual(['The file you chose is empty.']);
    expect(fileProblems(fileOfSize(MAX_UPLOAD_BYTES))).toEqual([]);
    expect(fileProblems(fileOfSize(60 * 1024 * 1024))).toEqual([
      'The file is 60.0 MB; files of up to 50 MB can be sent.',
    ]);
  });

  it('refuses a type the server does not take', () => {
    expect(fileProblems(new File(['<svg/>'], 'x.svg', { type: 'image/svg+xml' }))[0]).toContain(
      'This kind of file cannot be sent.',
    );
  });

  it('takes the browser’s type, else the extension’s', () => {
    expect(uploadType(PDF)).toBe('application/pdf');
    expect(uploadType(new File(['x'], 'IMG_0001.HEIC'))).toBe('image/heic');
    expect(uploadType(new File(['x'], 'photo.jpeg'))).toBe('image/jpeg');
    expect(uploadType(new File(['x'], 'notes'))).toBeUndefined();
    expect(uploadType(new File(['x'], 'page.html', { type: 'text/html' }))).toBeUndefined();
  });

  it('keeps the header Latin-1 and gives the real name in filename*', () => {
    expect(uploadDisposition('Zoë "scan".pdf')).toBe(
      `attachment; filename="Zo_ _scan_.pdf"; filename*=UTF-8''Zo%C3%AB%20%22scan%22.pdf`,
    );
  });

  it('codes referrals and test results with LOINC, and keeps the text of the others', () => {
    expect(documentKindType('Referral')).toEqual({
      coding: [{ system: LOINC, code: '57133-1', display: 'Referral note' }],
      text: 'Referral',
    });
    expect(documentKindType('Test result').coding?.[0]?.code).toBe('11502-2');
    expect(documentKindType('Letter')).toEqual({ text: 'Letter' });
    expect(documentKindType('Something else')).toEqual({ text: 'Something else' });
  });
});
