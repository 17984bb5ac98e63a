import type { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { provideRouter } from '@angular/router';
import type { Patient } from '@web-shared/fhir';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { configureHttpTesting } from '@web-shared/testing';
import {
  BASE_VERSION,
  FIELD_SYSTEM,
  PATIENT_UPDATE_MARK,
  PROPOSAL_CODE,
  PROPOSAL_SYSTEM,
  type ProposalTask,
  REVIEWED_MARK,
} from '../profile-change-model';
import { ProfileChanges } from './profile-changes';

const OWNER = { system: 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice', code: 'org-1' };
const SCRIPT = '<script>window.pwned = true</script><img src=x onerror="window.pwned = true">';

const changedNow: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '3', lastUpdated: '2026-11-20T09:30:00Z', tag: [OWNER, PATIENT_UPDATE_MARK] },
  name: [{ family: 'Smith', given: ['Olivia'] }],
  telecom: [{ system: 'phone', use: 'mobile', value: '0411 111 111' }],
  gender: 'female',
};
const before: Patient = {
  ...changedNow,
  meta: { versionId: '2', lastUpdated: '2026-11-01T09:30:00Z', tag: [OWNER] },
  telecom: [{ system: 'phone', use: 'mobile', value: '0400 000 000' }],
};
const olivia: Patient = { ...changedNow, meta: { versionId: '3', tag: [OWNER] } };

const field = (code: string, value: unknown) => ({
  type: { coding: [{ system: FIELD_SYSTEM, code }] },
  valueString: JSON.stringify(value),
});
const proposal: ProposalTask = {
  resourceType: 'Task',
  id: 't1',
  status: 'requested',
  code: { coding: [{ system: PROPOSAL_SYSTEM, code: PROPOSAL_CODE }] },
  for: { reference: 'Patient/p1', display: 'Olivia Smith' },
  authoredOn: '2026-11-20T09:30:00+11:00',
  input: [
    { type: { coding: [{ system: FIELD_SYSTEM, code: BASE_VERSION }] }, valueString: '3' },
    field('telecom', [{ system: 'phone', use: 'mobile', value: '+61 412 555 019' }]),
    field('contact', [{ name: { given: ['James'], family: 'Smith' }, telecom: [{ system: 'phone', value: '0412' }] }]),
  ],
};

const bundle = (resources: object[], modes?: string[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource, i) => ({ resource, search: { mode: modes?.[i] ?? 'match' } })),
});
const outcome = (text: string) => ({
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'conflict', details: { text } }],
});

