import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { App } from './app';
import { routes } from './app.routes';

describe('App shell', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({ providers: [provideRouter(routes), provideHttpClient(), provideHttpClientTesting()] });
  });

  it('shows the product name and a "Find a practitioner" link', async () => {
    const fixture = TestBed.createComponent(App);
    await fixture.whenStable();
    const toolbar = fixture.nativeElement.querySelector('mat-toolbar') as HTMLElement;
    expect(toolbar.textContent).toContain('Patient Portal');
    const link = toolbar.querySelector('nav a') as HTMLAnchorElement;
    expect(link.textContent?.trim()).toBe('Find a practitioner');
    expect(link.getAttribute('href')).toBe('/practitioners');
  });

  it('opens the practitioner directory at the root URL', async () => {
    const harness = await RouterTestingHarness.create('/');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Find a practitioner');
    const http = TestBed.inject(HttpTestingController);
    http.expectOne('/fhir/R4/PractitionerRole?_count=100');
    http.expectOne('/fhir/R4/Practitioner?_count=100');
  });

  it('answers unknown URLs with a not-found page', async () => {
    const harness = await RouterTestingHarness.create('/nowhere');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Page not found');
  });
});
