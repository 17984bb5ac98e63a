import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { until } from '@web-shared/auth/testing';
import { errorMessages } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { DocumentDownloadService, FileSaver, safeFileName } from './document-download.service';
import { base64Utf8 } from './record-testing';

describe('DocumentDownloadService', () => {
  let http: HttpTestingController;
  let saved: { blob: Blob; name: string }[];

  beforeEach(() => {
    saved = [];
    http = configureHttpTesting([
      { provide: FileSaver, useValue: { save: (blob: Blob, name: string) => saved.push({ blob, name }) } },
    ]);
  });

  afterEach(() => http.verify());

  it("fetches a Binary's bytes (Accept */*) and saves them under the attachment's title", async () => {
    let done = false;
    TestBed.inject(DocumentDownloadService)
      .download({ title: 'referral.pdf', contentType: 'application/pdf', binaryId: 'b1' })
      .subscribe(() => (done = true));
    const request = http.expectOne('/fhir/R4/Binary/b1');
    expect(request.request.method).toBe('GET');
    expect(request.request.headers.get('Accept')).toBe('*/*');
    expect(request.request.responseType).toBe('blob');
    request.flush(new Blob(['%PDF-1.7 …'], { type: 'application/pdf' }));
    expect(done).toBeTrue();
    expect(saved.length).toBe(1);
    expect(saved[0]!.name).toBe('referral.pdf');
    expect(await saved[0]!.blob.text()).toBe('%PDF-1.7 …');
  });

  it('takes the bytes out of a Binary resource when the server answers with FHIR JSON', async () => {
    TestBed.inject(DocumentDownloadService).download({ title: 'letter.pdf', binaryId: 'b2' }).subscribe();
    const binary = { resourceType: 'Binary', contentType: 'application/pdf', data: base64Utf8('%PDF café') };
    http
      .expectOne('/fhir/R4/Binary/b2')
      .flush(new Blob([JSON.stringify(binary)], { type: 'application/fhir+json;charset=utf-8' }));
    await until(() => saved.length === 1, 'the file is saved');
    expect(saved[0]!.name).toBe('letter.pdf');
    expect(saved[0]!.blob.type).toBe('application/pdf');
    expect(await saved[0]!.blob.text()).toBe('%PDF café');
  });

  it('saves a stored JSON document as it is', async () => {
    TestBed.inject(DocumentDownloadService).download({ title: 'data.json', binaryId: 'b3' }).subscribe();
    http
      .expectOne('/fhir/R4/Binary/b3')
      .flush(new Blob(['{"resourceType":"Binary","data":"eA=="}'], { type: 'application/json' }));
    await until(() => saved.length === 1, 'the file is saved');
    expect(await saved[0]!.blob.text()).toBe('{"resourceType":"Binary","data":"eA=="}');
  });

  it('saves inline data as it is, without asking the server', async () => {
    TestBed.inject(DocumentDownloadService)
      .download({ title: 'résumé.txt', contentType: 'text/plain', data: base64Utf8('Café') })
      .subscribe();
    expect(saved[0]!.name).toBe('résumé.txt');
    expect(saved[0]!.blob.type).toBe('text/plain');
    expect(await saved[0]!.blob.text()).toBe('Café');
  });

  it("passes a failed download on with the server's OperationOutcome readable, and saves nothing", async () => {
    const failure = new Promise<unknown>((resolve) =>
      TestBed.inject(DocumentDownloadService)
        .download({ title: 'x.pdf', binaryId: 'gone' })
        .subscribe({ error: resolve }),
    );
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', details: { text: 'Binary/gone is not known' } }],
    };
    http
      .expectOne('/fhir/R4/Binary/gone')
      .flush(new Blob([JSON.stringify(outcome)], { type: 'application/fhir+json' }), {
        status: 404,
        statusText: 'Not Found',
      });
    expect(errorMessages(await failure)).toEqual(['Binary/gone is not known']);
    expect(saved).toEqual([]);
  });
});

describe('safeFileName', () => {
  it('keeps names the file system accepts and never returns an empty one', () => {
    expect(safeFileName('Letter from Dr Okafor.pdf')).toBe('Letter from Dr Okafor.pdf');
    expect(safeFileName('../../etc/passwd')).toBe('_.._etc_passwd');
    expect(safeFileName('a\u0000b\nc.txt')).toBe('a_b_c.txt');
    expect(safeFileName('  ')).toBe('document');
  });
});
