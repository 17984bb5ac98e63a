import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { TestbedHarnessEnvironment } from '@angular/cdk/testing/testbed';
import { MatCheckboxHarness } from '@angular/material/checkbox/testing';
import { MATERIAL_ANIMATIONS } from '@angular/material/core';
import { MatSelectHarness } from '@angular/material/select/testing';
import { configureHttpTesting } from '@web-shared/testing';
import { operationOutcome } from '../../practices/practices-testing';
import { RegisterAppForm, type RegisteredEvent } from './register-app-form';

const PUBLIC_JWKS = { keys: [{ kty: 'RSA', n: 'sXch', e: 'AQAB', kid: 'k1', alg: 'RS384' }] };

describe('RegisterAppForm', () => {
  let fixture: ComponentFixture<RegisterAppForm>;
  let http: HttpTestingController;
  let page: HTMLElement;
  let registered: RegisteredEvent[];

  beforeEach(async () => {
    http = configureHttpTesting([{ provide: MATERIAL_ANIMATIONS, useValue: { animationsDisabled: true } }]);
    fixture = TestBed.createComponent(RegisterAppForm);
    fixture.componentRef.setInput('practiceId', 'o1');
    registered = [];
    fixture.componentInstance.registered.subscribe((e) => registered.push(e));
    page = fixture.nativeElement;
    await fixture.whenStable();
  });

  afterEach(() => http.verify());

  const field = (name: string) =>
    page.querySelector<HTMLInputElement | HTMLTextAreaElement>(`[formcontrolname=${name}]`);
  const labels = () => Array.from(page.querySelectorAll('mat-label')).map((l) => l.textContent?.trim());
  const errorTexts = () =>
    Array.from(page.querySelectorAll('mat-error, .field-error')).map((e) => e.textContent?.trim());

  function type(name: string, value: string): void {
    const input = field(name)!;
    input.value = value;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('blur'));
  }

  async function chooseKind(text: RegExp): Promise<void> {
    const select = await TestbedHarnessEnvironment.loader(fixture).getHarness(MatSelectHarness);
    await select.open();
    await select.clickOptions({ text });
    await fixture.whenStable();
  }

  async function submit(): Promise<void> {
    page.querySelector('form')!.dispatchEvent(new Event('submit'));
    await fixture.whenStable();
  }

  it('starts as a public client: redirect and launch URIs, no keys, and a scope help text with examples', () => {
    expect(labels()).toEqual(['Name', 'Kind', 'Redirect URIs', 'Launch URI (optional)', 'Scope']);
    const scopeHint = page.querySelector('.scope-hint')?.textContent ?? '';
    expect(scopeHint).toContain('patient/*.rs launch openid fhirUser offline_access');
    expect(scopeHint).toContain('system/*.rs');
  });

  it('requires name, redirect URIs and scope, and sends nothing until they are given', async () => {
    await submit();
    expect(errorTexts()).toEqual(['Name is required', 'At least one redirect URI is required', 'Scope is required']);
    http.expectNone(() => true);
    expect(document.activeElement).toBe(field('name'));
  });

  it('explains which redirect URI is not acceptable, and a bad launch URI', async () => {
    type('name', 'Growth charts');
    type('redirectUris', 'https://growth.example/cb\nhttp://growth.example/cb');
    type('launchUri', 'growth.example/launch');
    type('scope', 'launch openid');
    await submit();
    expect(errorTexts()).toEqual([
      'http://growth.example/cb must use https (http only on localhost or 127.0.0.1)',
      'The launch URI is not an absolute URL, e.g. https://app.example/launch',
    ]);
    http.expectNone(() => true);
  });

  it('posts a public client and reports its client ID', async () => {
    type('name', ' Growth charts ');
    type('redirectUris', 'https://growth.example/cb\n\nhttp://localhost:4300/cb\n');
    type('launchUri', 'https://growth.example/launch');
    type('scope', 'patient/*.rs  launch openid fhirUser');
    await submit();

    const req = http.expectOne({ method: 'POST', url: '/api/practices/o1/clients' });
    expect(req.request.body).toEqual({
      name: 'Growth charts',
      kind: 'public',
      redirectUris: ['https://growth.example/cb', 'http://localhost:4300/cb'],
      launchUri: 'https://growth.example/launch',
      scope: 'patient/*.rs launch openid fhirUser',
    });
    req.flush({ clientId: 'c-123' }, { status: 201, statusText: 'Created' });
    expect(registered).toEqual([{ clientId: 'c-123', name: 'Growth charts' }]);
  });

  it('for a client secret client, asks for redirect URIs but no keys, and passes the secret on', async () => {
    await chooseKind(/client secret/);
    expect(labels()).toEqual(['Name', 'Kind', 'Redirect URIs', 'Launch URI (optional)', 'Scope']);
    type('name', 'Billing');
    type('scope', 'user/*.rs openid fhirUser');
    await submit();
    expect(errorTexts()).toEqual(['At least one redirect URI is required']);
    type('redirectUris', 'https://billing.example/cb');
    await submit();
    const req = http.expectOne('/api/practices/o1/clients');
    expect(req.request.body).toEqual({
      name: 'Billing',
      kind: 'confidential-symmetric',
      redirectUris: ['https://billing.example/cb'],
      scope: 'user/*.rs openid fhirUser',
    });
    req.flush({ clientId: 'c-9', clientSecret: 's3cr3t' }, { status: 201, statusText: 'Created' });
    expect(registered).toEqual([{ clientId: 'c-9', clientSecret: 's3cr3t', name: 'Billing' }]);
  });

  it('for a private key JWT client, needs redirect URIs and a JWKS URL or JWKS', async () => {
    await chooseKind(/private key JWT/);
    expect(labels()).toEqual([
      'Name',
      'Kind',
      'Redirect URIs',
      'Launch URI (optional)',
      'Scope',
      'JWKS URL',
      'JWKS (JSON)',
    ]);
    type('name', 'Cardio');
    type('scope', 'launch openid');
    await submit();
    expect(errorTexts()).toEqual([
      'At least one redirect URI is required',
      'Give a JWKS URL or paste a JWKS: this kind of app signs in with a private key.',
    ]);

    type('redirectUris', 'https://cardio.example/cb');
    type('jwksUri', 'https://cardio.example/.well-known/jwks.json');
    type('jwks', JSON.stringify(PUBLIC_JWKS));
    await submit();
    expect(errorTexts()).toEqual(['Give either a JWKS URL or a JWKS, not both.']);
    http.expectNone(() => true);

    type('jwks', '');
    await submit();
    expect(http.expectOne('/api/practices/o1/clients').request.body).toEqual({
      name: 'Cardio',
      kind: 'confidential-asymmetric',
      redirectUris: ['https://cardio.example/cb'],
      scope: 'launch openid',
      jwksUri: 'https://cardio.example/.well-known/jwks.json',
    });
  });

  it('for a backend service, asks for keys but no redirect or launch URIs, and refuses private keys', async () => {
    type('redirectUris', 'https://left.over/cb');
    await chooseKind(/Backend/);
    expect(labels()).toEqual(['Name', 'Kind', 'Scope', 'JWKS URL', 'JWKS (JSON)']);
    type('name', 'Nightly export');
    type('scope', 'system/*.rs');
    type('jwks', JSON.stringify({ keys: [{ ...PUBLIC_JWKS.keys[0], d: 'private', p: 'x' }] }));
    await submit();
    expect(errorTexts()).toEqual(['The JWKS contains private key material ("d"); paste the public keys only']);
    http.expectNone(() => true);

    type('jwks', JSON.stringify(PUBLIC_JWKS));
    await submit();
    expect(http.expectOne('/api/practices/o1/clients').request.body).toEqual({
      name: 'Nightly export',
      kind: 'backend',
      scope: 'system/*.rs',
      jwks: PUBLIC_JWKS,
    });
  });

  describe('managing memberships and family access', () => {
    const checkboxes = () =>
      TestbedHarnessEnvironment.loader(fixture).getAllHarnesses(
        MatCheckboxHarness.with({ label: 'Manage memberships and family access' }),
      );

    async function fillBackend(): Promise<void> {
      await chooseKind(/Backend/);
      type('name', 'Roster sync');
      type('scope', 'system/PractitionerRole.cruds system/RelatedPerson.cruds');
      type('jwksUri', 'https://sync.example/jwks');
    }

    it('offers the box to backend services only, unticked, with a hint the checkbox is described by', async () => {
      expect(await checkboxes())
        .withContext('public')
        .toEqual([]);
      await chooseKind(/client secret/);
      expect(await checkboxes())
        .withContext('client secret')
        .toEqual([]);
      await chooseKind(/private key JWT/);
      expect(await checkboxes())
        .withContext('private key JWT')
        .toEqual([]);

      await chooseKind(/Backend/);
      const [box] = await checkboxes();
      expect(await box.isChecked()).toBeFalse();
      expect(await box.isDisabled()).toBeFalse();
      const input = page.querySelector<HTMLInputElement>('.manages-access input[type=checkbox]')!;
      const hint = page.querySelector(`#${input.getAttribute('aria-describedby')}`)?.textContent ?? '';
      expect(hint).toContain('staff memberships');
      expect(hint).toContain('family access');
      expect(hint).toContain('Most integrations, such as lab feeds or EHR sync, do not need this');
    });

    it('sends managesAccess: true when the box is ticked', async () => {
      await fillBackend();
      const [box] = await checkboxes();
      await box.check();
      await submit();
      expect(http.expectOne({ method: 'POST', url: '/api/practices/o1/clients' }).request.body).toEqual({
        name: 'Roster sync',
        kind: 'backend',
        scope: 'system/PractitionerRole.cruds system/RelatedPerson.cruds',
        jwksUri: 'https://sync.example/jwks',
        managesAccess: true,
      });
    });

    it('sends no managesAccess when the box is left unticked', async () => {
      await fillBackend();
      await submit();
      const body = http.expectOne('/api/practices/o1/clients').request.body;
      expect(body.kind).toBe('backend');
      expect('managesAccess' in body).toBeFalse();
    });

    it('clears a tick when another kind is chosen, so it is neither sent nor carried back', async () => {
      await fillBackend();
      await (await checkboxes())[0].check();
      await chooseKind(/client secret/);
      expect(await checkboxes()).toEqual([]);
      await chooseKind(/Backend/);
      expect(await (await checkboxes())[0].isChecked()).toBeFalse();

      await chooseKind(/client secret/);
      type('redirectUris', 'https://sync.example/cb');
      type('scope', 'user/*.rs openid');
      await submit();
      const body = http.expectOne('/api/practices/o1/clients').request.body;
      expect(body.kind).toBe('confidential-symmetric');
      expect('managesAccess' in body).toBeFalse();
    });
  });

  it('checks the scopes fit the kind, again when the kind changes', async () => {
    type('name', 'Nightly export');
    type('redirectUris', 'https://nightly.example/cb');
    type('scope', 'system/*.rs');
    await submit();
    expect(errorTexts()).toEqual(['system/ scopes are for backend services only, not system/*.rs']);
    await chooseKind(/Backend/);
    type('jwksUri', 'https://nightly.example/jwks');
    await fixture.whenStable();
    expect(errorTexts()).toEqual([]);
    type('scope', 'system/*.rs patient/*.rs');
    await submit();
    expect(errorTexts()).toEqual(['A backend service may only have system/ scopes, not patient/*.rs']);
    http.expectNone(() => true);
  });

  it('shows the server’s OperationOutcome text when the registration is refused', async () => {
    type('name', 'Growth charts');
    type('redirectUris', 'https://growth.example/cb');
    type('scope', 'launch');
    await submit();
    http
      .expectOne('/api/practices/o1/clients')
      .flush(operationOutcome('A client named Growth charts is already registered', 'duplicate'), {
        status: 409,
        statusText: 'Conflict',
      });
    await fixture.whenStable();
    const alert = page.querySelector('.error-messages[role=alert]')?.textContent ?? '';
    expect(alert).toContain('The app was not registered.');
    expect(alert).toContain('A client named Growth charts is already registered');
    expect(registered).toEqual([]);
  });
});
