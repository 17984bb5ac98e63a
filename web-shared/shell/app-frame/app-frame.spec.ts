import { HttpTestingController } from '@angular/common/http/testing';
import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideRouter } from '@angular/router';
import {
  fakeLocation,
  flushDiscovery,
  isRevocationRequest,
  nextRequest,
  provideAuthHttpTesting,
  signInForTest,
  SMART_CONFIGURATION,
  TEST_AUTH_OPTIONS,
  until,
} from '@web-shared/auth/testing';
import { atPhoneWidth, expectToolbarFits } from '../testing';
import { AppFrame } from './app-frame';

/** An app's root component as the apps write theirs: every slot filled, one link behind an @if. */
@Component({
  imports: [AppFrame],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ws-app-frame>
      <span wsFrameBrand class="practice">Harbourside Family Practice</span>
      <a wsFrameNav href="/patients">Patients</a>
      @if (admin()) {
        <a wsFrameNav href="/apps">Connected apps</a>
      }
      <h1>The page</h1>
    </ws-app-frame>
  `,
})
class Host {
  readonly admin = signal(false);
}

describe('AppFrame', () => {
  let fixture: ReturnType<typeof TestBed.createComponent<Host>>;
  let page: HTMLElement;
  const toolbar = () => page.querySelector('header mat-toolbar') as HTMLElement;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [provideRouter([]), provideAuthHttpTesting({ ...TEST_AUTH_OPTIONS, productName: 'Practice Console' })],
    });
  });

  describe('signed in', () => {
    beforeEach(async () => {
      signInForTest({ access_token: 'access-1' }, 'Practitioner/p1');
      fixture = TestBed.createComponent(Host);
      page = fixture.nativeElement;
      await fixture.whenStable();
    });

    it('names the product from provideAuth in the top bar, linking home', () => {
      const product = toolbar().querySelector('a.product') as HTMLAnchorElement;
      expect(product.textContent?.trim()).toBe('Practice Console');
      expect(product.getAttribute('href')).toBe('/');
    });

    it('puts the brand slot under the product name and the nav slot in the main navigation', async () => {
      expect(toolbar().querySelector('.brand .practice')?.textContent).toBe('Harbourside Family Practice');
      const links = () =>
        Array.from(page.querySelectorAll('header nav[aria-label="Main"] a')).map((a) => a.textContent?.trim());
      expect(links()).toEqual(['Patients']);
      fixture.componentInstance.admin.set(true);
      await fixture.whenStable();
      expect(links()).toEqual(['Patients', 'Connected apps']);
    });

    it('puts the rest in the <main> landmark, after the header', () => {
      const main = page.querySelector('main') as HTMLElement;
      expect(main.querySelector('h1')?.textContent).toBe('The page');
      expect(page.querySelector('header h1')).toBeNull();
      expect(main.id).toBe('main');
    });

    it('skips to <main> from the first link on the page, without leaving the page', () => {
      const skip = page.querySelector('a') as HTMLAnchorElement;
      expect(skip.textContent).toBe('Skip to content');
      expect(skip.getAttribute('href')).toBe('#main');
      const click = new MouseEvent('click', { cancelable: true });
      skip.dispatchEvent(click);
      expect(click.defaultPrevented)
        .withContext('the link is not followed (it would reload the app under <base href>)')
        .toBeTrue();
      expect(document.activeElement).toBe(page.querySelector('main'));
    });

    it('shows who is signed in and signs out from the top bar', async () => {
      expect(toolbar().querySelector('.user')?.textContent?.trim()).toBe('Signed in as Practitioner/p1');
      const signOut = Array.from(toolbar().querySelectorAll('button')).find(
        (b) => b.textContent?.trim() === 'Sign out',
      )!;
      expect(signOut.getAttribute('type')).toBe('button');
      signOut.click();
      await fixture.whenStable();
      expect(toolbar().querySelector('.user')).toBeNull();

      const http = TestBed.inject(HttpTestingController);
      await flushDiscovery(http);
      (await nextRequest(http, isRevocationRequest, 'revocation')).flush(null);
      await until(() => fakeLocation().assigned.length > 0, 'the end-session redirect');
      expect(fakeLocation().assigned[0]).toContain(SMART_CONFIGURATION.end_session_endpoint);
    });
  });

  it('offers no user and no "Sign out" to someone not signed in', async () => {
    fixture = TestBed.createComponent(Host);
    page = fixture.nativeElement;
    await fixture.whenStable();
    expect(toolbar().querySelector('.user')).toBeNull();
    expect(toolbar().querySelector('button')).toBeNull();
    expect(toolbar().textContent).toContain('Practice Console');
  });

  it('wraps the top bar at 390 px instead of overflowing it', async () => {
    signInForTest({ access_token: 'access-1' }, 'Practitioner/a-rather-long-practitioner-id-0123456789');
    fixture = TestBed.createComponent(Host);
    page = atPhoneWidth(fixture.nativeElement);
    fixture.componentInstance.admin.set(true);
    await fixture.whenStable();
    expectToolbarFits(page);
  });
});
