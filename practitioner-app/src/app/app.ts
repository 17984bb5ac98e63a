import { Component, computed, effect, inject, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatToolbarModule } from '@angular/material/toolbar';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '@web-shared/auth';
import { PracticeService } from './practices/practice.service';

/**
 * The console's frame: a toolbar with the product name, the practice(s) the practitioner works in,
 * navigation and who is signed in above the routed page. "Connected apps" is offered only to
 * administrators of a practice, so the signed-in practitioner's practices are read as soon as someone
 * is signed in. On a narrow screen the toolbar wraps onto more rows (web-shared/styles.css).
 */
@Component({
  selector: 'pc-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, MatToolbarModule, MatButtonModule],
  template: `
    <a class="skip-link" href="#main">Skip to content</a>
    <header>
      <mat-toolbar>
        <div class="brand">
          <a class="product" routerLink="/">Practice Console</a>
          @if (practiceNames(); as names) {
            <span class="practice"><span class="visually-hidden">{{ practices.practices().length > 1 ? 'Practices:' : 'Practice:' }} </span>{{ names }}</span>
          }
        </div>
        <nav aria-label="Main">
          <a mat-button routerLink="/patients" routerLinkActive="active" ariaCurrentWhenActive="page">Patients</a>
          @if (practices.adminPractices().length > 0) {
            <a mat-button routerLink="/apps" routerLinkActive="active" ariaCurrentWhenActive="page">Connected apps</a>
          }
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
    .practice {
      font-size: 0.8125rem;
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
  protected readonly practices = inject(PracticeService);
  /** The names of the signed-in practitioner's practices, or null until they are known. */
  protected readonly practiceNames = computed(() => this.practices.practices().map((p) => p.name).join(', ') || null);

  constructor() {
    effect(() => {
      if (this.auth.fhirUser() !== null) untracked(() => this.practices.load());
    });
  }

  protected signOut(): void {
    void this.auth.signOut();
  }
}
