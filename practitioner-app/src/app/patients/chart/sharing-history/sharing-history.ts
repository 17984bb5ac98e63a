import { Component, computed, DestroyRef, effect, inject, input, untracked, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { AuthService } from '@web-shared/auth';
import { errorMessages, type Provenance } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { ChartApi } from '../chart-api';
import { formatFhirDate, spokenName } from '../chart-model';
import type { ChartItem } from '../chart-types';

interface HistoryRow {
  id: string;
  when: string;
  who: string;
  what: string;
  item: string;
}

/** What each sharing code means, for records without a display. */
const ACTIVITY_TEXT: Record<string, string> = {
  'share-patient': 'Shared with the patient',
  'unshare-patient': 'No longer shared with the patient',
  'share-colleagues': 'Shared with colleagues',
  'unshare-colleagues': 'No longer shared with colleagues',
};

/**
 * The record of sharing changes (the server's Provenance) for the notes and results the chart lists,
 * newest first: who, when, what, on which item. Read again whenever `revision` changes.
 */
@Component({
  selector: 'pc-sharing-history',
  imports: [ErrorMessages, MatButtonModule, MatProgressBarModule],
  templateUrl: './sharing-history.html',
  styleUrl: './sharing-history.css',
})
export class SharingHistory {
  readonly items = input<ChartItem[]>([]);
  /** Bumped by the chart after each sharing change. */
  readonly revision = input(0);

  private readonly api = inject(ChartApi);
  private readonly auth = inject(AuthService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly records = signal<Provenance[]>([]);
  protected readonly loading = signal(false);
  protected readonly errors = signal<string[]>([]);
  /** `Practitioner/1` → "Dr Amara Okafor", for the agents other than the signed-in user. */
  private readonly names = signal<ReadonlyMap<string, string>>(new Map());

  protected readonly rows = computed<HistoryRow[]>(() => {
    const me = this.auth.fhirUser();
    const labels = new Map(this.items().map((i) => [i.reference, i.label]));
    return this.records().map((record, index) => {
      const who = record.agent?.[0]?.who;
      const coding = record.activity?.coding?.[0];
      // The target is the version written (`DocumentReference/1/_history/3`): the item is its first two parts.
      const target = (record.target?.[0]?.reference ?? '').split('/').slice(0, 2).join('/');
      return {
        id: record.id ?? String(index),
        when: formatFhirDate(record.recorded),
        who:
          who?.reference && who.reference === me
            ? 'You'
            : who?.display || this.names().get(who?.reference ?? '') || who?.reference || 'Unknown',
        what: coding?.display || ACTIVITY_TEXT[coding?.code ?? ''] || coding?.code || 'Changed sharing',
        item: labels.get(target) ?? target,
      };
    });
  });

  constructor() {
    effect(() => {
      this.revision();
      const targets = this.items().map((i) => i.reference);
      untracked(() => this.load(targets));
    });
  }

  protected reload(): void {
    this.load(this.items().map((i) => i.reference));
  }

  /** Names the practitioners in the records; without them (e.g. not readable) the reference is shown. */
  private loadNames(records: Provenance[]): void {
    const me = this.auth.fhirUser();
    const ids = new Set<string>();
    for (const record of records) {
      const reference = record.agent?.[0]?.who?.reference;
      const id = /^Practitioner\/([^/]+)$/.exec(reference ?? '')?.[1];
      if (id && reference !== me && !record.agent?.[0]?.who?.display && !this.names().has(reference!)) ids.add(id);
    }
    if (ids.size === 0) return;
    this.api
      .practitioners([...ids])
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (practitioners) => {
          const names = new Map(this.names());
          for (const p of practitioners) {
            const name = p.name?.[0];
            const text = [...(name?.prefix ?? []), spokenName(name)].filter(Boolean).join(' ');
            if (p.id && text) names.set(`Practitioner/${p.id}`, text);
          }
          this.names.set(names);
        },
        error: () => undefined,
      });
  }

  private load(targets: string[]): void {
    this.errors.set([]);
    if (targets.length === 0) {
      this.records.set([]);
      return;
    }
    this.loading.set(true);
    this.api
      .provenance(targets)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (records) => {
          this.records.set(records);
          this.loading.set(false);
          this.loadNames(records);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }
}