describe('ProfileChanges (inbox)', () => {
  let fixture: ComponentFixture<ProfileChanges>;
  let http: HttpTestingController;
  let page: HTMLElement;

  const changedSearch = (r: TestRequest['request']) => r.method === 'GET' && r.url === '/fhir/R4/Patient';
  const taskSearch = (r: TestRequest['request']) => r.method === 'GET' && r.url === '/fhir/R4/Task';

  function open(changed: Patient[], history: Patient[], tasks: object[], included: object[] = [olivia]): void {
    fixture = TestBed.createComponent(ProfileChanges);
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
    const search = http.expectOne(changedSearch);
    expect(search.request.params.getAll('_tag')).toEqual([`${PATIENT_UPDATE_MARK.system}|patient-update`]);
    expect(search.request.params.getAll('_tag:not')).toEqual([`${REVIEWED_MARK.system}|reviewed`]);
    search.flush(bundle(changed));
    for (const p of changed) http.expectOne(`/fhir/R4/Patient/${p.id}/_history?_count=20`).flush(bundle(history));
    const tasksReq = http.expectOne(taskSearch);
    expect(tasksReq.request.params.get('code')).toBe(`${PROPOSAL_SYSTEM}|${PROPOSAL_CODE}`);
    expect(tasksReq.request.params.get('status')).toBe('requested');
    expect(tasksReq.request.params.get('_include')).toBe('Task:patient');
    tasksReq.flush(
      bundle(
        [...tasks, ...(tasks.length ? included : [])],
        [...tasks.map(() => 'match'), ...included.map(() => 'include')],
      ),
    );
    fixture.detectChanges();
  }

  const changedRows = () => Array.from(page.querySelectorAll<HTMLElement>('li.changed-row'));
  const proposalRows = () => Array.from(page.querySelectorAll<HTMLElement>('li.proposal-row'));
  const radio = (row: HTMLElement, fieldIndex: number, choice: 'Accept' | 'Reject') =>
    Array.from(row.querySelectorAll<HTMLElement>('li.field')[fieldIndex]!.querySelectorAll('input[type=radio]')).find(
      (input) => input.closest('mat-radio-button')?.textContent?.trim() === choice,
    ) as HTMLInputElement;
  const status = () => page.querySelector('[role=status]')?.textContent ?? '';

  beforeEach(() => {
    http = configureHttpTesting([
      provideRouter([]),
      { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
    ]);
  });

  afterEach(() => http.verify());

  it('lists a changed record with old → new per field from its history, and a chart link', () => {
    open([changedNow], [changedNow, before], []);
    const [row] = changedRows();
    expect(row!.querySelector('h4')?.textContent).toBe('Smith, Olivia changed their details');
    expect(row!.querySelector('dt')?.textContent).toBe('Phones and e-mail');
    expect(row!.querySelector('.before')?.textContent).toBe('mobile phone: 0400 000 000');
    expect(row!.querySelector('.after')?.textContent).toBe('mobile phone: 0411 111 111');
    expect(row!.querySelectorAll('dt').length).toBe(1);
    expect(row!.querySelector('a.open-chart')?.getAttribute('href')).toBe('/patients/p1');
    expect(page.querySelector('.proposals-empty')?.textContent).toContain('No proposed changes waiting.');
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });

  it('"Mark reviewed" PUTs the record with the reviewed mark and If-Match; the row leaves, announced', () => {
    open([changedNow], [changedNow, before], []);
    changedRows()[0]!.querySelector<HTMLButtonElement>('button.mark-reviewed')!.click();
    const put = http.expectOne('/fhir/R4/Patient/p1');
    expect(put.request.method).toBe('PUT');
    expect(put.request.headers.get('If-Match')).toBe('W/"3"');
    expect((put.request.body as Patient).meta?.tag).toEqual([OWNER, PATIENT_UPDATE_MARK, REVIEWED_MARK]);
    expect((put.request.body as Patient).telecom).toEqual(changedNow.telecom);
    put.flush({ ...changedNow, meta: { versionId: '4' } });
    fixture.detectChanges();
    expect(changedRows().length).toBe(0);
    expect(page.querySelector('.changed-empty')?.textContent).toContain('No changed records to review.');
    expect(status()).toContain('Profile changes of Smith, Olivia marked reviewed.');
  });

  it('says plainly when the record changed meanwhile (412), and reloads the list', () => {
    open([changedNow], [changedNow, before], []);
    changedRows()[0]!.querySelector<HTMLButtonElement>('button.mark-reviewed')!.click();
    http.expectOne('/fhir/R4/Patient/p1').flush(outcome('If-Match W/"3" does not match the current version (4)'), {
      status: 412,
      statusText: 'Precondition Failed',
    });
    fixture.detectChanges();
    const alert = changedRows()[0]!.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain("Smith, Olivia's record changed since the list was read.");
    expect(alert.textContent).not.toContain('If-Match');
    alert.querySelector<HTMLButtonElement>('button')!.click();
    http.expectOne(changedSearch).flush(bundle([]));
    fixture.detectChanges();
    expect(changedRows().length).toBe(0);
  });

  it('lists a pending proposal: current → proposed per field, Accept/Reject each, and applies all with $decide', () => {
    open([], [], [proposal]);
    const [row] = proposalRows();
    expect(row!.querySelector('h4')?.textContent).toBe('Smith, Olivia proposes changes');
    const fields = row!.querySelectorAll('li.field');
    expect(fields[0]!.querySelector('.field-label')?.textContent).toBe('Phones and e-mail');
    expect(fields[0]!.querySelector('.before')?.textContent).toBe('mobile phone: 0411 111 111');
    expect(fields[0]!.querySelector('.after')?.textContent).toBe('mobile phone: +61 412 555 019');
    expect(fields[1]!.querySelector('.before')?.textContent).toBe('None');
    const group = fields[0]!.querySelector('mat-radio-group')!;
    expect(group.getAttribute('aria-labelledby')).toBe(fields[0]!.querySelector('.field-label')!.id);

    // Not every field decided: said in words, nothing sent.
    radio(row!, 0, 'Accept').click();
    row!.querySelector<HTMLButtonElement>('button.apply')!.click();
    fixture.detectChanges();
    expect(row!.querySelector('[role=alert]')?.textContent).toContain(
      'Choose Accept or Reject for: Emergency contacts.',
    );

    radio(row!, 1, 'Reject').click();
    row!.querySelector<HTMLButtonElement>('button.apply')!.click();
    const decide = http.expectOne('/fhir/R4/Task/t1/$decide');
    expect(decide.request.method).toBe('POST');
    expect(decide.request.body).toEqual({
      resourceType: 'Parameters',
      parameter: [
        { name: 'accept', valueCode: 'telecom' },
        { name: 'reject', valueCode: 'contact' },
      ],
    });
    decide.flush({ ...proposal, status: 'completed' });
    fixture.detectChanges();
    expect(proposalRows().length).toBe(0);
    expect(status()).toContain("Decision applied to Smith, Olivia's proposed changes: 1 accepted, 1 rejected.");
  });

  it('names the field the practice changed since on 409, and shows the server’s words on 400 and 403', () => {
    // A changed record with the proposal's id: the error is shown on the proposal only.
    open([{ ...changedNow, id: 't1' }], [changedNow, before], [proposal]);
    const row = proposalRows()[0]!;
    radio(row, 0, 'Accept').click();
    radio(row, 1, 'Accept').click();
    const apply = () => row.querySelector<HTMLButtonElement>('button.apply')!.click();
    apply();
    http
      .expectOne('/fhir/R4/Task/t1/$decide')
      .flush(
        outcome(
          'The practice changed Patient.telecom since the patient proposed this: review the record and decide again',
        ),
        {
          status: 409,
          statusText: 'Conflict',
        },
      );
    fixture.detectChanges();
    expect(row.querySelector('[role=alert]')?.textContent).toContain(
      'The practice changed Phones and e-mail since the patient proposed this; reject it or ask the patient.',
    );
    expect(proposalRows().length).toBe(1);
    expect(changedRows()[0]!.querySelector('[role=alert]')).toBeNull();
    for (const [code, text] of [
      [400, 'Patient.contact: invalid value'],
      [403, 'Only the owning practice decides'],
    ] as const) {
      apply();
      http.expectOne('/fhir/R4/Task/t1/$decide').flush(outcome(text), { status: code, statusText: 'Refused' });
      fixture.detectChanges();
      expect(row.querySelector('[role=alert]')?.textContent).toContain(text);
    }
  });

  it('shows script-looking text as text, never as HTML', () => {
    const hostile: Patient = {
      ...changedNow,
      name: [{ family: SCRIPT, given: [SCRIPT] }],
      address: [{ city: SCRIPT }],
    } as Patient;
    const hostileTask: ProposalTask = { ...proposal, input: [field('address', [{ line: [SCRIPT] }])] };
    open([hostile], [hostile, before], [hostileTask], [hostile]);
    expect(page.querySelector('script, img')).toBeNull();
    expect((window as unknown as { pwned?: boolean }).pwned).toBeUndefined();
    expect(changedRows()[0]!.textContent).toContain(SCRIPT);
    expect(proposalRows()[0]!.querySelector('.after')?.textContent).toBe(SCRIPT);
  });

  it('explains lists that cannot be read, with "Try again"', () => {
    fixture = TestBed.createComponent(ProfileChanges);
    page = fixture.nativeElement;
    fixture.detectChanges();
    http.expectOne(changedSearch).flush(outcome('Search refused'), { status: 403, statusText: 'Forbidden' });
    http.expectOne(taskSearch).flush(outcome('Task search refused'), { status: 400, statusText: 'Bad Request' });
    fixture.detectChanges();
    const alerts = Array.from(page.querySelectorAll('[role=alert]')).map((a) => a.textContent);
    expect(alerts[0]).toContain('Could not load the changed records.');
    expect(alerts[0]).toContain('Search refused');
    expect(alerts[1]).toContain('Could not load the proposed changes.');
    expect(alerts[1]).toContain('Task search refused');
    const retry = page.querySelectorAll<HTMLButtonElement>('[role=alert] button');
    retry[1]!.click();
    http.expectOne(taskSearch).flush(bundle([]));
    fixture.detectChanges();
    expect(page.querySelector('.proposals-empty')).not.toBeNull();
  });
});
