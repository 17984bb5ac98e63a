import { ChangeDetectionStrategy, Component, type ElementRef, inject, viewChild } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink } from '@angular/router';
import { AUTH_CONFIG, AuthService } from '@web-shared/auth';

/**
 * The frame both apps put around their pages: a skip link, a top bar (the product name from
 * provideAuth, linking home; who is signed in; "Sign out") and the `<main>` landmark.
 *
 * The app fills three slots by content projection:
 * - `wsFrameBrand`: under the product name (the console names the practice there);
 * - `wsFrameNav`: links inside `<nav aria-label="Main">` (an `@if` around one link is fine: a
 *   control-flow block with one root element is projected by that element's selector);
 * - everything else goes into `<main>`, normally `<router-outlet />`.
 *
 * On a narrow screen the toolbar wraps onto more rows (web-shared/styles.css, which also styles the
 * projected links: their elements belong to the app's template, out of reach of this component's styles).
 */
@Component({
  selector: 'ws-app-frame',
  imports: [RouterLink, MatToolbarModule, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <a class="skip-link" href="#main" (click)="skipToMain($event)">Skip to content</a>
    <header>
      <mat-toolbar>
        <div class="brand">
          <a class="product" routerLink="/">{{ productName }}</a>
          <ng-content select="[wsFrameBrand]" />
        </div>
        <nav aria-label="Main">
          <ng-content select="[wsFrameNav]" />
        </nav>
        <span class="spacer"></span>
        @if (auth.signedIn()) {
          <span class="user">Signed in as <strong>{{ auth.displayName() ?? 'unknown user' }}</strong></span>
          <button mat-button type="button" (click)="signOut()">Sign out</button>
        }
      </mat-toolbar>
    </header>
    <main #main id="main" tabindex="-1">
      <ng-content />
    </main>
  `,
  styles: `
    .brand {
      display: flex;
      flex-direction: column;
      margin-right: 1.5rem;
      line-height: 1.3;
    }
    .product {
      color: inherit;
      font-size: 1.25rem;
      text-decoration: none;
    }
    .spacer {
      flex: 1 1 auto;
    }
    .user {
      margin-right: 0.5rem;
      font-size: 0.875rem;
    }
    .skip-link {
      position: absolute;
      left: -100vw;
    }
    .skip-link:focus {
      left: 0.5rem;
      top: 0.5rem;
      z-index: 10;
      padding: 0.5rem;
      background: white;
    }
  `,
})
export class AppFrame {
  protected readonly auth = inject(AuthService);
  protected readonly productName = inject(AUTH_CONFIG).productName;
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');

  /**
   * Moves focus to `<main>` without following the link: with `<base href="/console/">` the href
   * `#main` resolves to `/console/#main`, a different document from `/console/patients`, so the
   * browser would load the app again instead of skipping the toolbar. The href stays so that the
   * link is a real, focusable link.
   */
  protected skipToMain(event: Event): void {
    event.preventDefault();
    this.main().nativeElement.focus();
  }

  protected signOut(): void {
    void this.auth.signOut();
  }
}
