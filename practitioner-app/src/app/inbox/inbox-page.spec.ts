import { Component, Injectable } from '@angular/core';
import { HttpTestingController, type TestRequest } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { provideAuthHttpTesting, signInForTest } from '@web-shared/auth/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { AUTH_OPTIONS } from '../app.config';
import { BlobSaver } from '../documents/blob-saver';
import type { DocumentReference } from '@web-shared/fhir';
import { INBOX_SYSTEM, ORIGIN_SYSTEM, OWNER_SYSTEM, SHARING_SYSTEM } from '../patients/chart/chart-types';
import { ProfileChanges } from '../profile-changes/profile-changes/profile-changes';
import { InboxPage } from './inbox-page';

/** Stands in for the inbox's "Profile changes" section (profile-changes/ has its own specs and requests). */
@Component({ selector: 'pc-profile-changes', template: '<h2>Profile changes</h2>' })
class ProfileChangesStub {}

@Injectable()
class FakeSaver extends BlobSaver {
  readonly saved: { blob: Blob; name: string }[] = [];
  override save(blob: Blob, name: string): void {
    this.saved.push({ blob, name });
  }
}

const ORIGIN = `${ORIGIN_SYSTEM}|patient`;
const REVIEWED = `${INBOX_SYSTEM}|reviewed`;
const ownerTag = { system: OWNER_SYSTEM, code: 'org-1' };
const originTag = { system: ORIGIN_SYSTEM, code: 'patient' };

const referral: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'd1',
  meta: { versionId: '3', tag: [ownerTag, originTag, { system: SHARING_SYSTEM, code: 'patient' }] },
  status: 'current',
  type: { text: 'Referral' },
  subject: { reference: 'Patient/pat-1' },
  date: '2026-11-03T09:30:00Z',
  description: 'From Dr Lee, for the knee',
  content: [{ attachment: { contentType: 'application/pdf', url: 'Binary/b1', title: 'referral.pdf' } }],
};
const photo: DocumentReference = {
  resourceType: 'DocumentReference',
  id: 'd2',
  meta: { versionId: '1', tag: [ownerTag, originTag] },
  type: { coding: [{ code: 'image', display: 'Photo' }] },
  subject: { reference: 'Patient/pat-2' },
  date: '2026-11-02',
  content: [{ attachment: { contentType: 'image/png', data: 'iVBORw0K', title: 'rash.png' } }],
};

