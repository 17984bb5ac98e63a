import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideAuthTesting, signInForTest } from '@web-shared/auth/testing';
import { LOINC } from '@web-shared/documents';
import type { DocumentReference } from '@web-shared/fhir';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../../app.config';
import { ChartUpload } from './chart-upload';

const ME = 'Practitioner/pr-1';
const PDF = new File(['%PDF-1.7 letter'], 'discharge letter.pdf', { type: 'application/pdf' });

function refusal(status: number, statusText: string, text: string) {
  return [
    { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported', details: { text } }] },
    { status, statusText },
  ] as const;
}

describe('ChartUpload', () => {
  let fixture: ComponentFixture<ChartUpload>;
  let http: HttpTestingController;
  let page: HTMLElement;
  let uploaded: DocumentReference[];

  beforeEach(() => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    signInForTest({}, ME);
    fixture = TestBed.createComponent(ChartUpload);
    fixture.componentRef.setInput('patientId', 'p1');
    uploaded = [];
    fixture.componentInstance.uploaded.subscribe((d) => uploaded.push(d));
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
  });

  afterEach(() => http.verify());

  const input = (label: string) => {
    const labelElement = Array.from(page.querySelectorAll('label')).find((l) => l.textContent?.trim() === label)!;
    return page.querySelector<HTMLInputElement & HTMLSelectElement & HTMLTextAreaElement>(`#${labelElement.htmlFor}`)!;
  };
  const status = () => page.querySelector('[role=status]')!.textContent!.trim();
  const alert = () => page.querySelector('[role=alert]')!.textContent!.trim();
  const button = () => page.querySelector<HTMLButtonElement>('button[type=submit]')!;

  function choose(file: File): void {
    const fileInput = input('File');
    const list = new DataTransfer();
    list.items.add(file);
    fileInput.files = list.files;
    fileInput.dispatchEvent(new Event('change'));
    fixture.detectChanges();
  }

  function submit(): void {
    button().click();
    fixture.detectChanges();
  }

  it('labels every control and fits a 390 px screen', () => {
    expect(page.querySelector('h3')?.textContent).toBe('Upload a document');
    expect(input('File').type).toBe('file');
    expect(Array.from(input('Document type').options).map((o) => o.value)).toEqual([
      'Referral',
      'Letter',
      'Test result',
      'Image',
      'Other',
    ]);
    expect(input('Description (optional)').tagName).toBe('TEXTAREA');
    expect(page.querySelector('[role=status]')?.getAttribute('aria-live')).toBe('polite');
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });

  it('posts the raw file for the patient, then a DocumentReference by the practitioner, and hands it to the list', () => {
    choose(PDF);
    const kind = input('Document type');
    kind.value = 'Test result';
    kind.dispatchEvent(new Event('change'));
    const description = input('Description (optional)');
    description.value = '  Blood count from the hospital  ';
    description.dispatchEvent(new Event('input'));
    submit();

    expect(button().disabled).toBeTrue();
    expect(status()).toContain('Uploading “discharge letter.pdf”…');
    const binary = http.expectOne('/fhir/R4/Binary');
    expect(binary.request.method).toBe('POST');
    expect(binary.request.body).toBe(PDF);
    expect(binary.request.headers.get('Content-Type')).toBe('application/pdf');
    expect(binary.request.headers.get('X-Security-Context')).toBe('Patient/p1');
    expect(binary.request.headers.get('Content-Disposition')).toBe(
      `attachment; filename="discharge letter.pdf"; filename*=UTF-8''discharge%20letter.pdf`,
    );
    http.expectNone('/fhir/R4/DocumentReference');
    binary.flush({ resourceType: 'Binary', id: 'b9' }, { status: 201, statusText: 'Created' });

    const doc = http.expectOne('/fhir/R4/DocumentReference');
    expect(doc.request.method).toBe('POST');
    const body = doc.request.body as DocumentReference;
    expect(body).toEqual(
      jasmine.objectContaining({
        resourceType: 'DocumentReference',
        status: 'current',
        docStatus: 'final',
        type: { coding: [{ system: LOINC, code: '11502-2', display: 'Laboratory report' }], text: 'Test result' },
        subject: { reference: 'Patient/p1' },
        author: [jasmine.objectContaining({ reference: ME })],
        description: 'Blood count from the hospital',
        content: [
          {
            attachment: {
              contentType: 'application/pdf',
              url: 'Binary/b9',
              title: 'discharge letter.pdf',
              size: PDF.size,
            },
          },
        ],
      }),
    );
    expect(body.meta).toBeUndefined();
    const created: DocumentReference = { ...body, id: 'd9', meta: { versionId: '1' } };
    doc.flush(created, { status: 201, statusText: 'Created' });
    fixture.detectChanges();

    expect(uploaded).toEqual([created]);
    expect(status()).toBe('“discharge letter.pdf” was uploaded. It is not shared with the patient until you share it.');
    expect(alert()).toBe('');
    expect(input('File').value).toBe('');
    expect(input('Description (optional)').value).toBe('');
    expect(button().disabled).toBeFalse();
  });

  for (const [status_, statusText, text] of [
    [415, 'Unsupported Media Type', 'The content is not a PDF: its bytes say text/html.'],
    [413, 'Payload Too Large', 'The content is larger than 52428800 bytes.'],
  ] as const) {
    it(`shows the server's refusal (${status_}) in its words, and files nothing`, () => {
      choose(PDF);
      submit();
      http.expectOne('/fhir/R4/Binary').flush(...refusal(status_, statusText, text));
      http.expectNone('/fhir/R4/DocumentReference');
      fixture.detectChanges();
      expect(alert()).toContain('The file was not uploaded.');
      expect(alert()).toContain(text);
      expect(uploaded).toEqual([]);
      expect(button().disabled).toBeFalse();
      // The form keeps the file, so it can be sent again once the problem is understood.
      expect(input('File').files?.[0]).toBe(PDF);
    });
  }

  it('says so when the file was stored but the DocumentReference was refused', () => {
    choose(PDF);
    submit();
    http.expectOne('/fhir/R4/Binary').flush({ resourceType: 'Binary', id: 'b9' });
    http.expectOne('/fhir/R4/DocumentReference').flush(...refusal(403, 'Forbidden', 'Not your patient'));
    fixture.detectChanges();
    expect(alert()).toContain('The file was stored, but it could not be added to the patient’s documents.');
    expect(alert()).toContain('Not your patient');
    expect(uploaded).toEqual([]);
  });

  it('refuses an empty file, a missing file and a type the server does not take before sending anything', () => {
    submit();
    expect(alert()).toContain('Choose a file to send.');
    choose(new File([], 'empty.pdf', { type: 'application/pdf' }));
    expect(alert()).toContain('The file you chose is empty.');
    submit();
    expect(alert()).toContain('The file you chose is empty.');
    choose(new File(['<svg/>'], 'drawing.svg', { type: 'image/svg+xml' }));
    expect(alert()).toContain('This kind of file cannot be sent.');
    submit();
    http.expectNone('/fhir/R4/Binary');
    expect(uploaded).toEqual([]);
  });
});
