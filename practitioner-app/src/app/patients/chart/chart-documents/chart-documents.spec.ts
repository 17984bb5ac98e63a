import { Injectable } from '@angular/core';
import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideAuthTesting } from '@web-shared/auth/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { AUTH_OPTIONS } from '../../../app.config';
import { BlobSaver } from '../../../documents/blob-saver';
import type { DocumentReference } from '@web-shared/fhir';
import { NOTE_CATEGORY_SYSTEM, ORIGIN_SYSTEM, SHARING_SYSTEM } from '../chart-types';
import { By } from '@angular/platform-browser';
import { ChartUpload } from '../chart-upload/chart-upload';
import { PdfViewer } from '../pdf-viewer/pdf-viewer';
import { ChartDocuments } from './chart-documents';

@Injectable()
class FakeSaver extends BlobSaver {
  readonly saved: string[] = [];
  override save(_blob: Blob, name: string): void {
    this.saved.push(name);
  }
}

const letter: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'd1',
  meta: { versionId: '1' },
  type: { text: 'Letter' },
  date: '2026-11-03T09:30:00Z',
  content: [{ attachment: { contentType: 'application/pdf', url: '/fhir/R4/Binary/b1', title: 'letter.pdf' } }],
};
const upload: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'd2',
  meta: { versionId: '1', tag: [{ system: ORIGIN_SYSTEM, code: 'patient' }] },
  type: { text: 'Photo' },
  description: 'The rash on Monday',
  date: '2026-11-02',
  content: [{ attachment: { contentType: 'image/png', url: 'Binary/b2', title: 'rash.png' } }],
};
const scan: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'd3',
  meta: { versionId: '1', tag: [{ system: SHARING_SYSTEM, code: 'patient' }] },
  type: { text: 'Scan' },
  content: [{ attachment: { contentType: 'image/svg+xml', url: 'Binary/b3', title: 'scan.svg' } }],
};
const report: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'd4',
  meta: { versionId: '1' },
  type: { text: 'Report' },
  content: [{ attachment: { contentType: 'text/html', url: 'Binary/b4', title: 'report.html' } }],
};

