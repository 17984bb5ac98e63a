import { HttpTestingController } from '@angular/common/http/testing';
import { Injectable } from '@angular/core';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { MatMenuHarness } from '@angular/material/menu/testing';
import { MatSnackBarHarness } from '@angular/material/snack-bar/testing';
import { provideRouter } from '@angular/router';
import { provideAuthHttpTesting, signInForTest } from '@web-shared/auth/testing';
import { AUTH_OPTIONS } from '../../app.config';
import { flushPractices, operationOutcome } from '../../practices/practices-testing';
import { AppWindow, type LaunchableApp } from '../practice-apps-api';
import { LaunchAppMenu } from './launch-app-menu';

@Injectable()
class FakeAppWindow extends AppWindow {
  readonly opened: string[] = [];
  override openInNewTab(url: string): void {
    this.opened.push(url);
  }
}

const growthCharts: LaunchableApp = {
  clientId: 'c-growth',
  name: 'Growth charts',
  launchUri: 'https://growth.example/launch',
};
const cardiology: LaunchableApp = {
  clientId: 'c-cardio',
  name: 'Cardiology risk',
  launchUri: 'https://cardio.example/smart/launch.html?tenant=7',
};
const ISS = 'https://app.example/fhir/R4';

describe('LaunchAppMenu', () => {
  let fixture: ComponentFixture<LaunchAppMenu>;
  let http: HttpTestingController;
  let appWindow: FakeAppWindow;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideAuthHttpTesting(AUTH_OPTIONS),
        provideRouter([]),
        { provide: AppWindow, useClass: FakeAppWindow },
        { provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } },
      ],
    });
    http = TestBed.inject(HttpTestingController);
    appWindow = TestBed.inject(AppWindow) as FakeAppWindow;
    signInForTest({ access_token: 'access-1' }, 'Practitioner/p1');
    fixture = TestBed.createComponent(LaunchAppMenu);
    fixture.componentRef.setInput('patientId', 'pat-7');
    fixture.componentRef.setInput('patientName', 'Lovelace, Ada');
  });

  afterEach(() => http.verify());

  const loader = () => TestbedHarnessEnvironment.loader(fixture);
  const documentLoader = () => TestbedHarnessEnvironment.documentRootLoader(fixture);

  async function openMenu(): Promise<MatMenuHarness> {
    const menu = await loader().getHarness(MatMenuHarness);
    await menu.open();
    return menu;
  }

  async function itemTexts(menu: MatMenuHarness): Promise<string[]> {
    return Promise.all((await menu.getItems()).map((item) => item.getText()));
  }

  it('names the patient in the button’s accessible name', async () => {
    await fixture.whenStable();
    const button = fixture.nativeElement.querySelector('button') as HTMLButtonElement;
    expect(button.textContent?.trim()).toBe('Launch app');
    expect(button.getAttribute('aria-label')).toBe('Launch an app for Lovelace, Ada');
  });

  it('lists the practice’s launchable apps when opened, with the bearer token', async () => {
    const menu = await openMenu();
    flushPractices(http, [{ id: 'o1', name: 'Riverside' }]);
    const apps = http.expectOne('/api/practices/o1/apps');
    expect(apps.request.method).toBe('GET');
    expect(apps.request.headers.get('Authorization')).toBe('Bearer access-1');
    apps.flush([growthCharts, cardiology]);
    expect(await itemTexts(menu)).toEqual(['Cardiology risk', 'Growth charts']);
  });

  it('posts the patient for a launch context and opens exactly the app’s launch URL with iss and launch', async () => {
    const menu = await openMenu();
    flushPractices(http, [{ id: 'o1', name: 'Riverside' }]);
    http.expectOne('/api/practices/o1/apps').flush([growthCharts]);
    await menu.clickItem({ text: 'Growth charts' });

    const launch = http.expectOne('/api/ehr-launch');
    expect(launch.request.method).toBe('POST');
    expect(launch.request.body).toEqual({ patient: 'pat-7' });
    expect(launch.request.headers.get('Authorization')).toBe('Bearer access-1');
    expect(appWindow.opened).toEqual([]);
    launch.flush({ launch: 'l+/=x y', iss: ISS }, { status: 201, statusText: 'Created' });

    expect(appWindow.opened).toEqual([
      'https://growth.example/launch?iss=https%3A%2F%2Fapp.example%2Ffhir%2FR4&launch=l%2B%2F%3Dx%20y',
    ]);
    const snack = await documentLoader().getHarness(MatSnackBarHarness);
    expect(await snack.getMessage()).toContain('Growth charts opened in a new tab');
  });

  it('sends the encounter in view with the patient, and keeps a launch URI’s own query', async () => {
    fixture.componentRef.setInput('encounterId', 'enc-3');
    const menu = await openMenu();
    flushPractices(http, [{ id: 'o1', name: 'Riverside' }]);
    http.expectOne('/api/practices/o1/apps').flush([cardiology]);
    await menu.clickItem({ text: 'Cardiology risk' });
    const launch = http.expectOne('/api/ehr-launch');
    expect(launch.request.body).toEqual({ patient: 'pat-7', encounter: 'enc-3' });
    launch.flush({ launch: 'abc', iss: ISS }, { status: 201, statusText: 'Created' });
    expect(appWindow.opened).toEqual([
      'https://cardio.example/smart/launch.html?tenant=7&iss=https%3A%2F%2Fapp.example%2Ffhir%2FR4&launch=abc',
    ]);
  });

  it('shows the server’s OperationOutcome text in a snackbar when the launch is refused, and opens nothing', async () => {
    const menu = await openMenu();
    flushPractices(http, [{ id: 'o1', name: 'Riverside' }]);
    http.expectOne('/api/practices/o1/apps').flush([growthCharts]);
    await menu.clickItem({ text: 'Growth charts' });
    http.expectOne('/api/ehr-launch').flush(operationOutcome('Only practitioners launch apps from the console'), {
      status: 403,
      statusText: 'Forbidden',
    });

    const snack = await documentLoader().getHarness(MatSnackBarHarness);
    expect(await snack.getMessage()).toBe(
      'Could not launch Growth charts: Only practitioners launch apps from the console',
    );
    expect(appWindow.opened).toEqual([]);
  });

  it('refuses to open a launch URI that is not http(s)', async () => {
    const menu = await openMenu();
    flushPractices(http, [{ id: 'o1', name: 'Riverside' }]);
    http
      .expectOne('/api/practices/o1/apps')
      .flush([{ clientId: 'evil', name: 'Evil', launchUri: 'javascript:alert(1)' }]);
    await menu.clickItem({ text: 'Evil' });
    http.expectOne('/api/ehr-launch').flush({ launch: 'abc', iss: ISS }, { status: 201, statusText: 'Created' });
    expect(appWindow.opened).toEqual([]);
    const snack = await documentLoader().getHarness(MatSnackBarHarness);
    expect(await snack.getMessage()).toContain('Could not launch Evil');
  });

  it('groups the apps by practice when the practitioner has several', async () => {
    const menu = await openMenu();
    flushPractices(http, [
      { id: 'o1', name: 'Riverside' },
      { id: 'o2', name: 'Hilltop' },
    ]);
    http.expectOne('/api/practices/o1/apps').flush([growthCharts]);
    http.expectOne('/api/practices/o2/apps').flush([]);
    expect(await itemTexts(menu)).toEqual(['No apps are registered for Hilltop.', 'Growth charts']);
    const headings = Array.from(document.querySelectorAll('.practice-heading')).map((h) => h.textContent?.trim());
    expect(headings).toEqual(['Hilltop', 'Riverside']);
  });

  it('says so when the apps cannot be read', async () => {
    const menu = await openMenu();
    flushPractices(http, [{ id: 'o1', name: 'Riverside' }]);
    http
      .expectOne('/api/practices/o1/apps')
      .flush(operationOutcome('The practice is closed', 'processing'), { status: 500, statusText: 'Server Error' });
    expect(await itemTexts(menu)).toEqual(['Could not load the apps: The practice is closed']);
  });

  it('says so when the practitioner belongs to no practice', async () => {
    const menu = await openMenu();
    flushPractices(http, []);
    expect(await itemTexts(menu)).toEqual(['You are not a member of any practice.']);
  });
});
