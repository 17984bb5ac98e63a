import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter, withComponentInputBinding } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { App } from './app';
import { routes } from './app.routes';

describe('App shell', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideRouter(routes, withComponentInputBinding()), provideHttpClient(), provideHttpClientTesting()],
    });
  });

  it('shows the product name and a Patients link in the toolbar', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const toolbar = fixture.nativeElement.querySelector('mat-toolbar') as HTMLElement;
    expect(toolbar.textContent).toContain('Practice Console');
    const link = toolbar.querySelector('nav a') as HTMLAnchorElement;
    expect(link.textContent?.trim()).toBe('Patients');
    expect(link.getAttribute('href')).toBe('/patients');
  });

  it('opens the patient list at the root URL', async () => {
    const harness = await RouterTestingHarness.create('/');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Patients');
    TestBed.inject(HttpTestingController).expectOne((r) => r.url === '/fhir/R4/Patient');
  });

  it('opens the form for an existing patient with the id from the URL', async () => {
    const harness = await RouterTestingHarness.create('/patients/abc');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Edit patient');
    TestBed.inject(HttpTestingController).expectOne('/fhir/R4/Patient/abc');
  });

  it('answers unknown URLs with a not-found page', async () => {
    const harness = await RouterTestingHarness.create('/nowhere');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Page not found');
  });
});