describe('InboxPage', () => {
  let fixture: ComponentFixture<InboxPage>;
  let http: HttpTestingController;
  let page: HTMLElement;
  let saver: FakeSaver;

  const bundle = (resources: object[]) => ({
    resourceType: 'Bundle',
    type: 'searchset',
    entry: resources.map((resource) => ({ resource })),
  });
  const isInboxSearch = (r: TestRequest['request']) => r.method === 'GET' && r.url === '/fhir/R4/DocumentReference';

  function expectInboxSearch(reviewed: boolean): TestRequest {
    const req = http.expectOne(isInboxSearch);
    if (reviewed) {
      expect(req.request.params.getAll('_tag')).toEqual([ORIGIN, REVIEWED]);
      expect(req.request.params.has('_tag:not')).toBeFalse();
    } else {
      expect(req.request.params.getAll('_tag')).toEqual([ORIGIN]);
      expect(req.request.params.get('_tag:not')).toBe(REVIEWED);
    }
    expect(req.request.params.get('_sort')).toBe('-date');
    expect(req.request.params.get('_count')).toBe('50');
    // The `|` of a token is sent encoded.
    expect(req.request.urlWithParams).toContain('record-origin%7Cpatient');
    return req;
  }

  function open(documents: DocumentReference[]): void {
    fixture = TestBed.createComponent(InboxPage);
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
    expectInboxSearch(false).flush(bundle(documents));
    fixture.detectChanges();
    const ids = [...new Set(documents.map((d) => d.subject?.reference?.split('/')[1]))];
    if (ids.length > 0) {
      const names = http.expectOne((r) => r.url === '/fhir/R4/Patient');
      expect(names.request.params.get('_id')).toBe(ids.join(','));
      names.flush(
        bundle([
          { resourceType: 'Patient', id: 'pat-1', name: [{ family: 'Nguyen', given: ['An'] }] },
          { resourceType: 'Patient', id: 'pat-2', name: [{ family: 'Smith', given: ['Jo'] }] },
        ]),
      );
      fixture.detectChanges();
    }
  }

  const items = () => Array.from(page.querySelectorAll<HTMLElement>('li.item'));
  const button = (item: HTMLElement, selector: string) => item.querySelector<HTMLButtonElement>(selector)!;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideAuthHttpTesting(AUTH_OPTIONS),
        provideRouter([]),
        { provide: BlobSaver, useClass: FakeSaver },
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
      ],
    });
    TestBed.overrideComponent(InboxPage, {
      remove: { imports: [ProfileChanges] },
      add: { imports: [ProfileChangesStub] },
    });
    http = TestBed.inject(HttpTestingController);
    saver = TestBed.inject(BlobSaver) as FakeSaver;
    signInForTest({ access_token: 'access-1' }, 'Practitioner/p1');
  });

  afterEach(() => http.verify());

  it('"Show more documents" follows the next link, appends the page and names its patients', () => {
    fixture = TestBed.createComponent(InboxPage);
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
    expectInboxSearch(false).flush({
      ...bundle([referral]),
      link: [{ relation: 'next', url: 'https://portal.example/fhir/R4/DocumentReference?_cursor=k1' }],
    });
    http.expectOne((r) => r.url === '/fhir/R4/Patient').flush(bundle([]));
    fixture.detectChanges();
    const more = page.querySelector<HTMLButtonElement>('button.more')!;
    expect(more.textContent?.trim()).toBe('Show more documents');
    more.click();
    http.expectOne('/fhir/R4/DocumentReference?_cursor=k1').flush(bundle([photo]));
    const names = http.expectOne((r) => r.url === '/fhir/R4/Patient');
    expect(names.request.params.get('_id')).toBe('pat-2');
    names.flush(bundle([{ resourceType: 'Patient', id: 'pat-2', name: [{ family: 'Smith', given: ['Jo'] }] }]));
    fixture.detectChanges();
    expect(items().length).toBe(2);
    expect(items()[1]!.querySelector('h2')?.textContent).toBe('Photo from Smith, Jo');
    expect(page.querySelector('button.more')).toBeNull();
  });

  it('lists what patients submitted and nobody reviewed: date, patient, type, note, file, chart link', () => {
    open([referral, photo]);
    const [first, second] = items();
    expect(first!.querySelector('h2')?.textContent?.trim()).toBe('Referral from Nguyen, An');
    expect(first!.textContent).toContain(
      new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(
        new Date('2026-11-03T09:30:00Z'),
      ),
    );
    expect(first!.textContent).toContain('From Dr Lee, for the knee');
    expect(first!.querySelector('.file')?.textContent).toBe('referral.pdf');
    expect(first!.querySelector('a.open-chart')?.getAttribute('href')).toBe('/patients/pat-1');
    expect(second!.querySelector('h2')?.textContent?.trim()).toBe('Photo from Smith, Jo');
    expect(button(first!, 'button.download').getAttribute('aria-label')).toBe('Download referral.pdf');
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });

  it('says so when nothing is new, and explains a failed search', () => {
    open([]);
    expect(page.querySelector('.empty')?.textContent).toContain('Nothing new from patients');
    fixture = TestBed.createComponent(InboxPage);
    page = fixture.nativeElement;
    fixture.detectChanges();
    http.expectOne(isInboxSearch).flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'exception', diagnostics: 'Store down' }],
      },
      { status: 500, statusText: 'Server Error' },
    );
    fixture.detectChanges();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('Store down');
  });

  it('marks an item reviewed with a PUT that keeps every other tag, If-Match on the version read', () => {
    open([referral, photo]);
    button(items()[0]!, 'button.mark').click();
    const req = http.expectOne('/fhir/R4/DocumentReference/d1');
    expect(req.request.method).toBe('PUT');
    expect(req.request.headers.get('If-Match')).toBe('W/"3"');
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-1');
    const body = req.request.body as DocumentReference;
    expect(body.meta?.tag).toEqual([...referral.meta!.tag!, { system: INBOX_SYSTEM, code: 'reviewed' }]);
    expect({ ...body, meta: undefined }).toEqual({ ...referral, meta: undefined });
    req.flush({ ...body, meta: { ...body.meta, versionId: '4' } });
    fixture.detectChanges();
    expect(items().length).toBe(1);
    expect(items()[0]!.querySelector('h2')?.textContent).toContain('Photo');
    expect(page.querySelector('[role=status]')?.textContent).toContain('marked reviewed');
  });

  it('says the item changed and offers a reload when the PUT answers 412', () => {
    open([referral]);
    button(items()[0]!, 'button.mark').click();
    http.expectOne('/fhir/R4/DocumentReference/d1').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'conflict', diagnostics: 'Version mismatch' }],
      },
      { status: 412, statusText: 'Precondition Failed' },
    );
    fixture.detectChanges();
    const alert = items()[0]!.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain('changed since the list was read');
    const reload = Array.from(alert.querySelectorAll('button')).find((b) => b.textContent?.includes('Reload'))!;
    reload.click();
    expectInboxSearch(false).flush(bundle([]));
    fixture.detectChanges();
    expect(page.querySelector('.empty')).not.toBeNull();
  });

  it('shows the reviewed items on "Show reviewed" and marks one as new by removing only the reviewed tag', () => {
    open([]);
    expect(page.querySelector('pc-profile-changes')).withContext('profile changes with the new items').not.toBeNull();
    page.querySelector<HTMLButtonElement>('button[role=switch]')!.click();
    fixture.detectChanges();
    const reviewed: DocumentReference = {
      ...referral,
      meta: { versionId: '5', tag: [ownerTag, originTag, { system: INBOX_SYSTEM, code: 'reviewed' }] },
    };
    expectInboxSearch(true).flush(bundle([reviewed]));
    fixture.detectChanges();
    http.expectOne((r) => r.url === '/fhir/R4/Patient').flush(bundle([]));
    fixture.detectChanges();
    expect(page.querySelector('h1')?.textContent).toContain('Reviewed');
    expect(page.querySelector('pc-profile-changes')).withContext('not among reviewed documents').toBeNull();
    const mark = button(items()[0]!, 'button.mark');
    expect(mark.textContent).toContain('Mark as new');
    mark.click();
    const req = http.expectOne('/fhir/R4/DocumentReference/d1');
    expect(req.request.headers.get('If-Match')).toBe('W/"5"');
    expect((req.request.body as DocumentReference).meta?.tag).toEqual([ownerTag, originTag]);
    req.flush({ ...reviewed, meta: { versionId: '6', tag: [ownerTag, originTag] } });
    fixture.detectChanges();
    expect(items().length).toBe(0);
    expect(page.querySelector('.empty')?.textContent).toContain('No reviewed documents');
  });

  it('downloads the Binary with Accept */* and the bearer token, and saves it under the file title', () => {
    open([referral]);
    button(items()[0]!, 'button.download').click();
    const req = http.expectOne('/fhir/R4/Binary/b1');
    expect(req.request.headers.get('Accept')).toBe('*/*');
    expect(req.request.headers.get('Authorization')).toBe('Bearer access-1');
    expect(req.request.responseType).toBe('blob');
    const bytes = new Blob(['%PDF-1.7'], { type: 'application/pdf' });
    req.flush(bytes);
    expect(saver.saved.length).toBe(1);
    expect(saver.saved[0]!.name).toBe('referral.pdf');
    expect(saver.saved[0]!.blob.size).toBe(bytes.size);
  });

  it('saves inline data directly, and explains a download that is refused', () => {
    open([referral, photo]);
    button(items()[1]!, 'button.download').click();
    http.expectNone('/fhir/R4/Binary/b1');
    expect(saver.saved.map((s) => [s.name, s.blob.type])).toEqual([['rash.png', 'image/png']]);
    button(items()[0]!, 'button.download').click();
    http.expectOne('/fhir/R4/Binary/b1').flush(new Blob(['{}']), { status: 404, statusText: 'Not Found' });
    fixture.detectChanges();
    expect(items()[0]!.querySelector('[role=alert]')?.textContent).toContain('not there any more');
  });
});
