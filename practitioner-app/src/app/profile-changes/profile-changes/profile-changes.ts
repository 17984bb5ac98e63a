import { Component, DestroyRef, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatRadioModule } from '@angular/material/radio';
import { RouterLink } from '@angular/router';
import { catchError, forkJoin, map, of } from 'rxjs';
import { errorMessages, isVersionConflict, type Patient } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { formatFhirDate } from '../../patients/chart/chart-model';
import { displayName } from '../../patients/patient-name';
import { ProfileChangeApi } from '../profile-change-api';
import {
  decideErrorMessages,
  decideParameters,
  type FieldChange,
  type FieldDecision,
  latestPatientChange,
  proposalPatientId,
  type ProposalTask,
  type ProposedField,
  proposedFields,
} from '../profile-change-model';

/** A record a patient changed (notify mode), not yet reviewed. */
interface ChangedRow {
  id: string;
  patient: Patient & { id: string };
  name: string;
  when: string;
  changes: FieldChange[];
  /** The version before the patient's writes was not in the history read. */
  partial: boolean;
  /** The history could not be read: the words. */
  historyErrors: string[];
}

/** A pending `patient-update` Task (review mode). */
interface ProposalRow {
  id: string;
  patientId: string | undefined;
  name: string;
  when: string;
  fields: ProposedField[];
}

/**
 * A failed action, shown on its row (`key`: `Patient/{id}` or `Task/{id}`, as a record and a proposal
 * may share an id); `reload` when the list must be read again (412).
 */
interface RowError {
  key: string;
  messages: string[];
  reload: boolean;
}

/**
 * The inbox's "Profile changes" (issue #13, decision 0028): records patients changed in `notify` mode
 * (old → new from the record's history, "Mark reviewed"), and proposals waiting for a decision in
 * `review` mode (Accept/Reject per field, "Apply decision" → `$decide`). Every value is shown by
 * interpolation only: a patient's text is never HTML.
 */
@Component({
  selector: 'pc-profile-changes',
  imports: [ErrorMessages, RouterLink, MatButtonModule, MatProgressBarModule, MatRadioModule],
  templateUrl: './profile-changes.html',
  styleUrl: './profile-changes.css',
})
export class ProfileChanges {
  private readonly api = inject(ProfileChangeApi);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly changed = signal<ChangedRow[]>([]);
  protected readonly changedLoading = signal(false);
  protected readonly changedErrors = signal<string[]>([]);
  protected readonly proposals = signal<ProposalRow[]>([]);
  protected readonly proposalsLoading = signal(false);
  protected readonly proposalErrors = signal<string[]>([]);
  /** Per proposal, per field: the choice made so far. */
  protected readonly decisions = signal<Readonly<Record<string, Readonly<Record<string, FieldDecision>>>>>({});
  protected readonly rowError = signal<RowError | null>(null);
  protected readonly busyId = signal<string | null>(null);
  protected readonly announcement = signal('');

  constructor() {
    this.loadChanged();
    this.loadProposals();
  }

