import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import type { HarnessLoader } from '@angular/cdk/testing';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MatInputHarness } from '@angular/material/input/testing';
import { MatRadioGroupHarness } from '@angular/material/radio/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { atPhoneWidth } from '@web-shared/shell/testing';
import {
  flushPractices,
  operationOutcome,
  setUpPractitionerTestBed,
  type TestMembership,
} from '../../practices/practices-testing';
import {
  NOTE_SHARING_URL,
  PATIENT_UPDATES_URL,
  PORTAL_CONTACT_URL,
  PORTAL_CRISIS_TEXT_URL,
  type PracticeRecord,
  SHARING_DEFAULT_URL,
} from '../settings-model';
import { CONFLICT_MESSAGE, PortalSettingsPage, SAVED_MESSAGE } from './portal-settings';

const riverside = (versionId = '3', extension: PracticeRecord['extension'] = []): PracticeRecord => ({
  resourceType: 'Organization',
  id: 'o1',
  meta: { versionId },
  name: 'Riverside',
  extension: [
    { url: 'https://elsewhere.example/ext', valueString: 'kept' },
    { url: NOTE_SHARING_URL, valueBoolean: true },
    { url: SHARING_DEFAULT_URL, valueCode: 'results' },
    { url: PORTAL_CRISIS_TEXT_URL, valueString: 'Call 000.' },
    ...(extension ?? []),
  ],
});

