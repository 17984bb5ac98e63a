import { Component, computed, DestroyRef, effect, inject, input, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { errorMessages, type Organization, type Patient } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { LaunchAppMenu } from '../../../apps/launch-app-menu/launch-app-menu';
import { displayName } from '../../patient-name';
import { ChartApi } from '../chart-api';
import {
  ageInYears,
  contactPointText,
  formatFhirDate,
  noteSharingEnabled,
  owningPractice,
  sharingDefaults,
  spokenName,
} from '../chart-model';
import type { ChartItem } from '../chart-types';
import { ChartNotes, type NoteSharingState } from '../chart-notes/chart-notes';
import { ChartResults } from '../chart-results/chart-results';
import { ChartDocuments } from '../chart-documents/chart-documents';
import { SharingHistory } from '../sharing-history/sharing-history';
import { PortalInvitation } from '../portal-invitation/portal-invitation';
import { RecentProfileChanges } from '../../../profile-changes/recent-profile-changes/recent-profile-changes';

/**
 * The patient's chart (/patients/:id): a read-only header (name, age, identifiers, contacts,
 * emergency contacts), then notes, results, documents and the record of sharing changes. The details are
 * edited on /patients/:id/edit ("Edit details").
 */
@Component({
  selector: 'pc-patient-chart',
  imports: [
    ErrorMessages,
    RouterLink,
    MatButtonModule,
    MatProgressBarModule,
    LaunchAppMenu,
    ChartNotes,
    ChartResults,
    ChartDocuments,
    SharingHistory,
    PortalInvitation,
    RecentProfileChanges,
  ],
  templateUrl: './patient-chart.html',
  styleUrl: './patient-chart.css',
})
export class PatientChart {
  /** The route's :id, bound by withComponentInputBinding(). */
  readonly id = input.required<string>();

  private readonly api = inject(ChartApi);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly patient = signal<Patient | null>(null);
  protected readonly loading = signal(false);
  protected readonly errors = signal<string[]>([]);
  protected readonly noteSharing = signal<NoteSharingState>('unknown');
  /** The categories the owning practice shares with patients by default. */
  protected readonly defaults = signal<string[]>([]);
  /** The owning practice's record (its settings decide whether patients may be invited). */
  protected readonly practice = signal<Organization | undefined>(undefined);

  private readonly notes = signal<ChartItem[]>([]);
  private readonly results = signal<ChartItem[]>([]);
  private readonly documents = signal<ChartItem[]>([]);
  protected readonly historyItems = computed(() => [...this.notes(), ...this.results(), ...this.documents()]);
  protected readonly historyRevision = signal(0);

  protected readonly header = computed(() => {
    const patient = this.patient();
    if (!patient) return null;
    const age = ageInYears(patient.birthDate);
    return {
      name: displayName(patient),
      born: patient.birthDate ? formatFhirDate(patient.birthDate) : '',
      age: age === undefined ? '' : `${age} ${age === 1 ? 'year' : 'years'}`,
      gender: patient.gender ?? '',
      identifiers: (patient.identifier ?? []).map((i) => ({
        label: i.type?.text || i.type?.coding?.[0]?.display || i.system || 'Identifier',
        value: i.value ?? '',
      })),
      telecom: (patient.telecom ?? []).map(contactPointText),
      contacts: (patient.contact ?? []).map((c) => ({
        name: spokenName(c.name) || 'Unnamed contact',
        relationship: (c.relationship ?? [])
          .map((r) => r.text || r.coding?.[0]?.display || r.coding?.[0]?.code)
          .filter(Boolean)
          .join(', '),
        telecom: (c.telecom ?? []).map(contactPointText),
      })),
    };
  });

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => this.load(id));
    });
  }

  protected reload(): void {
    this.load(this.id());
  }

  protected notesListed(items: ChartItem[]): void {
    this.notes.set(items);
  }

  protected resultsListed(items: ChartItem[]): void {
    this.results.set(items);
  }

  protected documentsListed(items: ChartItem[]): void {
    this.documents.set(items);
  }

  protected sharingChanged(): void {
    this.historyRevision.update((n) => n + 1);
  }

  private load(id: string): void {
    this.loading.set(true);
    this.errors.set([]);
    this.api
      .patient(id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (patient) => {
          this.patient.set(patient);
          this.loading.set(false);
          this.loadPractice(patient);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  /** The owning practice's note-sharing setting decides whether "Share with colleagues" is offered. */
  private loadPractice(patient: Patient): void {
    const practiceId = owningPractice(patient);
    if (!practiceId) {
      this.noteSharing.set('unknown');
      return;
    }
    this.api
      .practice(practiceId)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (practice) => {
          this.practice.set(practice);
          this.noteSharing.set(noteSharingEnabled(practice) ? 'on' : 'off');
          this.defaults.set(sharingDefaults(practice));
        },
        error: () => this.noteSharing.set('unknown'),
      });
  }
}