describe('ChartDocuments', () => {
  let fixture: ComponentFixture<ChartDocuments>;
  let http: HttpTestingController;
  let page: HTMLElement;
  let saver: FakeSaver;
  let changes: number;

  function create(documents: DocumentReference[] | 'error'): void {
    fixture = TestBed.createComponent(ChartDocuments);
    fixture.componentRef.setInput('patientId', 'p1');
    changes = 0;
    fixture.componentInstance.sharingChanged.subscribe(() => changes++);
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
    const req = http.expectOne((r) => r.url === '/fhir/R4/DocumentReference');
    expect(req.request.params.get('subject')).toBe('Patient/p1');
    expect(req.request.params.get('category:not')).toBe(`${NOTE_CATEGORY_SYSTEM}|clinical-note`);
    expect(req.request.params.get('_sort')).toBe('-date');
    expect(req.request.params.get('_count')).toBe('50');
    if (documents === 'error') {
      req.flush(
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception', diagnostics: 'Store down' }],
        },
        { status: 500, statusText: 'Server Error' },
      );
    } else {
      req.flush({ resourceType: 'Bundle', type: 'searchset', entry: documents.map((resource) => ({ resource })) });
    }
    fixture.detectChanges();
  }

  const rows = () => Array.from(page.querySelectorAll<HTMLElement>('li.document'));
  const toggle = (row: HTMLElement) => row.querySelector<HTMLButtonElement>('button[role=switch]');
  const previewButton = (row: HTMLElement) => row.querySelector<HTMLButtonElement>('button.preview');

  beforeEach(() => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS), { provide: BlobSaver, useClass: FakeSaver }]);
    saver = TestBed.inject(BlobSaver) as FakeSaver;
  });

  afterEach(() => http.verify());

  it('lists the documents with type, date, file, "From patient" and the sharing switch for practice items only', () => {
    create([letter, upload, scan]);
    const [first, second, third] = rows();
    expect(first!.querySelector('.type')?.textContent).toBe('Letter');
    expect(first!.querySelector('.date')?.textContent).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(
        new Date('2026-11-03T09:30:00Z'),
      ),
    );
    expect(first!.querySelector('.file')?.textContent).toBe('letter.pdf');
    expect(first!.querySelector('.from-patient')).toBeNull();
    expect(toggle(first!)?.getAttribute('aria-checked')).toBe('false');
    expect(second!.querySelector('.from-patient')?.textContent).toBe('From patient');
    expect(second!.textContent).toContain('The rash on Monday');
    expect(toggle(second!)).toBeNull();
    expect(toggle(third!)?.getAttribute('aria-checked')).toBe('true');
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });

  it('offers a preview for JPEG, PNG and PDF only, never SVG or HTML', () => {
    create([letter, upload, scan, report]);
    expect(rows().map((row) => previewButton(row) !== null)).toEqual([true, true, false, false]);
  });

  it('previews an image from an object URL of the fetched bytes', () => {
    create([upload]);
    previewButton(rows()[0]!)!.click();
    const req = http.expectOne('/fhir/R4/Binary/b2');
    expect(req.request.headers.get('Accept')).toBe('*/*');
    req.flush(new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }));
    fixture.detectChanges();
    const img = rows()[0]!.querySelector<HTMLImageElement>('.viewer img')!;
    expect(img.src).toMatch(/^blob:/);
    expect(img.alt).toBe('Preview of rash.png');
    expect(page.querySelector('iframe')).toBeNull();
    previewButton(rows()[0]!)!.click();
    fixture.detectChanges();
    expect(page.querySelector('.viewer')).toBeNull();
  });

  it('previews a PDF in the console’s own PDF viewer, typed as PDF whatever the response said, never in a frame', () => {
    create([letter]);
    previewButton(rows()[0]!)!.click();
    http.expectOne('/fhir/R4/Binary/b1').flush(new Blob(['%PDF-1.7'], { type: 'text/html' }));
    fixture.detectChanges();
    const viewer = fixture.debugElement.query(By.directive(PdfViewer)).componentInstance as PdfViewer;
    expect(viewer.data().type).toBe('application/pdf');
    expect(viewer.file()).toBe('letter.pdf');
    expect(page.querySelector('iframe, embed, object')).toBeNull();
    // The viewer's "Download" (offered when the PDF cannot be drawn) downloads this document.
    viewer.downloadRequested.emit();
    http.expectOne('/fhir/R4/Binary/b1').flush(new Blob(['%PDF-1.7']));
    expect(saver.saved).toEqual(['letter.pdf']);
    previewButton(rows()[0]!)!.click();
    fixture.detectChanges();
    expect(page.querySelector('pc-pdf-viewer')).toBeNull();
  });

  it('downloads a document under its title', () => {
    create([letter]);
    rows()[0]!.querySelector<HTMLButtonElement>('button.download')!.click();
    http.expectOne('/fhir/R4/Binary/b1').flush(new Blob(['%PDF-1.7']));
    expect(saver.saved).toEqual(['letter.pdf']);
  });

  it('shares a practice document with the patient through $share', () => {
    create([letter]);
    toggle(rows()[0]!)!.click();
    const req = http.expectOne('/fhir/R4/DocumentReference/d1/$share');
    expect(req.request.body).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'audience', valueCode: 'patient' }],
    });
    req.flush({ ...letter, meta: { versionId: '2', tag: [{ system: SHARING_SYSTEM, code: 'patient' }] } });
    fixture.detectChanges();
    expect(toggle(rows()[0]!)?.getAttribute('aria-checked')).toBe('true');
    expect(changes).toBe(1);
  });

  it('lists a document uploaded from the chart first, not shared, and reports it for the sharing history', () => {
    create([letter]);
    const listed: string[][] = [];
    fixture.componentInstance.listed.subscribe((items) => listed.push(items.map((i) => i.reference)));
    const uploadForm = fixture.debugElement.query(By.directive(ChartUpload)).componentInstance as ChartUpload;
    uploadForm.uploaded.emit({ ...report, id: 'd9', type: { text: 'Test result' } });
    fixture.detectChanges();
    const [first, second] = rows();
    expect(first!.querySelector('.type')?.textContent).toBe('Test result');
    expect(toggle(first!)?.getAttribute('aria-checked')).toBe('false');
    expect(second!.querySelector('.file')?.textContent).toBe('letter.pdf');
    expect(listed).toEqual([['DocumentReference/d9', 'DocumentReference/d1']]);
  });

  it('says so when there are no documents, and when they cannot be read', () => {
    create([]);
    expect(page.querySelector('.empty')?.textContent).toContain('No documents yet');
    create('error');
    expect(page.querySelector('.error-messages[role=alert]')?.textContent).toContain('Store down');
  });
});
