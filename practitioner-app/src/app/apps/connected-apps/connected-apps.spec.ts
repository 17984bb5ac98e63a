import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { Clipboard } from '@angular/cdk/clipboard';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatButtonHarness } from '@angular/material/button/testing';
import { MatDialogHarness } from '@angular/material/dialog/testing';
import { MatSelectHarness } from '@angular/material/select/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import type { Observable } from 'rxjs';
import {
  flushPractices,
  operationOutcome,
  setUpPractitionerTestBed,
  type TestMembership,
} from '../../practices/practices-testing';
import type { RegisteredClient } from '../practice-apps-api';
import { ConnectedApps } from './connected-apps';

const growth: RegisteredClient = {
  clientId: 'c-growth',
  name: 'Growth charts',
  kind: 'public',
  redirectUris: ['https://growth.example/cb'],
  scope: 'patient/*.rs launch openid fhirUser',
  launchUri: 'https://growth.example/launch',
};
const nightly: RegisteredClient = {
  clientId: 'c-nightly',
  name: 'Nightly export',
  kind: 'backend',
  redirectUris: [],
  scope: 'system/*.rs',
  jwksUri: 'https://nightly.example/jwks',
};
const rosterSync: RegisteredClient = {
  clientId: 'c-roster',
  name: 'Roster sync',
  kind: 'backend',
  redirectUris: [],
  scope: 'system/PractitionerRole.cruds',
  jwksUri: 'https://roster.example/jwks',
  managesAccess: true,
};
const SECRET = 'Zm9vYmFyYmF6cXV4LXRoZS1vbmUtdGltZS1zZWNyZXQ';

