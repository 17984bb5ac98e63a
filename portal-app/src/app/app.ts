import { Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '@web-shared/auth';

/** The portal's frame: the product name, top navigation and who is signed in above the routed page. */
@Component({
  selector: 'pp-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatToolbarModule, MatButtonModule],
  template: `
    <a class="skip-link" href="#main">Skip to content</a>
    <header>
      <mat-toolbar>
        <a class="product" routerLink="/">Patient Portal</a>
        <nav aria-label="Main">
          <a mat-button routerLink="/practitioners" routerLinkActive="active" ariaCurrentWhenActive="page">Find a practitioner</a>
        </nav>
        <span class="spacer"></span>
        @if (auth.signedIn()) {
          <span class="user">Signed in as <strong>{{ auth.displayName() ?? 'unknown user' }}</strong></span>
          <button mat-button type="button" (click)="signOut()">Sign out</button>
        }
      </mat-toolbar>
    </header>
    <main id="main" tabindex="-1">
      <router-outlet />
    </main>
  `,
  styles: `
    .product {
      margin-right: 1.5rem;
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
    .active {
      text-decoration: underline;
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
export class App {
  protected readonly auth = inject(AuthService);

  protected signOut(): void {
    void this.auth.signOut();
  }
}
