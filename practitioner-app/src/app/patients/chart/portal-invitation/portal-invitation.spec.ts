import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { configureHttpTesting } from '@web-shared/testing';
import type { Organization, Patient } from '@web-shared/fhir';
import { PortalInvitation } from './portal-invitation';
import {
  INVITATION_CODE,
  invitationState,
  type InvitationTask,
  PATIENT_INVITATIONS_URL,
  PORTAL_TASKS_SYSTEM,
} from './invitation-model';

const patient = (email?: string): Patient => ({
  resourceType: 'Patient',
  id: 'p1',
  name: [{ family: 'Nguyen', given: ['Olivia'] }],
  ...(email ? { telecom: [{ system: 'email', value: email }] } : {}),
});
const practice = (on: boolean): Organization => ({
  resourceType: 'Organization',
  id: 'org-1',
  extension: [{ url: PATIENT_INVITATIONS_URL, valueBoolean: on }],
});
const task = (status: string, business = 'sent', end = '2099-01-01T00:00:00Z'): InvitationTask => ({
  resourceType: 'Task',
  id: 't1',
  status,
  businessStatus: { coding: [{ system: PORTAL_TASKS_SYSTEM, code: business }] },
  restriction: { period: { end } },
});
const bundle = (...tasks: InvitationTask[]) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  entry: tasks.map((resource) => ({ resource })),
});

describe('PortalInvitation', () => {
  let fixture: ComponentFixture<PortalInvitation>;
  let http: HttpTestingController;
  let el: HTMLElement;

  function open(p: Patient, org: Organization | undefined, latest: InvitationTask[] = []): void {
    fixture = TestBed.createComponent(PortalInvitation);
    fixture.componentRef.setInput('patient', p);
    fixture.componentRef.setInput('practice', org);
    el = fixture.nativeElement as HTMLElement;
    fixture.detectChanges();
    const req = http.expectOne((r) => r.url === '/fhir/R4/Task');
    expect(req.request.params.get('subject')).toBe('Patient/p1');
    expect(req.request.params.get('code')).toBe(`${PORTAL_TASKS_SYSTEM}|${INVITATION_CODE}`);
    expect(req.request.params.get('_sort')).toBe('-_lastUpdated');
    req.flush(bundle(...latest));
    fixture.detectChanges();
  }
  const button = (text: string) =>
    Array.from(el.querySelectorAll('button')).find((b) => b.textContent?.trim() === text) as HTMLButtonElement;

  beforeEach(() => {
    http = configureHttpTesting();
  });
  afterEach(() => http.verify());

  it('invites a patient who has an e-mail when the practice allows it, then shows "sent"', () => {
    open(patient('olivia@example.org'), practice(true));
    expect(el.textContent).toContain('Not invited to the portal');
    const invite = button('Invite to portal');
    expect(invite.disabled).toBeFalse();
    invite.click();
    const req = http.expectOne('/fhir/R4/Patient/p1/$invite');
    expect(req.request.method).toBe('POST');
    req.flush(task('requested'));
    fixture.detectChanges();
    expect(el.textContent).toContain('Invitation sent');
    expect(button('Resend invitation')).toBeTruthy();
    expect(button('Revoke invitation')).toBeTruthy();
  });

  it('disables the button and says why when invitations are off', () => {
    open(patient('olivia@example.org'), practice(false));
    const invite = button('Invite to portal');
    expect(invite.disabled).toBeTrue();
    expect(invite.getAttribute('aria-describedby')).toBe('invite-blocker');
    expect(el.querySelector('#invite-blocker')?.textContent).toContain('turned off in the practice settings');
  });

  it('disables the button and says why when the patient has no e-mail', () => {
    open(patient(), practice(true));
    expect(button('Invite to portal').disabled).toBeTrue();
    expect(el.querySelector('#invite-blocker')?.textContent).toContain('no e-mail address');
  });

  it('revokes a pending invitation', () => {
    open(patient('olivia@example.org'), practice(true), [task('requested', 'opened')]);
    expect(el.textContent).toContain('Invitation opened');
    button('Revoke invitation').click();
    http.expectOne('/fhir/R4/Patient/p1/$uninvite').flush(task('cancelled', 'revoked'));
    fixture.detectChanges();
    expect(el.textContent).toContain('Invitation revoked');
    expect(button('Resend invitation')).toBeTruthy();
    expect(button('Revoke invitation')).toBeUndefined();
  });

  it("shows the server's refusal", () => {
    open(patient('olivia@example.org'), practice(true));
    button('Invite to portal').click();
    http.expectOne('/fhir/R4/Patient/p1/$invite').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'throttled', details: { text: 'Too many portal invitations sent' } }],
      },
      { status: 429, statusText: 'Too Many Requests' },
    );
    fixture.detectChanges();
    expect(el.querySelector('[role=alert]')?.textContent).toContain('Too many portal invitations sent');
  });

  it('an accepted invitation offers no button; states follow status, business status and expiry', () => {
    open(patient('olivia@example.org'), practice(true), [task('completed', 'accepted')]);
    expect(el.textContent).toContain('Invitation accepted');
    expect(el.querySelector('button')).toBeNull();
    const now = new Date('2026-06-01T00:00:00Z');
    expect(invitationState(undefined, now)).toBe('none');
    expect(invitationState(task('requested'), now)).toBe('sent');
    expect(invitationState(task('requested', 'opened'), now)).toBe('opened');
    expect(invitationState(task('requested', 'sent', '2026-05-31T00:00:00Z'), now)).toBe('expired');
    expect(invitationState(task('cancelled', 'revoked'), now)).toBe('revoked');
  });
});
