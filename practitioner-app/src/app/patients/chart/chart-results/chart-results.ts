import { Component, computed, DestroyRef, effect, inject, input, output, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { MatSlideToggleChange } from '@angular/material/slide-toggle';
import { errorMessages, type Observation } from '@web-shared/fhir';
import { appendNew, MorePages } from '../../../paging/more-pages';
import { ShowMore } from '../../../paging/show-more/show-more';
import { ChartApi } from '../chart-api';
import { ShareSwitch } from '../share-switch/share-switch';
import {
  formatFhirDate,
  isShared,
  observationDate,
  observationName,
  observationValue,
  sharedByDefault,
} from '../chart-model';
import type { ChartItem } from '../chart-types';

interface ResultRow {
  id: string;
  observation: Observation & { id: string };
  date: string;
  name: string;
  value: string;
  shared: boolean;
  /** Not marked, but the patient sees it through the practice's default for results. */
  byDefault: boolean;
}

/** The chart's results: the patient's Observations newest first, each with "Shared with patient". */
@Component({
  selector: 'pc-chart-results',
  imports: [MatButtonModule, MatProgressBarModule, ShareSwitch, ShowMore],
  templateUrl: './chart-results.html',
  styleUrl: './chart-results.css',
})
export class ChartResults {
  readonly patientId = input.required<string>();
  /** The practice shares results with patients by default (its record-sharing-default has `results`). */
  readonly sharedByDefault = input(false);
  /** The results listed, for the sharing history. */
  readonly listed = output<ChartItem[]>();
  readonly sharingChanged = output<void>();

  private readonly api = inject(ChartApi);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly results = signal<Observation[]>([]);
  protected readonly loading = signal(false);
  protected readonly loadErrors = signal<string[]>([]);
  protected readonly actionErrors = signal<string[]>([]);
  protected readonly busy = signal(false);
  protected readonly more = new MorePages<Observation>('Observation', (items) => {
    const { list, added } = appendNew(this.results(), items);
    this.results.set(list);
    this.emitListed();
    return added;
  });

  protected readonly rows = computed<ResultRow[]>(() =>
    this.results()
      .filter((o): o is Observation & { id: string } => !!o.id)
      .map((observation) => ({
        id: observation.id,
        observation,
        date: formatFhirDate(observationDate(observation)),
        name: observationName(observation),
        value: observationValue(observation),
        shared: isShared(observation, 'patient'),
        byDefault: sharedByDefault(observation, this.sharedByDefault()),
      })),
  );

  constructor() {
    effect(() => {
      const patientId = this.patientId();
      untracked(() => this.load(patientId));
    });
  }

  protected reload(): void {
    this.load(this.patientId());
  }

  private load(patientId: string): void {
    this.loading.set(true);
    this.loadErrors.set([]);
    this.more.start({ items: [] });
    this.api
      .results(patientId)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (page) => {
          this.results.set(page.items);
          this.more.start(page);
          this.loading.set(false);
          this.emitListed();
        },
        error: (error: unknown) => {
          this.loadErrors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  private emitListed(): void {
    this.listed.emit(
      this.rows().map((row) => ({
        reference: `Observation/${row.id}`,
        label: row.date ? `${row.name} of ${row.date}` : row.name,
      })),
    );
  }

  protected toggleShare(row: ResultRow, change: MatSlideToggleChange): void {
    this.busy.set(true);
    this.actionErrors.set([]);
    this.api
      .setShared(row.observation, 'patient', change.checked)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (saved) => {
          this.busy.set(false);
          this.results.update((all) => all.map((o) => (o.id === saved.id ? saved : o)));
          this.sharingChanged.emit();
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.actionErrors.set(errorMessages(error));
          change.source.checked = !change.checked;
        },
      });
  }
}
