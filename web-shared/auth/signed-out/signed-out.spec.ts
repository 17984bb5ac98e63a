import { provideHttpClient } from '@angular/common/http';
import { provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { Title } from '@angular/platform-browser';
import { provideRouter } from '@angular/router';
import { RouterTestingHarness } from '@angular/router/testing';
import { signInRoutes } from '../auth-routes';
import { fakeLocation, provideAuthTesting, TEST_AUTH_OPTIONS } from '../testing';

describe('SignedOut (and the sign-in routes)', () => {
  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(),
        provideHttpClientTesting(),
        provideAuthTesting({ ...TEST_AUTH_OPTIONS, productName: 'Practice Console' }),
        provideRouter(signInRoutes),
      ],
    });
  });

  it('names the product from provideAuth, in the page and its title, without signing in', async () => {
    const harness = await RouterTestingHarness.create('/signed-out');
    const page = harness.routeNativeElement!;
    expect(page.querySelector('h1')?.textContent).toBe('Signed out');
    expect(page.querySelector('p')?.textContent).toBe('You are signed out of the Practice Console.');
    expect(TestBed.inject(Title).getTitle()).toBe('Signed out · Practice Console');
    expect(fakeLocation().assigned).toEqual([]);
  });

  it('says sign-in is unavailable when the guard could not start it', async () => {
    const harness = await RouterTestingHarness.create('/signed-out?reason=unavailable');
    expect(harness.routeNativeElement?.querySelector('h1')?.textContent).toBe('Sign-in unavailable');
    expect(harness.routeNativeElement?.querySelector('[role=alert]')?.textContent).toContain('could not be reached');
  });
});
