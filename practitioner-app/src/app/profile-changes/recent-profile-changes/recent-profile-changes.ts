import { Component, DestroyRef, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { RouterLink } from '@angular/router';
import { errorMessages } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { formatFhirDate } from '../../patients/chart/chart-model';
import { ProfileChangeApi } from '../profile-change-api';
import { type FieldChange, latestPatientChange, type ProposedField, proposedFields } from '../profile-change-model';

interface LatestChange {
  when: string;
  reviewed: boolean;
  changes: FieldChange[];
}

interface PendingProposal {
  id: string;
  when: string;
  fields: ProposedField[];
}

/**
 * The chart's "Recent profile changes" (issue #13, decision 0028): the patient's latest change to the
 * record (from its history: the version marked `inbox|patient-update` against the one before) and any
 * proposal waiting for a decision, with a link to the inbox where it is decided. Read once per patient.
 */
@Component({
  selector: 'pc-recent-profile-changes',
  imports: [ErrorMessages, RouterLink, MatButtonModule],
  templateUrl: './recent-profile-changes.html',
  styleUrl: './recent-profile-changes.css',
})
export class RecentProfileChanges {
  private readonly api = inject(ProfileChangeApi);
  private readonly destroyRef = inject(DestroyRef);

  readonly patientId = input.required<string>();

  protected readonly loading = signal(0);
  protected readonly errors = signal<string[]>([]);
  protected readonly latest = signal<LatestChange | undefined>(undefined);
  protected readonly pending = signal<PendingProposal[]>([]);

  constructor() {
    effect(() => {
      const id = this.patientId();
      untracked(() => this.load(id));
    });
  }

  /** Answers for a patient no longer shown (the route's id changed) are dropped. */
  private generation = 0;

  private load(patientId: string): void {
    const generation = ++this.generation;
    const current = () => generation === this.generation;
    this.loading.set(2);
    this.errors.set([]);
    this.latest.set(undefined);
    this.pending.set([]);
    const failed = (error: unknown) => {
      if (!current()) return;
      this.errors.update((all) => [...all, ...errorMessages(error)]);
      this.loading.update((n) => n - 1);
    };
    this.api
      .history(patientId)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (history) => {
          if (!current()) return;
          const change = latestPatientChange(history);
          this.latest.set(
            change && {
              when: formatFhirDate(change.when) || 'Unknown date',
              reviewed: change.reviewed,
              changes: change.changes,
            },
          );
          this.loading.update((n) => n - 1);
        },
        error: failed,
      });
    this.api
      .pendingProposals(patientId)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: ({ tasks, patients }) => {
          if (!current()) return;
          this.pending.set(
            tasks
              .filter((t) => !!t.id)
              .map((task) => ({
                id: task.id!,
                when: formatFhirDate(task.authoredOn ?? task.meta?.lastUpdated) || 'Unknown date',
                fields: proposedFields(task, patients.get(patientId)),
              })),
          );
          this.loading.update((n) => n - 1);
        },
        error: failed,
      });
  }
}
