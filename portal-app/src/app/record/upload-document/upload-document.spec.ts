import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { MAX_UPLOAD_BYTES } from '@web-shared/documents';
import { emptyRecord } from '../record-testing';
import { UploadDocument } from './upload-document';

const RECORDS = [
  emptyRecord({ practiceId: 'org-1', practiceName: 'Harbourside Family Practice', patientIds: ['p1'] }),
  emptyRecord({ practiceId: 'org-2', practiceName: 'Hillview Surgery', patientIds: ['p2'] }),
];

describe('UploadDocument (the form)', () => {
  let fixture: ComponentFixture<UploadDocument>;
  let http: HttpTestingController;
  let form: HTMLElement;
  let sentCount: number;

  beforeEach(() => {
    http = configureHttpTesting();
    fixture = TestBed.createComponent(UploadDocument);
    fixture.componentRef.setInput('records', RECORDS);
    sentCount = 0;
    fixture.componentInstance.sent.subscribe(() => sentCount++);
    form = fixture.nativeElement;
    fixture.detectChanges();
  });

  afterEach(() => http.verify());

  function chooseFile(file: File): void {
    const input = form.querySelector('input[type=file]') as HTMLInputElement;
    const files = new DataTransfer();
    files.items.add(file);
    input.files = files.files;
    input.dispatchEvent(new Event('change'));
    fixture.detectChanges();
  }

  function checkboxes(): HTMLInputElement[] {
    return Array.from(form.querySelectorAll<HTMLInputElement>('input[type=checkbox]'));
  }

  function submit(): void {
    (form.querySelector('button[type=submit]') as HTMLButtonElement).click();
    fixture.detectChanges();
  }

  function alertText(): string {
    return (form.querySelector('[role=alert]') as HTMLElement).textContent ?? '';
  }

  it('labels every control, groups the practices in a fieldset with a legend, all chosen by default', () => {
    for (const control of Array.from(form.querySelectorAll('input[type=file], select, textarea'))) {
      expect(form.querySelector(`label[for="${control.id}"]`))
        .withContext(control.tagName)
        .not.toBeNull();
    }
    expect(form.querySelector('fieldset legend')?.textContent).toBe('Send to');
    expect(checkboxes().map((c) => [c.parentElement?.textContent?.trim(), c.checked])).toEqual([
      ['Harbourside Family Practice', true],
      ['Hillview Surgery', true],
    ]);
    expect(Array.from(form.querySelectorAll('option')).map((o) => o.textContent)).toEqual([
      'Referral',
      'Letter',
      'Test result',
      'Image',
      'Other',
    ]);
    expect(form.querySelector('[role=status]')?.getAttribute('aria-live')).toBe('polite');
  });

  it('sends nothing without a file or a practice, and says why', () => {
    for (const box of checkboxes()) box.click();
    fixture.detectChanges();
    submit();
    expect(alertText()).toContain('Choose a file to send.');
    expect(alertText()).toContain('Choose at least one practice to send the document to.');
    http.expectNone('/fhir/R4/Binary');
  });

  it('says at once that a file over 50 MB is too big, and sends nothing', () => {
    const big = new File(['x'], 'video.pdf', { type: 'application/pdf' });
    Object.defineProperty(big, 'size', { value: MAX_UPLOAD_BYTES + 1 });
    chooseFile(big);
    expect(alertText()).toContain('files of up to 50 MB can be sent');
    submit();
    http.expectNone('/fhir/R4/Binary');
  });

  it('sends to the chosen practice only, disabled while sending, then says where it went and resets', () => {
    chooseFile(new File(['%PDF-1.7'], 'letter.pdf', { type: 'application/pdf' }));
    const select = form.querySelector('select') as HTMLSelectElement;
    select.value = 'Letter';
    select.dispatchEvent(new Event('change'));
    const note = form.querySelector('textarea') as HTMLTextAreaElement;
    note.value = 'After my visit';
    note.dispatchEvent(new Event('input'));
    checkboxes()[1].click();
    fixture.detectChanges();
    submit();

    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    expect(button.disabled).toBeTrue();
    expect(button.textContent?.trim()).toBe('Sending…');
    expect(form.querySelector('[role=status]')?.textContent).toContain(
      'Sending “letter.pdf” to Harbourside Family Practice…',
    );
    const binary = http.expectOne('/fhir/R4/Binary');
    expect(binary.request.headers.get('X-Security-Context')).toBe('Patient/p1');
    binary.flush({ resourceType: 'Binary', id: 'b1' }, { status: 201, statusText: 'Created' });
    const doc = http.expectOne('/fhir/R4/DocumentReference');
    expect(doc.request.body).toEqual(
      jasmine.objectContaining({ type: { text: 'Letter' }, description: 'After my visit' }),
    );
    doc.flush({ resourceType: 'DocumentReference', id: 'd1' }, { status: 201, statusText: 'Created' });
    http.expectNone('/fhir/R4/Binary');
    fixture.detectChanges();

    expect(button.disabled).toBeFalse();
    expect(form.querySelector('[role=status]')?.textContent).toContain(
      '“letter.pdf” was sent to Harbourside Family Practice.',
    );
    expect(sentCount).toBe(1);
    expect((form.querySelector('input[type=file]') as HTMLInputElement).value).toBe('');
    expect((form.querySelector('textarea') as HTMLTextAreaElement).value).toBe('');
  });

  it('shows the server’s refusal in plain words, per practice, and what did arrive', () => {
    chooseFile(new File(['%PDF-1.7'], 'scan.pdf', { type: 'application/pdf' }));
    submit();
    expect(form.querySelector('[role=status]')?.textContent).toContain('(1 of 2)');
    http.expectOne('/fhir/R4/Binary').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', details: { text: 'You may not write to this record' } }],
      },
      { status: 403, statusText: 'Forbidden' },
    );
    fixture.detectChanges();
    expect(form.querySelector('[role=status]')?.textContent).toContain('Hillview Surgery (2 of 2)');
    http.expectOne('/fhir/R4/Binary').flush({ resourceType: 'Binary', id: 'b2' });
    http.expectOne('/fhir/R4/DocumentReference').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'invalid', diagnostics: 'Bad subject' }],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    fixture.detectChanges();
    expect(alertText()).toContain('Harbourside Family Practice did not receive the file.');
    expect(alertText()).toContain('You may not write to this record');
    expect(alertText()).toContain(
      'The file reached Hillview Surgery, but it could not be added to your record there. Please send it again.',
    );
    expect(alertText()).toContain('Bad subject');
    expect(sentCount).toBe(0);
    expect((form.querySelector('button[type=submit]') as HTMLButtonElement).disabled).toBeFalse();
  });

  it('a file too large for the server is refused once, in its words, and not sent to the next practice', () => {
    chooseFile(new File(['%PDF-1.7'], 'scan.pdf', { type: 'application/pdf' }));
    submit();
    http.expectOne('/fhir/R4/Binary').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'too-costly', details: { text: 'The file is larger than 50 MiB' } }],
      },
      { status: 413, statusText: 'Payload Too Large' },
    );
    http.expectNone('/fhir/R4/Binary');
    fixture.detectChanges();
    expect(alertText()).toContain('Harbourside Family Practice did not receive the file.');
    expect(alertText()).toContain('The file is larger than 50 MiB');
    expect(alertText()).toContain('Not sent to Hillview Surgery either: it would refuse the file for the same reason.');
  });
});
