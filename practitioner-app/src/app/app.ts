import { ChangeDetectionStrategy, Component, computed, effect, inject, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { AuthService } from '@web-shared/auth';
import { AppFrame } from '@web-shared/shell';
import { PracticeService } from './practices/practice.service';

/**
 * The console in the shared frame (web-shared/shell: product name, who is signed in, sign-out, the
 * `<main>` landmark): the practice(s) the practitioner works in under the product name, and the
 * navigation. "Connected apps" and "Settings" are offered only to administrators of a practice, so
 * the signed-in practitioner's practices are read as soon as someone is signed in.
 */
@Component({
  selector: 'pc-root',
  imports: [AppFrame, RouterOutlet, RouterLink, RouterLinkActive, MatButtonModule],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <ws-app-frame>
      @if (practiceNames(); as names) {
        <span wsFrameBrand class="practice"><span class="visually-hidden">{{ practices.practices().length > 1 ? 'Practices:' : 'Practice:' }} </span>{{ names }}</span>
      }
      <a wsFrameNav mat-button routerLink="/patients" routerLinkActive="active" ariaCurrentWhenActive="page">Patients</a>
      <a wsFrameNav mat-button routerLink="/inbox" routerLinkActive="active" ariaCurrentWhenActive="page">Inbox</a>
      <a wsFrameNav mat-button routerLink="/directory-profile" routerLinkActive="active" ariaCurrentWhenActive="page">My directory profile</a>
      @if (practices.adminPractices().length > 0) {
        <a wsFrameNav mat-button routerLink="/apps" routerLinkActive="active" ariaCurrentWhenActive="page">Connected apps</a>
      }
      <!-- One element per block: a block with two root elements is not projected into the frame's nav slot. -->
      @if (practices.adminPractices().length > 0) {
        <a wsFrameNav mat-button routerLink="/settings/portal" routerLinkActive="active" ariaCurrentWhenActive="page">Settings</a>
      }
      <router-outlet />
    </ws-app-frame>
  `,
  styles: `
    .practice {
      font-size: 0.8125rem;
    }
  `,
})
export class App {
  private readonly auth = inject(AuthService);
  protected readonly practices = inject(PracticeService);
  /** The names of the signed-in practitioner's practices, or null until they are known. */
  protected readonly practiceNames = computed(
    () =>
      this.practices
        .practices()
        .map((p) => p.name)
        .join(', ') || null,
  );

  constructor() {
    effect(() => {
      if (this.auth.fhirUser() !== null) untracked(() => this.practices.load());
    });
  }
}
