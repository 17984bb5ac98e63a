import { Component, DestroyRef, inject, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { errorMessages, type Practitioner } from '@web-shared/fhir';
import { CareTeamService } from '../care-team/care-team.service';
import { formatName } from '../directory';

/**
 * "My practitioners": the practitioners on the patient's own list (across practices: one list per
 * account, decision 0030), each leading to their profile, with Remove.
 */
@Component({
  selector: 'pp-my-practitioners',
  imports: [MatButtonModule, MatProgressBarModule, RouterLink],
  template: `
    <section class="page">
      <h1>My practitioners</h1>
      <div role="status" aria-live="polite">
        @if (loading()) {
          <mat-progress-bar mode="indeterminate" aria-label="Loading your practitioners" />
          <span class="visually-hidden">Loading your practitioners…</span>
        } @else if (notice()) {
          <p>{{ notice() }}</p>
        }
      </div>
      @if (errors().length > 0) {
        <div class="error-messages" role="alert">
          <strong>Your practitioners could not be loaded or changed.</strong>
          <ul>
            @for (message of errors(); track $index) {
              <li>{{ message }}</li>
            }
          </ul>
          <button mat-stroked-button type="button" (click)="load()">Try again</button>
        </div>
      }
      @if (!loading() && errors().length === 0 && practitioners().length === 0) {
        <p class="empty">
          You have not added any practitioner yet. <a routerLink="/practitioners">Find a practitioner</a>
        </p>
      }
      <ul class="members">
        @for (p of practitioners(); track p.id) {
          <li>
            <a [routerLink]="['/practitioners', p.id]">{{ p.name }}</a>
            <button mat-button type="button" [attr.aria-label]="'Remove ' + p.name" (click)="remove(p.id)">Remove</button>
          </li>
        }
      </ul>
    </section>
  `,
  styles: `
    .members {
      padding: 0;
      list-style: none;
    }
    .members li {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      justify-content: space-between;
      gap: 0.5rem;
      max-width: 32rem;
      padding: 0.25rem 0;
    }
  `,
})
export class MyPractitioners implements OnInit {
  private readonly careTeam = inject(CareTeamService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly loading = signal(true);
  protected readonly errors = signal<string[]>([]);
  protected readonly practitioners = signal<Array<{ id: string; name: string }>>([]);
  protected readonly notice = signal('');

  ngOnInit(): void {
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.errors.set([]);
    this.careTeam
      .members()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: ({ practitioners }) => {
          this.practitioners.set(practitioners.map(entryOf).sort((a, b) => a.name.localeCompare(b.name)));
          this.loading.set(false);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  protected remove(id: string): void {
    const name = this.practitioners().find((p) => p.id === id)?.name ?? 'The practitioner';
    this.errors.set([]);
    this.careTeam
      .remove(id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: () => {
          this.practitioners.update((list) => list.filter((p) => p.id !== id));
          this.notice.set(`${name} was removed from your practitioners.`);
        },
        error: (error: unknown) => this.errors.set(errorMessages(error)),
      });
  }
}

function entryOf(p: Practitioner): { id: string; name: string } {
  return { id: p.id ?? '', name: formatName(p.name?.find((n) => n.use === 'official') ?? p.name?.[0]) };
}
