import type { HttpTestingController } from '@angular/common/http/testing';
import { type ComponentFixture, TestBed } from '@angular/core/testing';
import { MatSnackBar } from '@angular/material/snack-bar';
import { provideRouter, Router } from '@angular/router';
import { provideAuthTesting } from '@web-shared/auth/testing';
import { type Patient, VERSION_CONFLICT_MESSAGE } from '@web-shared/fhir';
import { configureHttpTesting } from '@web-shared/testing';
import { AUTH_OPTIONS } from '../../app.config';
import { PatientForm, SAVED_MESSAGE } from './patient-form';

const stored = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '7', lastUpdated: '2024-01-01T00:00:00Z' },
  identifier: [{ system: 'urn:mrn', value: 'MRN-1' }],
  name: [{ use: 'official', family: 'Doe', given: ['Jane'] }],
  gender: 'female',
  birthDate: '1980-02-29',
  telecom: [{ system: 'phone', value: '555-0100', use: 'home' }],
} as Patient;

describe('PatientForm', () => {
  let fixture: ComponentFixture<PatientForm>;
  let http: HttpTestingController;
  let navigate: jasmine.Spy;
  let snackBar: jasmine.Spy;
  let page: HTMLElement;

  function create(id?: string): void {
    fixture = TestBed.createComponent(PatientForm);
    if (id) fixture.componentRef.setInput('id', id);
    page = fixture.nativeElement;
    fixture.detectChanges();
  }

  function field(name: string): HTMLInputElement {
    return page.querySelector(`[formcontrolname=${name}]`) as HTMLInputElement;
  }

  function type(name: string, value: string): void {
    const input = field(name);
    input.value = value;
    input.dispatchEvent(new Event('input'));
  }

  function submit(): void {
    page.querySelector('form')!.dispatchEvent(new Event('submit'));
    fixture.detectChanges();
  }

  const alertText = () => page.querySelector('[role=alert]')?.textContent ?? '';

  beforeEach(() => {
    http = configureHttpTesting([provideRouter([]), provideAuthTesting(AUTH_OPTIONS)]);
    navigate = spyOn(TestBed.inject(Router), 'navigate').and.resolveTo(true);
    snackBar = spyOn(TestBed.inject(MatSnackBar), 'open').and.callThrough();
  });

  afterEach(() => TestBed.inject(MatSnackBar).dismiss());

  afterEach(() => http.verify());

  describe('creating', () => {
    beforeEach(() => create());

    it('has a labelled field for each part of the patient', () => {
      const labels = Array.from(page.querySelectorAll('mat-label')).map((l) => l.textContent?.trim());
      expect(labels).toEqual(['Given name(s)', 'Family name', 'Gender', 'Birth date', 'Phone', 'Email']);
      expect(page.querySelector('h1')?.textContent).toBe('New patient');
    });

    it('offers no “Launch app” before the patient exists', () => {
      expect(page.querySelector('pc-launch-app-menu')).toBeNull();
    });

    it('POSTs the new patient and goes back to the list', () => {
      type('given', 'Ann Marie');
      type('family', 'Lee');
      type('birthDate', '1990-05-01');
      type('email', 'ann@example.org');
      fixture.componentInstance['form'].controls.gender.setValue('female');
      submit();

      const req = http.expectOne('/fhir/R4/Patient');
      expect(req.request.method).toBe('POST');
      expect(req.request.body).toEqual({
        resourceType: 'Patient',
        gender: 'female',
        birthDate: '1990-05-01',
        name: [{ use: 'official', given: ['Ann', 'Marie'], family: 'Lee' }],
        telecom: [{ system: 'email', value: 'ann@example.org' }],
      });
      expect(navigate).not.toHaveBeenCalled();
      req.flush({ ...req.request.body, id: 'new1', meta: { versionId: '1' } }, { status: 201, statusText: 'Created' });
      expect(navigate).toHaveBeenCalledOnceWith(['/patients']);
      expect(snackBar).toHaveBeenCalledOnceWith('Saved', undefined, jasmine.objectContaining({ politeness: 'polite' }));
    });

    it('confirms a save with "Saved" in a snack bar, in a polite live region', async () => {
      type('family', 'Lee');
      submit();
      http
        .expectOne('/fhir/R4/Patient')
        .flush(
          { resourceType: 'Patient', id: 'new1', meta: { versionId: '1' } },
          { status: 201, statusText: 'Created' },
        );
      await fixture.whenStable();
      const container = document.querySelector('.mat-mdc-snack-bar-container') as HTMLElement;
      expect(container?.textContent?.trim()).toBe(SAVED_MESSAGE);
      expect(container.querySelector('[aria-live=polite]')).not.toBeNull();
    });

    it('does not send an invalid form and says what to fix', () => {
      type('birthDate', '01/02/1990');
      submit();
      http.expectNone('/fhir/R4/Patient');
      const errors = Array.from(page.querySelectorAll('mat-error')).map((e) => e.textContent?.trim());
      expect(errors).toEqual(['Family name is required', 'Use YYYY-MM-DD with a real date, e.g. 1980-02-29']);
      expect(document.activeElement).toBe(field('family'));
    });

    it('shows the server OperationOutcome with the element path and stays on the form', () => {
      type('family', 'Lee');
      type('birthDate', '1990-01-01');
      submit();
      http.expectOne('/fhir/R4/Patient').flush(
        {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'invalid',
              details: { text: 'Invalid date' },
              expression: ['Patient.birthDate'],
            },
          ],
        },
        { status: 400, statusText: 'Bad Request' },
      );
      fixture.detectChanges();
      expect(alertText()).toContain('The patient was not saved.');
      expect(alertText()).toContain('Patient.birthDate: Invalid date');
      expect(navigate).not.toHaveBeenCalled();
      expect(field('family').value).toBe('Lee');
    });
  });

  describe('editing', () => {
    beforeEach(() => {
      create('p1');
      http.expectOne('/fhir/R4/Patient/p1').flush(stored);
      fixture.detectChanges();
    });

    it('offers “Launch app” for this patient', () => {
      const launch = page.querySelector('.heading pc-launch-app-menu button');
      expect(launch?.textContent?.trim()).toBe('Launch app');
    });

    it('fills the form from the stored patient', () => {
      expect(page.querySelector('h1')?.textContent).toBe('Edit patient');
      expect(field('given').value).toBe('Jane');
      expect(field('family').value).toBe('Doe');
      expect(field('birthDate').value).toBe('1980-02-29');
      expect(field('phone').value).toBe('555-0100');
      expect(page.querySelector('mat-select')?.textContent).toContain('Female');
    });

    it('PUTs the whole patient with the edits and If-Match on the version read', () => {
      type('phone', '555-0199');
      submit();
      const req = http.expectOne('/fhir/R4/Patient/p1');
      expect(req.request.method).toBe('PUT');
      expect(req.request.headers.get('If-Match')).toBe('W/"7"');
      expect(req.request.body).toEqual({ ...stored, telecom: [{ system: 'phone', value: '555-0199', use: 'home' }] });
      req.flush(req.request.body);
      expect(navigate).toHaveBeenCalledOnceWith(['/patients', 'p1']);
    });

    it('explains a 412 and reloads the current version on request', () => {
      type('family', 'Roe');
      submit();
      http.expectOne({ method: 'PUT', url: '/fhir/R4/Patient/p1' }).flush(
        {
          resourceType: 'OperationOutcome',
          issue: [
            {
              severity: 'error',
              code: 'conflict',
              diagnostics: 'If-Match W/"7" does not match the current version (8)',
            },
          ],
        },
        { status: 412, statusText: 'Precondition Failed' },
      );
      fixture.detectChanges();
      expect(alertText()).toContain(VERSION_CONFLICT_MESSAGE);
      expect(alertText()).not.toContain('If-Match');
      expect(snackBar).not.toHaveBeenCalled();
      expect(navigate).not.toHaveBeenCalled();

      const reload = Array.from(page.querySelectorAll('button')).find(
        (b) => b.textContent?.trim() === 'Reload patient',
      )!;
      reload.click();
      http
        .expectOne({ method: 'GET', url: '/fhir/R4/Patient/p1' })
        .flush({ ...stored, meta: { versionId: '8' }, name: [{ family: 'Smith' }] });
      fixture.detectChanges();
      expect(field('family').value).toBe('Smith');
      expect(page.querySelector('[role=alert]')).toBeNull();
    });
  });

  it('says so when the patient cannot be loaded', () => {
    create('gone');
    http.expectOne('/fhir/R4/Patient/gone').flush(
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'deleted', details: { text: 'Patient/gone was deleted' } }],
      },
      { status: 410, statusText: 'Gone' },
    );
    fixture.detectChanges();
    expect(alertText()).toContain('Could not load this patient.');
    expect(alertText()).toContain('Patient/gone was deleted');
    expect(page.querySelector('form')).toBeNull();
  });
});
