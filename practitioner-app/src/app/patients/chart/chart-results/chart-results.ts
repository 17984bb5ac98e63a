import { Component, computed, effect, inject, input, output, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import type { MatSlideToggleChange } from '@angular/material/slide-toggle';
import type { Observation } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { ShowMore } from '../../../paging/show-more/show-more';
import { ChartApi } from '../chart-api';
import { ChartList } from '../chart-list';
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
  imports: [ErrorMessages, MatButtonModule, MatProgressBarModule, ShareSwitch, ShowMore],
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

  protected readonly list = new ChartList<Observation>('Observation', () => this.emitListed());

  protected readonly rows = computed<ResultRow[]>(() =>
    this.list
      .items()
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
      untracked(() => this.list.load(this.api.results(patientId)));
    });
  }

  protected reload(): void {
    this.list.load(this.api.results(this.patientId()));
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
    this.list.run(
      this.api.setShared(row.observation, 'patient', change.checked),
      (saved) => {
        this.list.replace(saved);
        this.sharingChanged.emit();
      },
      // Refused: the switch goes back to the state the server still has.
      { failed: () => (change.source.checked = !change.checked) },
    );
  }
}