describe('PortalSettingsPage', () => {
  let fixture: ComponentFixture<PortalSettingsPage>;
  let http: HttpTestingController;
  let page: HTMLElement;
  let loader: HarnessLoader;

  beforeEach(() => {
    http = setUpPractitionerTestBed();
  });

  afterEach(() => http.verify());

  async function open(memberships: TestMembership[], phone = false): Promise<void> {
    fixture = TestBed.createComponent(PortalSettingsPage);
    page = fixture.nativeElement;
    if (phone) atPhoneWidth(page);
    loader = TestbedHarnessEnvironment.loader(fixture);
    await fixture.whenStable();
    flushPractices(http, memberships);
    await fixture.whenStable();
  }

  async function openAsAdmin(record = riverside(), phone = false): Promise<void> {
    await open([{ id: 'o1', name: 'Riverside', admin: true }], phone);
    expect(page.querySelector('mat-progress-bar')).not.toBeNull();
    http.expectOne({ method: 'GET', url: '/fhir/R4/Organization/o1' }).flush(record);
    await fixture.whenStable();
  }

  const status = () => page.querySelector('[role="status"]')?.textContent?.trim() ?? '';
  const alert = () => page.querySelector('[role="alert"]')?.textContent ?? '';
  const radioGroup = (label: string) =>
    loader.getHarness(MatRadioGroupHarness.with({ selector: `[aria-labelledby="${label}"]` }));
  const checkbox = (label: string) => loader.getHarness(MatCheckboxHarness.with({ label }));
  const save = async () => (await loader.getHarness(MatButtonHarness.with({ text: 'Save settings' }))).click();

  it('explains the page to a practitioner who administers no practice, and reads nothing', async () => {
    await open([{ id: 'o1', name: 'Riverside', admin: false }]);
    expect(page.querySelector('.not-admin')?.textContent).toContain('managed by practice administrators');
    expect(page.querySelector('form')).toBeNull();
    http.expectNone('/fhir/R4/Organization/o1');
  });

  it('reads the settings of the practice picked, among several administered', async () => {
    await open([
      { id: 'o1', name: 'Riverside', admin: true },
      { id: 'o2', name: 'Hilltop', admin: true },
    ]);
    // Sorted by name: Hilltop first.
    http
      .expectOne({ method: 'GET', url: '/fhir/R4/Organization/o2' })
      .flush({ ...riverside(), id: 'o2', name: 'Hilltop' });
    await fixture.whenStable();
    expect(page.querySelector('form')).not.toBeNull();
    await (
      await loader.getHarness(MatSelectHarness.with({ selector: '.practice-select mat-select' }))
    ).clickOptions({
      text: 'Riverside',
    });
    http.expectOne({ method: 'GET', url: '/fhir/R4/Organization/o1' }).flush(riverside());
    await fixture.whenStable();
    expect(await (await radioGroup('notes-label')).getCheckedValue()).toBe('true');
  });

  it('shows the stored settings, absent ones as off', async () => {
    await openAsAdmin();
    expect(await (await radioGroup('invitations-label')).getCheckedValue()).toBe('false');
    expect(await (await radioGroup('updates-label')).getCheckedValue()).toBe('disabled');
    expect(await (await radioGroup('notes-label')).getCheckedValue()).toBe('true');
    expect(await (await checkbox('Results')).isChecked()).toBeTrue();
    expect(await (await checkbox('Clinical notes')).isChecked()).toBeFalse();
    expect(page.textContent).toContain(
      'Update automatically: Updates are imported into the patient’s record, and you are not notified.',
    );
    expect(page.textContent).toContain('restricted (R) or very restricted (V) are never covered by a default');
    const crisis = await loader.getHarness(MatInputHarness.with({ selector: 'textarea' }));
    expect(await crisis.getValue()).toBe('Call 000.');
  });

  it('saves with one PUT guarded by If-Match, keeping other extensions, and says so in the live region', async () => {
    await openAsAdmin();
    await (await radioGroup('invitations-label')).checkRadioButton({ label: /^Enabled/ });
    await (await radioGroup('updates-label')).checkRadioButton({ label: /^Review each change/ });
    await (await checkbox('Clinical notes')).check();
    await (
      await loader.getHarness(MatInputHarness.with({ selector: 'input[type="email"]' }))
    ).setValue('desk@example.org');
    await save();
    const req = http.expectOne({ method: 'PUT', url: '/fhir/R4/Organization/o1' });
    expect(req.request.headers.get('If-Match')).toBe('W/"3"');
    const body = req.request.body as PracticeRecord;
    expect(body.name).toBe('Riverside');
    expect(body.extension).toContain({ url: 'https://elsewhere.example/ext', valueString: 'kept' });
    expect(body.extension).toContain({ url: PATIENT_UPDATES_URL, valueCode: 'review' });
    expect(body.extension).toContain({ url: SHARING_DEFAULT_URL, valueCode: 'notes' });
    expect(body.extension).toContain({
      url: PORTAL_CONTACT_URL,
      valueContactPoint: { system: 'email', value: 'desk@example.org', use: 'work' },
    });
    expect(status()).toContain('Saving settings');
    req.flush({ ...body, meta: { versionId: '4' } });
    await fixture.whenStable();
    expect(status()).toContain(SAVED_MESSAGE);
    // The next save is guarded by the version just written.
    await save();
    expect(http.expectOne({ method: 'PUT', url: '/fhir/R4/Organization/o1' }).request.headers.get('If-Match')).toBe(
      'W/"4"',
    );
  });

  it('on a version conflict, reloads the record and says so in plain words', async () => {
    await openAsAdmin();
    await (await checkbox('Allergies')).check();
    await save();
    http
      .expectOne({ method: 'PUT', url: '/fhir/R4/Organization/o1' })
      .flush(operationOutcome('If-Match W/"3" does not match the current version (4)', 'conflict'), {
        status: 412,
        statusText: 'Precondition Failed',
      });
    await fixture.whenStable();
    http
      .expectOne({ method: 'GET', url: '/fhir/R4/Organization/o1' })
      .flush(riverside('4', [{ url: SHARING_DEFAULT_URL, valueCode: 'immunizations' }]));
    await fixture.whenStable();
    expect(status()).toContain(CONFLICT_MESSAGE);
    expect(await (await checkbox('Allergies')).isChecked()).toBeFalse();
    expect(await (await checkbox('Immunizations')).isChecked()).toBeTrue();
  });

  it('explains a refusal and a refused value in words', async () => {
    await openAsAdmin();
    await save();
    http
      .expectOne({ method: 'PUT', url: '/fhir/R4/Organization/o1' })
      .flush(operationOutcome('Only an administrator of the practice may change its settings'), {
        status: 403,
        statusText: 'Forbidden',
      });
    await fixture.whenStable();
    expect(alert()).toContain('only administrators of the practice can');
    expect(alert()).toContain('Only an administrator of the practice may change its settings');
    await save();
    http.expectOne({ method: 'PUT', url: '/fhir/R4/Organization/o1' }).flush(
      {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'error',
            code: 'invalid',
            details: { text: 'portal-crisis-text: must be text of 1 to 2000 characters' },
            expression: ['Organization.extension[3].valueString'],
          },
        ],
      },
      { status: 400, statusText: 'Bad Request' },
    );
    await fixture.whenStable();
    expect(alert()).toContain('Organization.extension[3].valueString: portal-crisis-text: must be text of 1 to 2000');
  });

  it('does not send an age outside 1 to 25, and takes the keyboard to the field', async () => {
    await openAsAdmin();
    const age = await loader.getHarness(MatInputHarness.with({ selector: 'input[type="number"]' }));
    await age.setValue('30');
    await save();
    await fixture.whenStable();
    http.expectNone({ method: 'PUT', url: '/fhir/R4/Organization/o1' });
    expect(document.activeElement).toBe(page.querySelector('input[type="number"]'));
    expect(page.textContent).toContain('Enter a whole number of years from 1 to 25.');
  });

  it('fits a 390 px screen without scrolling sideways', async () => {
    await openAsAdmin(riverside(), true);
    const form = page.querySelector('form') as HTMLElement;
    expect(page.scrollWidth).toBeLessThanOrEqual(390);
    expect(form.getBoundingClientRect().width).toBeLessThanOrEqual(390);
  });
});
