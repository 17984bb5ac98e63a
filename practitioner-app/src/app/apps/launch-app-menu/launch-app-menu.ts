import { Component, DestroyRef, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatMenuModule } from '@angular/material/menu';
import { MatProgressSpinnerModule } from '@angular/material/progress-spinner';
import { MatSnackBar } from '@angular/material/snack-bar';
import { forkJoin, map, of, type Subscription, switchMap } from 'rxjs';
import { errorMessages } from '@web-shared/fhir';
import { type Practice, PracticeService } from '../../practices/practice.service';
import { AppWindow, type EhrLaunchRequest, type LaunchableApp, launchUrl, PracticeAppsApi } from '../practice-apps-api';

interface AppGroup {
  practice: Practice;
  apps: LaunchableApp[];
}

/** How long the launch error stays on screen (it also has a Close action). */
export const LAUNCH_ERROR_DURATION_MS = 10_000;

/**
 * "Launch app" for one patient (SMART EHR launch): a menu of the apps the practitioner's practices can
 * launch, read when the menu opens. Choosing one asks the server for a launch context
 * (`POST /api/ehr-launch`) and opens the app's launch URL with `iss` and `launch` in a new tab.
 * Failures are told in a snackbar with the server's OperationOutcome text.
 */
@Component({
  selector: 'pc-launch-app-menu',
  imports: [MatButtonModule, MatMenuModule, MatProgressSpinnerModule],
  template: `
    <button
      mat-stroked-button
      type="button"
      class="launch-trigger"
      [matMenuTriggerFor]="menu"
      (menuOpened)="loadApps()"
      [disabled]="launching()"
      [attr.aria-label]="patientName() ? 'Launch an app for ' + patientName() : null"
    >
      {{ launching() ? 'Launching…' : 'Launch app' }}
    </button>
    <mat-menu #menu="matMenu" class="launch-app-menu">
      <ng-template matMenuContent>
        @if (loading()) {
          <button mat-menu-item type="button" disabled>
            <mat-spinner diameter="18" aria-hidden="true" />
            <span>Loading apps…</span>
          </button>
        } @else if (loadErrors().length > 0) {
          <button mat-menu-item type="button" disabled class="menu-error">Could not load the apps: {{ loadErrors().join(' ') }}</button>
        } @else if (groups().length === 0) {
          <button mat-menu-item type="button" disabled>You are not a member of any practice.</button>
        } @else {
          @for (group of groups(); track group.practice.id) {
            @if (groups().length > 1) {
              <div class="practice-heading" role="presentation">{{ group.practice.name }}</div>
            }
            @for (app of group.apps; track app.clientId) {
              <button mat-menu-item type="button" class="launch-item" (click)="launch(app)">{{ app.name }}</button>
            } @empty {
              <button mat-menu-item type="button" disabled>No apps are registered for {{ group.practice.name }}.</button>
            }
          }
        }
      </ng-template>
    </mat-menu>
  `,
  styles: `
    .practice-heading {
      padding: 0.5rem 1rem 0.25rem;
      font-size: 0.75rem;
      font-weight: 500;
      color: var(--mat-sys-on-surface-variant, #44474e);
    }
    mat-spinner {
      display: inline-block;
      margin-right: 0.5rem;
      vertical-align: middle;
    }
  `,
})
export class LaunchAppMenu {
  /** The Patient id the app is launched for. */
  readonly patientId = input.required<string>();
  /** The patient's name, for the button's accessible name in lists. */
  readonly patientName = input<string>();
  /** The Encounter in view, if any (sent as the launch's encounter context). */
  readonly encounterId = input<string>();

  private readonly practices = inject(PracticeService);
  private readonly api = inject(PracticeAppsApi);
  private readonly appWindow = inject(AppWindow);
  private readonly snackBar = inject(MatSnackBar);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly loading = signal(false);
  protected readonly loadErrors = signal<string[]>([]);
  protected readonly groups = signal<AppGroup[]>([]);
  protected readonly launching = signal(false);
  private loadingApps?: Subscription;

  /** Reads the apps each time the menu opens, so newly registered (or removed) apps show up. */
  protected loadApps(): void {
    this.loadingApps?.unsubscribe();
    this.loading.set(true);
    this.loadErrors.set([]);
    this.loadingApps = this.practices
      .loaded()
      .pipe(
        switchMap((practices) =>
          practices.length === 0
            ? of([])
            : forkJoin(
                practices.map((practice) =>
                  this.api.launchableApps(practice.id).pipe(map((apps) => ({ practice, apps: sortedApps(apps) }))),
                ),
              ),
        ),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe({
        next: (groups) => {
          this.groups.set(groups);
          this.loading.set(false);
        },
        error: (error: unknown) => {
          this.loadErrors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  /** Asks for a launch context for this patient, then opens the app with it. */
  protected launch(app: LaunchableApp): void {
    if (this.launching()) return;
    const encounter = this.encounterId();
    const request: EhrLaunchRequest = encounter
      ? { patient: this.patientId(), encounter }
      : { patient: this.patientId() };
    this.launching.set(true);
    this.api
      .createLaunch(request)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (context) => {
          this.launching.set(false);
          let url: string;
          try {
            url = launchUrl(app.launchUri, context);
          } catch (error) {
            this.showError(app, errorMessages(error));
            return;
          }
          this.appWindow.openInNewTab(url);
          this.snackBar.open(
            `${app.name} opened in a new tab. If nothing opened, allow pop-ups for this site and launch again.`,
            'OK',
            { duration: 5000 },
          );
        },
        error: (error: unknown) => {
          this.launching.set(false);
          this.showError(app, errorMessages(error));
        },
      });
  }

  private showError(app: LaunchableApp, messages: string[]): void {
    this.snackBar.open(`Could not launch ${app.name}: ${messages.join(' ')}`, 'Close', {
      duration: LAUNCH_ERROR_DURATION_MS,
      politeness: 'assertive',
    });
  }
}

function sortedApps(apps: LaunchableApp[]): LaunchableApp[] {
  return [...(Array.isArray(apps) ? apps : [])].sort((a, b) => a.name.localeCompare(b.name));
}