describe('ConnectedApps', () => {
  let fixture: ComponentFixture<ConnectedApps>;
  let http: HttpTestingController;
  let page: HTMLElement;

  beforeEach(() => {
    http = setUpPractitionerTestBed();
  });

  afterEach(() => http.verify());

  /** Opens the page for a practitioner with these memberships. */
  async function open(memberships: TestMembership[]): Promise<void> {
    fixture = TestBed.createComponent(ConnectedApps);
    page = fixture.nativeElement;
    await fixture.whenStable();
    flushPractices(http, memberships);
    await fixture.whenStable();
  }

  async function openAsAdminWith(clients: RegisteredClient[]): Promise<void> {
    await open([{ id: 'o1', name: 'Riverside', admin: true }]);
    http.expectOne({ method: 'GET', url: '/api/practices/o1/clients' }).flush(clients);
    await fixture.whenStable();
  }

  const rowTexts = () =>
    Array.from(page.querySelectorAll('tbody tr')).map((tr) => tr.querySelector('td')?.firstChild?.textContent?.trim());
  const button = (text: string) =>
    Array.from(page.querySelectorAll('button')).find((b) => b.textContent?.trim() === text);
  const documentLoader = () => TestbedHarnessEnvironment.documentRootLoader(fixture);
  const snackMessage = async () => (await documentLoader().getHarness(MatSnackBarHarness)).getMessage();

  function type(name: string, value: string): void {
    const input = page.querySelector<HTMLInputElement | HTMLTextAreaElement>(
      `pc-register-app-form [formcontrolname=${name}]`,
    )!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  it('tells a practitioner who administers no practice that the page is for administrators, asking nothing', async () => {
    await open([{ id: 'o1', name: 'Riverside', admin: false }]);
    expect(page.querySelector('.not-admin')?.textContent).toContain('you are not an administrator of any practice');
    expect(page.querySelector('table')).toBeNull();
    expect(button('Register app')).toBeUndefined();
    http.expectNone((r) => r.url.startsWith('/api/'));
  });

  it('lists the practice’s registered apps, with the bearer token', async () => {
    await open([{ id: 'o1', name: 'Riverside', admin: true }]);
    const list = http.expectOne({ method: 'GET', url: '/api/practices/o1/clients' });
    expect(list.request.headers.get('Authorization')).toBe('Bearer access-1');
    list.flush([nightly, growth]);
    await fixture.whenStable();

    expect(page.querySelector('.practice-name')?.textContent).toContain('Riverside');
    expect(rowTexts()).toEqual(['Growth charts', 'Nightly export']);
    const firstRow = page.querySelector('tbody tr')!.textContent!;
    expect(firstRow).toContain('Public');
    expect(firstRow).toContain('c-growth');
    expect(firstRow).toContain('https://growth.example/cb');
    expect(firstRow).toContain('Launch: https://growth.example/launch');
    expect(firstRow).toContain('patient/*.rs launch openid fhirUser');
    expect(button('Register app')).toBeDefined();
  });

  it('says in words which apps manage memberships and family access, and only those', async () => {
    await openAsAdminWith([nightly, rosterSync, growth]);
    expect(rowTexts()).toEqual(['Growth charts', 'Nightly export', 'Roster sync']);
    const badges = (name: string) => {
      const row = Array.from(page.querySelectorAll('tbody tr')).find(
        (tr) => tr.querySelector('td')?.firstChild?.textContent?.trim() === name,
      )!;
      return Array.from(row.querySelectorAll('.manages-access-badge')).map((b) => b.textContent?.trim());
    };
    expect(badges('Roster sync')).toEqual(['Manages memberships and family access']);
    expect(badges('Nightly export')).withContext('a backend service without it').toEqual([]);
    expect(badges('Growth charts')).toEqual([]);
    // Visible text, not hidden from assistive technology.
    const badge = page.querySelector('.manages-access-badge')!;
    expect(badge.closest('[aria-hidden=true]')).toBeNull();
    expect(badge.classList).not.toContain('visually-hidden');
  });

  it('says clearly when the server answers 403, with its OperationOutcome text', async () => {
    await open([{ id: 'o1', name: 'Riverside', admin: true }]);
    http
      .expectOne('/api/practices/o1/clients')
      .flush(operationOutcome('Only administrators of this practice manage its clients'), {
        status: 403,
        statusText: 'Forbidden',
      });
    await fixture.whenStable();
    const alert = page.querySelector('.forbidden[role=alert]')?.textContent ?? '';
    expect(alert).toContain('You are not allowed to manage the apps of Riverside.');
    expect(alert).toContain('Only administrators of this practice manage its clients');
    expect(page.querySelector('table')).toBeNull();
    expect(button('Register app')).toBeUndefined();
  });

  it('shows other errors with a way to try again', async () => {
    await open([{ id: 'o1', name: 'Riverside', admin: true }]);
    http
      .expectOne('/api/practices/o1/clients')
      .flush(operationOutcome('Storage unavailable', 'exception'), { status: 503, statusText: 'Unavailable' });
    await fixture.whenStable();
    expect(page.querySelector('[role=alert]')?.textContent).toContain('Storage unavailable');
    button('Try again')!.click();
    http.expectOne('/api/practices/o1/clients').flush([growth]);
    await fixture.whenStable();
    expect(rowTexts()).toEqual(['Growth charts']);
  });

  it('lists the apps of the practice picked, among several administered, closing the register form', async () => {
    await open([
      { id: 'o1', name: 'Riverside', admin: true },
      { id: 'o2', name: 'Hilltop', admin: true },
      { id: 'o3', name: 'Annex', admin: false },
    ]);
    // Sorted by name: Hilltop first.
    http.expectOne('/api/practices/o2/clients').flush([nightly]);
    await fixture.whenStable();
    button('Register app')!.click();
    await fixture.whenStable();
    expect(page.querySelector('pc-register-app-form')).not.toBeNull();
    const select = await TestbedHarnessEnvironment.loader(fixture).getHarness(
      MatSelectHarness.with({ selector: '.practice-select mat-select' }),
    );
    await select.clickOptions({ text: 'Riverside' });
    http.expectOne('/api/practices/o1/clients').flush([growth]);
    await fixture.whenStable();
    expect(rowTexts()).toEqual(['Growth charts']);
    expect(page.querySelector('pc-register-app-form')).toBeNull();
  });

  describe('deleting', () => {
    beforeEach(() => openAsAdminWith([growth, nightly]));

    async function clickDelete(name: string): Promise<MatDialogHarness> {
      (page.querySelector(`button[aria-label="Delete ${name}"]`) as HTMLButtonElement).click();
      return documentLoader().getHarness(MatDialogHarness);
    }

    it('asks first, and deletes nothing when cancelled', async () => {
      const dialog = await clickDelete('Growth charts');
      expect(await dialog.getTitleText()).toBe('Delete “Growth charts”?');
      expect(await dialog.getContentText()).toContain('c-growth');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
      await fixture.whenStable();
      expect(await documentLoader().getAllHarnesses(MatDialogHarness)).toEqual([]);
      http.expectNone((r) => r.method === 'DELETE');
      expect(rowTexts()).toEqual(['Growth charts', 'Nightly export']);
    });

    it('deletes the client once confirmed and removes it from the list', async () => {
      const dialog = await clickDelete('Growth charts');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Delete app' }))).click();
      await fixture.whenStable();
      const req = http.expectOne({ method: 'DELETE', url: '/api/practices/o1/clients/c-growth' });
      expect(req.request.headers.get('Authorization')).toBe('Bearer access-1');
      req.flush(null, { status: 204, statusText: 'No Content' });
      await fixture.whenStable();
      expect(rowTexts()).toEqual(['Nightly export']);
      expect(await snackMessage()).toBe('“Growth charts” was deleted.');
    });

    it('shows the server’s text when the delete is refused, and keeps the app listed', async () => {
      const dialog = await clickDelete('Nightly export');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Delete app' }))).click();
      await fixture.whenStable();
      http
        .expectOne('/api/practices/o1/clients/c-nightly')
        .flush(operationOutcome('Only administrators of this practice manage its clients'), {
          status: 403,
          statusText: 'Forbidden',
        });
      await fixture.whenStable();
      expect(await snackMessage()).toBe(
        'Could not delete “Nightly export”: Only administrators of this practice manage its clients',
      );
      expect(rowTexts()).toEqual(['Growth charts', 'Nightly export']);
    });
  });

  describe('registering', () => {
    beforeEach(async () => {
      await openAsAdminWith([growth]);
      button('Register app')!.click();
      await fixture.whenStable();
    });

    async function registerConfidentialClient(): Promise<void> {
      const select = await TestbedHarnessEnvironment.loader(fixture).getHarness(MatSelectHarness);
      await select.open();
      await select.clickOptions({ text: /client secret/ });
      type('name', 'Billing');
      type('redirectUris', 'https://billing.example/cb');
      type('scope', 'user/*.rs openid fhirUser');
      page.querySelector('pc-register-app-form form')!.dispatchEvent(new Event('submit'));
      await fixture.whenStable();
      const req = http.expectOne({ method: 'POST', url: '/api/practices/o1/clients' });
      expect(req.request.body.kind).toBe('confidential-symmetric');
      req.flush({ clientId: 'c-billing', clientSecret: SECRET }, { status: 201, statusText: 'Created' });
      await fixture.whenStable();
    }

    it('shows the secret once, with a copy button and a warning, until “Done”', async () => {
      await registerConfidentialClient();
      // The form closes and the list is read again; the list never carries the secret.
      expect(page.querySelector('pc-register-app-form')).toBeNull();
      http.expectOne({ method: 'GET', url: '/api/practices/o1/clients' }).flush([
        {
          clientId: 'c-billing',
          name: 'Billing',
          kind: 'confidential-symmetric',
          redirectUris: ['https://billing.example/cb'],
          scope: 'user/*.rs openid fhirUser',
        },
        growth,
      ]);
      await fixture.whenStable();
      expect(rowTexts()).toEqual(['Billing', 'Growth charts']);

      const panel = page.querySelector('.credentials')!;
      expect(panel.querySelector('h2')?.textContent).toContain('“Billing” is registered');
      expect(panel.querySelector('.client-id')?.textContent).toBe('c-billing');
      expect(panel.querySelector('.client-secret')?.textContent).toBe(SECRET);
      expect(panel.querySelector('.warning[role=alert]')?.textContent).toContain('you will not see this again');
      expect(page.textContent!.split(SECRET).length - 1)
        .withContext('the secret appears exactly once')
        .toBe(1);

      const copy = spyOn(TestBed.inject(Clipboard), 'copy').and.returnValue(true);
      button('Copy secret')!.click();
      expect(copy).toHaveBeenCalledOnceWith(SECRET);
      expect(await snackMessage()).toBe('Client secret copied to the clipboard.');

      button('Done, I have stored the secret')!.click();
      await fixture.whenStable();
      expect(page.querySelector('.credentials')).toBeNull();
      expect(page.textContent).not.toContain(SECRET);
      expect(page.textContent).toContain('c-billing'); // still listed, without its secret
    });

    it('asks before the page is left while the secret is on screen, and not once it is dismissed', async () => {
      expect(fixture.componentInstance.confirmLeave()).toBeTrue();
      await registerConfidentialClient();
      http.expectOne('/api/practices/o1/clients').flush([growth]);
      await fixture.whenStable();

      const answers: boolean[] = [];
      const ask = () =>
        (fixture.componentInstance.confirmLeave() as Observable<boolean>).subscribe((a) => answers.push(a));
      ask();
      let dialog = await documentLoader().getHarness(MatDialogHarness);
      expect(await dialog.getTitleText()).toBe('Leave without the client secret?');
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Cancel' }))).click();
      await fixture.whenStable();
      expect(answers).toEqual([false]);

      ask();
      dialog = await documentLoader().getHarness(MatDialogHarness);
      await (await dialog.getHarness(MatButtonHarness.with({ text: 'Leave' }))).click();
      await fixture.whenStable();
      expect(answers).toEqual([false, true]);

      button('Done, I have stored the secret')!.click();
      await fixture.whenStable();
      expect(fixture.componentInstance.confirmLeave()).toBeTrue();
    });

    it('tells the user to copy by hand when the clipboard refuses', async () => {
      await registerConfidentialClient();
      http.expectOne('/api/practices/o1/clients').flush([growth]);
      await fixture.whenStable();
      spyOn(TestBed.inject(Clipboard), 'copy').and.returnValue(false);
      button('Copy secret')!.click();
      expect(await snackMessage()).toBe('Could not copy the client secret: select it and copy it by hand.');
      expect(page.querySelector('.client-secret')?.textContent).toBe(SECRET);
    });

    it('shows the client ID without a secret warning for a public client', async () => {
      type('name', 'Growth charts 2');
      type('redirectUris', 'https://growth2.example/cb');
      type('scope', 'launch openid');
      page.querySelector('pc-register-app-form form')!.dispatchEvent(new Event('submit'));
      await fixture.whenStable();
      http
        .expectOne({ method: 'POST', url: '/api/practices/o1/clients' })
        .flush({ clientId: 'c-g2' }, { status: 201, statusText: 'Created' });
      await fixture.whenStable();
      http.expectOne({ method: 'GET', url: '/api/practices/o1/clients' }).flush([growth]);
      await fixture.whenStable();
      expect(page.querySelector('.credentials .client-id')?.textContent).toBe('c-g2');
      expect(page.querySelector('.credentials .warning')).toBeNull();
      expect(page.querySelector('.client-secret')).toBeNull();
      button('Done')!.click();
      await fixture.whenStable();
      expect(page.querySelector('.credentials')).toBeNull();
    });

    it('closes the form on Cancel without sending anything', async () => {
      button('Cancel')!.click();
      await fixture.whenStable();
      expect(page.querySelector('pc-register-app-form')).toBeNull();
      http.expectNone((r) => r.method === 'POST');
    });
  });
});
