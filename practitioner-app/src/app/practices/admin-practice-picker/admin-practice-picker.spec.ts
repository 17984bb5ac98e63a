import type { HttpTestingController } from '@angular/common/http/testing';
import { Component } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatSelectHarness } from '@angular/material/select/testing';
import { AdminPracticeChoice } from '../admin-practice-choice';
import {
  expectPracticesRequest,
  flushPractices,
  operationOutcome,
  setUpPractitionerTestBed,
  type TestMembership,
} from '../practices-testing';
import { AdminPracticePicker } from './admin-practice-picker';

const NOT_ADMIN = 'These are managed by practice administrators, and you are not an administrator of any practice.';

/** An administrators' page as the real ones use the picker: the choice is the page's, the picker shows it. */
@Component({
  imports: [AdminPracticePicker],
  template: `
    <pc-admin-practice-picker
      [choice]="choice"
      label="Settings of"
      [notAdmin]="notAdmin"
      (picked)="picked.push($event)"
    />
  `,
})
class TestPage {
  readonly choice = new AdminPracticeChoice();
  readonly notAdmin = NOT_ADMIN;
  readonly picked: string[] = [];
}

describe('AdminPracticePicker', () => {
  let fixture: ComponentFixture<TestPage>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = setUpPractitionerTestBed();
  });

  afterEach(() => http.verify());

  async function create(): Promise<void> {
    fixture = TestBed.createComponent(TestPage);
    page = fixture.nativeElement;
    await fixture.whenStable();
  }

  async function open(memberships: TestMembership[]): Promise<void> {
    await create();
    flushPractices(http, memberships);
    await fixture.whenStable();
  }

  const choice = () => fixture.componentInstance.choice;
  const button = (text: string) =>
    Array.from(page.querySelectorAll('button')).find((b) => b.textContent?.trim() === text);

  it('shows nothing while the practices are read', async () => {
    await create();
    expect(choice().status()).toBe('loading');
    expect(page.textContent?.trim()).toBe('');
    flushPractices(http, [{ id: 'o1', name: 'Riverside', admin: true }]);
  });

  it('explains, in the page’s words, that the practitioner administers no practice', async () => {
    await open([{ id: 'o1', name: 'Riverside', admin: false }]);
    expect(page.querySelector('.not-admin')?.textContent?.trim()).toBe(NOT_ADMIN);
    expect(page.querySelector('mat-select')).toBeNull();
    expect(choice().practice()).toBeNull();
    expect(choice().practiceId()).toBeNull();
  });

  it('names the one practice administered after the page’s label, without a select', async () => {
    await open([
      { id: 'o1', name: 'Riverside', admin: true },
      { id: 'o2', name: 'Annex', admin: false },
    ]);
    expect(page.querySelector('.practice-name')?.textContent?.replace(/\s+/g, ' ').trim()).toBe(
      'Settings of Riverside',
    );
    expect(page.querySelector('.practice-name strong')?.textContent).toBe('Riverside');
    expect(page.querySelector('mat-select')).toBeNull();
    expect(page.querySelector('.not-admin')).toBeNull();
    expect(choice().practiceId()).toBe('o1');
  });

  it('says when the practices cannot be read (role=alert), and reads them again on “Try again”', async () => {
    await create();
    expectPracticesRequest(http).flush(operationOutcome('Search failed', 'exception'), {
      status: 500,
      statusText: 'Error',
    });
    await fixture.whenStable();
    const alert = page.querySelector('[role=alert]')?.textContent ?? '';
    expect(alert).toContain('Could not read your practices.');
    expect(alert).toContain('Search failed');
    expect(page.querySelector('.not-admin')).withContext('an error is not “not an administrator”').toBeNull();
    expect(choice().practice()).toBeNull();
    button('Try again')!.click();
    flushPractices(http, [{ id: 'o1', name: 'Riverside', admin: true }]);
    await fixture.whenStable();
    expect(page.querySelector('[role=alert]')).toBeNull();
    expect(page.querySelector('.practice-name')?.textContent).toContain('Riverside');
    expect(choice().practiceId()).toBe('o1');
  });

  it('offers a labelled select of the administered practices when there are several, the first picked', async () => {
    await open([
      { id: 'o1', name: 'Riverside', admin: true },
      { id: 'o2', name: 'Hilltop', admin: true },
      { id: 'o3', name: 'Annex', admin: false },
    ]);
    const select = await TestbedHarnessEnvironment.loader(fixture).getHarness(MatSelectHarness);
    // The form field's label names the select for assistive technology.
    const labelId = page.querySelector('mat-label')?.closest('label')?.id;
    expect(labelId).toBeTruthy();
    expect(page.querySelector('mat-select')?.getAttribute('aria-labelledby')).toContain(labelId!);
    expect(page.querySelector('mat-label')?.textContent?.trim()).toBe('Practice');
    // Sorted by name: Hilltop first, and on screen.
    expect(await select.getValueText()).toBe('Hilltop');
    expect(choice().practiceId()).toBe('o2');
    await select.open();
    expect(await Promise.all((await select.getOptions()).map((o) => o.getText()))).toEqual(['Hilltop', 'Riverside']);
    await select.clickOptions({ text: 'Riverside' });
    await fixture.whenStable();
    expect(choice().practiceId()).toBe('o1');
    expect(fixture.componentInstance.picked).toEqual(['o1']);
    expect(await select.getValueText()).toBe('Riverside');
    // The keyboard stays on the select once the panel closes.
    expect(document.activeElement).toBe(page.querySelector('mat-select'));
  });
});
