import type { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideAuthTesting, signInForTest } from '@web-shared/auth/testing';
import { type DocumentReference, VERSION_CONFLICT_MESSAGE } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../../app.config';
import { encodeText } from '../chart-model';
import { SHARING_SYSTEM } from '../chart-types';
import { ChartNotes, NOTE_SHARING_OFF_REASON, type NoteSharingState } from './chart-notes';

const ME = 'Practitioner/me';

function note(id: string, overrides: Partial<DocumentReference> = {}): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    id,
    meta: { versionId: '3' },
    status: 'current',
    docStatus: 'final',
    subject: { reference: 'Patient/p1' },
    date: '2026-11-02T10:15:00+11:00',
    author: [{ reference: ME, display: 'Dr Me' }],
    content: [{ attachment: { contentType: 'text/plain', data: encodeText(`Text of ${id}`) } }],
    ...overrides,
  };
}

const shared = (...codes: string[]) => ({
  versionId: '3',
  tag: codes.map((code) => ({ system: SHARING_SYSTEM, code })),
});

describe('ChartNotes', () => {
  let fixture: ComponentFixture<ChartNotes>;
  let http: HttpTestingController;
  let page: HTMLElement;
  let listed: string[][];
  let changes: number;

  function create(notes: DocumentReference[], noteSharing: NoteSharingState = 'on'): void {
    fixture = TestBed.createComponent(ChartNotes);
    fixture.componentRef.setInput('patientId', 'p1');
    fixture.componentRef.setInput('noteSharing', noteSharing);
    listed = [];
    changes = 0;
    fixture.componentInstance.listed.subscribe((items) => listed.push(items.map((i) => i.reference)));
    fixture.componentInstance.sharingChanged.subscribe(() => changes++);
    page = fixture.nativeElement;
    fixture.detectChanges();
    http
      .expectOne((r) => r.url === '/fhir/R4/DocumentReference' && r.method === 'GET')
      .flush({ resourceType: 'Bundle', type: 'searchset', entry: notes.map((resource) => ({ resource })) });
    fixture.detectChanges();
  }

  const items = () => Array.from(page.querySelectorAll<HTMLElement>('li.note'));
  const alertText = () => page.querySelector('[role=alert]')?.textContent ?? '';
  const toggle = (item: HTMLElement, which: 'patient' | 'colleagues') =>
    item.querySelector<HTMLButtonElement>(`.share-${which} button[role=switch]`)!;
  const button = (item: HTMLElement, text: string) =>
    Array.from(item.querySelectorAll<HTMLButtonElement>('button')).find((b) => b.textContent?.trim().startsWith(text))!;

  function errorFor(req: TestRequest, status: number, text: string): void {
    req.flush(
      { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'forbidden', details: { text } }] },
      { status, statusText: 'Error' },
    );
    fixture.detectChanges();
  }

  beforeEach(() => {
    http = configureHttpTesting([provideAuthTesting(AUTH_OPTIONS)]);
    signInForTest({}, ME);
  });

  afterEach(() => http.verify());

  it('lists the notes with date, author, state, text and sharing badges', () => {
    create([
      note('n1', { docStatus: 'preliminary' }),
      note('n2', {
        meta: shared('patient', 'colleagues'),
        author: [{ reference: 'Practitioner/other', display: 'Dr Okafor' }],
      }),
    ]);
    const [first, second] = items();
    expect(first!.textContent).toContain('You');
    expect(first!.textContent).toContain('Draft');
    expect(first!.textContent).toContain('Text of n1');
    expect(first!.textContent).not.toContain('Shared with patient');
    expect(second!.textContent).toContain('Dr Okafor');
    expect(second!.textContent).toContain('Signed');
    expect(second!.querySelectorAll('.badge.shared').length).toBe(2);
    expect(second!.textContent).toContain('Shared with patient');
    expect(second!.textContent).toContain('Shared with colleagues');
    expect(listed).toEqual([['DocumentReference/n1', 'DocumentReference/n2']]);
  });

  it("offers share toggles only on the practitioner's own notes", () => {
    create([note('mine'), note('theirs', { author: [{ reference: 'Practitioner/other' }] })]);
    const [mine, theirs] = items();
    expect(toggle(mine!, 'patient')).toBeTruthy();
    expect(theirs!.querySelector('mat-slide-toggle')).toBeNull();
    expect(theirs!.querySelector('button')).toBeNull();
  });

  it('says so when there are no notes', () => {
    create([]);
    expect(page.querySelector('.empty')?.textContent).toContain('No notes yet');
  });

  it('explains a failed load in words', () => {
    fixture = TestBed.createComponent(ChartNotes);
    fixture.componentRef.setInput('patientId', 'p1');
    page = fixture.nativeElement;
    fixture.detectChanges();
    errorFor(
      http.expectOne((r) => r.url === '/fhir/R4/DocumentReference'),
      500,
      'The store is unavailable',
    );
    expect(alertText()).toContain('Could not load the notes.');
    expect(alertText()).toContain('The store is unavailable');
  });

  it('writes a note as a draft DocumentReference by the signed-in practitioner', () => {
    create([]);
    const textarea = page.querySelector<HTMLTextAreaElement>('.compose textarea')!;
    textarea.value = 'Review in 3 months — BP ok';
    textarea.dispatchEvent(new Event('input'));
    page.querySelector('.compose')!.dispatchEvent(new Event('submit'));
    const req = http.expectOne((r) => r.url === '/fhir/R4/DocumentReference' && r.method === 'POST');
    const body = req.request.body as DocumentReference;
    expect(body).toEqual(
      jasmine.objectContaining({
        resourceType: 'DocumentReference',
        status: 'current',
        docStatus: 'preliminary',
        subject: { reference: 'Patient/p1' },
        category: [
          {
            coding: [
              {
                system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
                code: 'clinical-note',
                display: 'Clinical Note',
              },
            ],
          },
        ],
        content: [{ attachment: { contentType: 'text/plain', data: encodeText('Review in 3 months — BP ok') } }],
      }),
    );
    expect(body.author?.[0]?.reference).toBe(ME);
    expect(Number.isNaN(Date.parse(body.date!))).toBeFalse();
    req.flush({ ...body, id: 'new', meta: { versionId: '1' } });
    fixture.detectChanges();
    expect(items()[0]!.textContent).toContain('Review in 3 months');
    expect(textarea.value).toBe('');
    // The emptied box is ready for the next note, not shown as an error.
    expect(page.querySelector('.compose .mat-form-field-invalid')).toBeNull();
  });

  it('does not post an empty note', () => {
    create([]);
    page.querySelector('.compose')!.dispatchEvent(new Event('submit'));
    fixture.detectChanges();
    http.expectNone((r) => r.method === 'POST');
    expect(page.querySelector('mat-error')?.textContent).toContain('Write something');
  });

  it('edits an own draft with If-Match on the version read', () => {
    create([note('n1', { docStatus: 'preliminary' })]);
    button(items()[0]!, 'Edit').click();
    fixture.detectChanges();
    const textarea = page.querySelector<HTMLTextAreaElement>('.edit textarea')!;
    expect(textarea.value).toBe('Text of n1');
    expect(document.activeElement).toBe(textarea);
    textarea.value = 'Changed';
    textarea.dispatchEvent(new Event('input'));
    page.querySelector('.edit')!.dispatchEvent(new Event('submit'));
    const req = http.expectOne('/fhir/R4/DocumentReference/n1');
    expect(req.request.method).toBe('PUT');
    expect(req.request.headers.get('If-Match')).toBe('W/"3"');
    expect(req.request.body.content).toEqual([
      { attachment: { contentType: 'text/plain', data: encodeText('Changed') } },
    ]);
    expect(req.request.body.docStatus).toBe('preliminary');
    req.flush({ ...req.request.body, meta: { versionId: '4' } });
    fixture.detectChanges();
    expect(items()[0]!.textContent).toContain('Changed');
  });

  it('signs a draft, and a change made elsewhere asks for a reload', () => {
    create([note('n1', { docStatus: 'preliminary' })]);
    button(items()[0]!, 'Sign').click();
    const req = http.expectOne('/fhir/R4/DocumentReference/n1');
    expect(req.request.body.docStatus).toBe('final');
    expect(req.request.headers.get('If-Match')).toBe('W/"3"');
    req.flush(
      { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'conflict', diagnostics: 'version' }] },
      { status: 412, statusText: 'Precondition Failed' },
    );
    fixture.detectChanges();
    expect(alertText()).toContain(VERSION_CONFLICT_MESSAGE);
    const reload = Array.from(page.querySelectorAll('button')).find((b) => b.textContent?.includes('Reload notes'))!;
    reload.click();
    http
      .expectOne((r) => r.url === '/fhir/R4/DocumentReference' && r.method === 'GET')
      .flush({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: note('n1') }],
      });
    fixture.detectChanges();
    expect(items()[0]!.textContent).toContain('Signed');
  });

  it('shares with the patient through $share, showing the new state', () => {
    create([note('n1')]);
    const patientToggle = toggle(items()[0]!, 'patient');
    expect(patientToggle.getAttribute('aria-checked')).toBe('false');
    patientToggle.click();
    const req = http.expectOne('/fhir/R4/DocumentReference/n1/$share');
    expect(req.request.method).toBe('POST');
    expect(req.request.body).toEqual({
      resourceType: 'Parameters',
      parameter: [{ name: 'audience', valueCode: 'patient' }],
    });
    req.flush(note('n1', { meta: shared('patient') }));
    fixture.detectChanges();
    expect(items()[0]!.textContent).toContain('Shared with patient');
    expect(toggle(items()[0]!, 'patient').getAttribute('aria-checked')).toBe('true');
    expect(changes).toBe(1);
  });

  it('un-shares from colleagues through $unshare', () => {
    create([note('n1', { meta: shared('colleagues') })]);
    toggle(items()[0]!, 'colleagues').click();
    const req = http.expectOne('/fhir/R4/DocumentReference/n1/$unshare');
    expect(req.request.body.parameter).toEqual([{ name: 'audience', valueCode: 'colleagues' }]);
    req.flush(note('n1'));
    fixture.detectChanges();
    expect(items()[0]!.textContent).not.toContain('Shared with colleagues');
  });

  it('disables sharing with colleagues, saying why, when the practice has turned it off', () => {
    create([note('n1')], 'off');
    const colleagues = toggle(items()[0]!, 'colleagues');
    expect(colleagues.disabled).toBeTrue();
    const reasonId = colleagues.getAttribute('aria-describedby');
    expect(page.querySelector(`#${reasonId}`)?.textContent).toContain(NOTE_SHARING_OFF_REASON);
    expect(toggle(items()[0]!, 'patient').disabled).toBeFalse();
    colleagues.click();
    http.expectNone((r) => r.method === 'POST');
  });

  it('shows a refusal in words and puts the toggle back', () => {
    create([note('n1')]);
    toggle(items()[0]!, 'patient').click();
    errorFor(http.expectOne('/fhir/R4/DocumentReference/n1/$share'), 403, 'Only the author may share this note');
    expect(alertText()).toContain('Only the author may share this note');
    expect(toggle(items()[0]!, 'patient').getAttribute('aria-checked')).toBe('false');
    expect(changes).toBe(0);
  });
});