  protected loadChanged(): void {
    this.changedLoading.set(true);
    this.changedErrors.set([]);
    this.rowError.set(null);
    this.api
      .changedPatients()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (patients) => {
          const records = patients.filter((p): p is Patient & { id: string } => !!p.id);
          if (records.length === 0) {
            this.changed.set([]);
            this.changedLoading.set(false);
            return;
          }
          forkJoin(records.map((patient) => this.changedRow(patient)))
            .pipe(takeUntilDestroyed(this.destroyRef))
            .subscribe((rows) => {
              this.changed.set(rows);
              this.changedLoading.set(false);
            });
        },
        error: (error: unknown) => {
          this.changed.set([]);
          this.changedErrors.set(errorMessages(error));
          this.changedLoading.set(false);
        },
      });
  }

  /** One record's row: its history read, the patient's latest change against the version before. */
  private changedRow(patient: Patient & { id: string }) {
    const base = { id: patient.id, patient, name: displayName(patient) };
    return this.api.history(patient.id).pipe(
      map((history): ChangedRow => {
        const change = latestPatientChange(history);
        return {
          ...base,
          when: formatFhirDate(change?.when ?? patient.meta?.lastUpdated) || 'Unknown date',
          changes: change?.changes ?? [],
          partial: change ? !change.complete : false,
          historyErrors: [],
        };
      }),
      catchError((error: unknown) =>
        of<ChangedRow>({
          ...base,
          when: formatFhirDate(patient.meta?.lastUpdated) || 'Unknown date',
          changes: [],
          partial: false,
          historyErrors: ['The changes could not be read.', ...errorMessages(error)],
        }),
      ),
    );
  }

  protected loadProposals(): void {
    this.proposalsLoading.set(true);
    this.proposalErrors.set([]);
    this.rowError.set(null);
    this.api
      .pendingProposals()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: ({ tasks, patients }) => {
          this.proposals.set(
            tasks
              .filter((t): t is ProposalTask & { id: string } => !!t.id)
              .map((task) => {
                const patientId = proposalPatientId(task);
                const current = patientId ? patients.get(patientId) : undefined;
                return {
                  id: task.id,
                  patientId,
                  name: current ? displayName(current) : task.for?.display || 'Unknown patient',
                  when: formatFhirDate(task.authoredOn ?? task.meta?.lastUpdated) || 'Unknown date',
                  fields: proposedFields(task, current),
                };
              }),
          );
          this.decisions.set({});
          this.proposalsLoading.set(false);
        },
        error: (error: unknown) => {
          this.proposals.set([]);
          this.proposalErrors.set(errorMessages(error));
          this.proposalsLoading.set(false);
        },
      });
  }

  protected markReviewed(row: ChangedRow): void {
    this.busyId.set(`Patient/${row.id}`);
    this.rowError.set(null);
    this.api
      .markReviewed(row.patient)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: () => {
          this.busyId.set(null);
          this.changed.update((rows) => rows.filter((r) => r.id !== row.id));
          this.announcement.set(`Profile changes of ${row.name} marked reviewed.`);
        },
        error: (error: unknown) => {
          this.busyId.set(null);
          const reload = isVersionConflict(error);
          const messages = reload
            ? [`${row.name}'s record changed since the list was read. Reload the list to see the latest changes.`]
            : errorMessages(error);
          this.rowError.set({ key: `Patient/${row.id}`, messages, reload });
        },
      });
  }

  protected choice(row: ProposalRow, field: string): FieldDecision | undefined {
    return this.decisions()[row.id]?.[field];
  }

  protected choose(row: ProposalRow, field: string, decision: FieldDecision): void {
    this.decisions.update((all) => ({ ...all, [row.id]: { ...all[row.id], [field]: decision } }));
  }

  protected apply(row: ProposalRow): void {
    const chosen = row.fields.map((f): [string, FieldDecision | undefined] => [f.field, this.choice(row, f.field)]);
    const missing = row.fields.filter((f) => !this.choice(row, f.field));
    if (missing.length > 0) {
      const labels = missing.map((f) => f.label).join(', ');
      this.rowError.set({
        key: `Task/${row.id}`,
        messages: [`Choose Accept or Reject for: ${labels}.`],
        reload: false,
      });
      return;
    }
    const decisions = chosen as [string, FieldDecision][];
    this.busyId.set(`Task/${row.id}`);
    this.rowError.set(null);
    this.api
      .decide(row.id, decideParameters(decisions))
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: () => {
          this.busyId.set(null);
          this.proposals.update((rows) => rows.filter((r) => r.id !== row.id));
          const accepted = decisions.filter(([, d]) => d === 'accept').length;
          this.announcement.set(
            `Decision applied to ${row.name}'s proposed changes: ${accepted} accepted, ${decisions.length - accepted} rejected.`,
          );
        },
        error: (error: unknown) => {
          this.busyId.set(null);
          this.rowError.set({ key: `Task/${row.id}`, messages: decideErrorMessages(error), reload: false });
        },
      });
  }
}
