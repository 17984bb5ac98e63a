import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import type { Coding, Patient } from '@web-shared/fhir';
import { atPhoneWidth } from '@web-shared/shell/testing';
import { configureHttpTesting } from '@web-shared/testing';
import {
  BASE_VERSION,
  FIELD_SYSTEM,
  PATIENT_UPDATE_MARK,
  PROPOSAL_CODE,
  PROPOSAL_SYSTEM,
  REVIEWED_MARK,
} from '../profile-change-model';
import { RecentProfileChanges } from './recent-profile-changes';

const SCRIPT = '<img src=x onerror="window.pwned = true"><script>window.pwned = true</script>';
const v = (versionId: string, tags: Coding[], fields: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId, lastUpdated: '2026-11-20T09:30:00Z', tag: tags },
  ...fields,
});
const bundle = (resources: object[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: resources.map((resource) => ({ resource })),
});
const proposal = {
  resourceType: 'Task',
  id: 't1',
  status: 'requested',
  code: { coding: [{ system: PROPOSAL_SYSTEM, code: PROPOSAL_CODE }] },
  for: { reference: 'Patient/p1' },
  authoredOn: '2026-11-21',
  input: [
    { type: { coding: [{ system: FIELD_SYSTEM, code: BASE_VERSION }] }, valueString: '2' },
    { type: { coding: [{ system: FIELD_SYSTEM, code: 'gender' }] }, valueString: '"other"' },
  ],
};

describe('RecentProfileChanges (chart)', () => {
  let fixture: ComponentFixture<RecentProfileChanges>;
  let http: HttpTestingController;
  let page: HTMLElement;

  function open(history: Patient[], tasks: object[]): void {
    fixture = TestBed.createComponent(RecentProfileChanges);
    fixture.componentRef.setInput('patientId', 'p1');
    page = atPhoneWidth(fixture.nativeElement);
    fixture.detectChanges();
    expect(page.querySelector('[role=status]')?.textContent).toContain('Loading profile changes…');
    http.expectOne('/fhir/R4/Patient/p1/_history?_count=20').flush(bundle(history));
    const search = http.expectOne((r) => r.url === '/fhir/R4/Task');
    expect(search.request.params.get('subject')).toBe('Patient/p1');
    expect(search.request.params.get('status')).toBe('requested');
    search.flush(bundle([...tasks, ...history.slice(0, 1)]));
    fixture.detectChanges();
  }

  beforeEach(() => {
    http = configureHttpTesting([provideRouter([])]);
  });

  afterEach(() => http.verify());

  it("shows the patient's latest change old → new, not reviewed yet, and the pending proposal with the inbox link", () => {
    open(
      [v('2', [PATIENT_UPDATE_MARK], { gender: 'female', birthDate: '1980-01-02' }), v('1', [], { gender: 'male' })],
      [proposal],
    );
    expect(page.querySelector('h2')?.textContent).toBe('Recent profile changes');
    const latest = page.querySelector('.latest')!;
    expect(latest.querySelector('.badge')?.textContent).toBe('Not reviewed yet');
    expect(Array.from(latest.querySelectorAll('dt')).map((d) => d.textContent)).toEqual(['Gender', 'Birth date']);
    expect(latest.querySelector('.before')?.textContent).toBe('Male');
    expect(latest.querySelector('.after')?.textContent).toBe('Female');
    const pending = page.querySelector('.pending')!;
    expect(pending.textContent).toContain('waiting for a decision');
    expect(pending.querySelector('.before')?.textContent).toBe('Female');
    expect(pending.querySelector('.after')?.textContent).toBe('Other');
    expect(page.querySelector('a.to-inbox')?.getAttribute('href')).toBe('/inbox');
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
  });

  it('says a reviewed change is reviewed (no inbox link), and says when there is nothing', () => {
    open(
      [v('3', [PATIENT_UPDATE_MARK, REVIEWED_MARK]), v('2', [PATIENT_UPDATE_MARK], { gender: 'female' }), v('1', [])],
      [],
    );
    expect(page.querySelector('.badge')?.textContent).toBe('Reviewed');
    expect(page.querySelector('a.to-inbox')).toBeNull();
    open([v('1', [])], []);
    expect(page.querySelector('.empty')?.textContent).toBe('No changes made by the patient.');
  });

  it('shows script-looking text as text', () => {
    open([v('2', [PATIENT_UPDATE_MARK], { name: [{ family: SCRIPT }] }), v('1', [])], []);
    expect(page.querySelector('script, img')).toBeNull();
    expect(page.querySelector('.after')?.textContent).toBe(SCRIPT);
    expect((window as unknown as { pwned?: boolean }).pwned).toBeUndefined();
  });

  it('explains a history that cannot be read', () => {
    fixture = TestBed.createComponent(RecentProfileChanges);
    fixture.componentRef.setInput('patientId', 'p1');
    page = fixture.nativeElement;
    fixture.detectChanges();
    http.expectOne('/fhir/R4/Patient/p1/_history?_count=20').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', details: { text: 'No history' } }],
      },
      { status: 403, statusText: 'Forbidden' },
    );
    http.expectOne((r) => r.url === '/fhir/R4/Task').flush(bundle([]));
    fixture.detectChanges();
    const alert = page.querySelector('[role=alert]')!;
    expect(alert.textContent).toContain("Could not read the patient's profile changes.");
    expect(alert.textContent).toContain('No history');
  });
});
