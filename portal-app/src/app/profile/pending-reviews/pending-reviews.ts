import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { errorMessages } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { formatFhirDate } from '../../record/format-date';
import { type ReviewRow, reviewRows, STATUS_WORDS } from '../pending-reviews';
import { ProfileService } from '../profile.service';
import type { Task } from '../profile-types';
import type { PracticeRecord } from '../update-profile';

/** "Changes your practices are reviewing": each `patient-update` Task, field by field. */
@Component({
  selector: 'pp-pending-reviews',
  imports: [ErrorMessages, MatButtonModule],
  template: `
    <section class="reviews" aria-labelledby="reviews-heading">
      <h2 id="reviews-heading">Changes your practices are reviewing</h2>
      @if (loading()) {
        <p>Loading the changes you sent for review…</p>
      } @else if (errors().length > 0) {
        <ws-error-messages heading="The changes under review could not be loaded." [messages]="errors()">
          <button mat-stroked-button type="button" (click)="load()">Try again</button>
        </ws-error-messages>
      } @else {
        @for (row of rows(); track row.taskId) {
          <article class="review" [attr.aria-labelledby]="'review-' + row.taskId">
            <h3 [id]="'review-' + row.taskId">
              {{ row.practiceName }}
              @if (row.authoredOn) {
                <span class="date">· sent {{ date(row.authoredOn) }}</span>
              }
            </h3>
            <ul>
              @for (field of row.fields; track field.field) {
                <li>
                  {{ field.label }}: <span [class]="'status status-' + field.status">{{ words[field.status] }}</span>
                </li>
              }
            </ul>
          </article>
        } @empty {
          <p class="empty">No change is waiting for a practice's review.</p>
        }
      }
    </section>
  `,
  styles: `
    .reviews {
      margin: 2rem 0;
    }
    .review h3 {
      margin-bottom: 0.25rem;
      font-size: 1rem;
      overflow-wrap: anywhere;
    }
    .date {
      font-weight: normal;
    }
    .status {
      font-weight: 500;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PendingReviews {
  private readonly service = inject(ProfileService);
  private readonly destroyRef = inject(DestroyRef);

  readonly records = input.required<PracticeRecord[]>();
  /** Changed by the page when there may be new Tasks (after a save). */
  readonly refresh = input(0);

  protected readonly words = STATUS_WORDS;
  protected readonly loading = signal(true);
  protected readonly errors = signal<string[]>([]);
  protected readonly rows = signal<ReviewRow[]>([]);
  private tasks: Task[] = [];

  constructor() {
    effect(() => {
      this.refresh();
      untracked(() => this.load());
    });
    // New records (their names) relabel the rows without asking the server again.
    effect(() => {
      const records = this.records();
      untracked(() => this.rows.set(reviewRows(this.tasks, records)));
    });
  }

  protected load(): void {
    this.loading.set(true);
    this.errors.set([]);
    this.service
      .proposals()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (tasks) => {
          this.tasks = tasks;
          this.rows.set(reviewRows(tasks, this.records()));
          this.loading.set(false);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  protected date(value: string): string {
    return formatFhirDate(value);
  }
}
