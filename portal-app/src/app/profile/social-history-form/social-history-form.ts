import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  inject,
  input,
  signal,
  untracked,
} from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { errorMessages } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { formatFhirDate } from '../../record/format-date';
import { ProfileService } from '../profile.service';
import {
  batchOutcomes,
  LIVING_CHOICES,
  type LatestValue,
  latestValues,
  observationsOf,
  receivingRecords,
  SMOKING_CHOICES,
  SOCIAL_ITEMS,
  socialHistoryBatch,
} from '../social-history';
import type { PracticeRecord } from '../update-profile';

/**
 * "Social history": the latest value the patient can read of each item, and a form to record new
 * ones, sent as one batch to every practice that takes updates (a disabled practice is named and skipped).
 */
@Component({
  selector: 'pp-social-history-form',
  imports: [
    ErrorMessages,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    ReactiveFormsModule,
  ],
  templateUrl: './social-history-form.html',
  styleUrl: './social-history-form.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SocialHistoryForm {
  private readonly service = inject(ProfileService);
  private readonly destroyRef = inject(DestroyRef);

  readonly records = input.required<PracticeRecord[]>();
  /** Changed by the page when it loads again ("Reload"): the values are read again. */
  readonly refresh = input(0);

  protected readonly items = SOCIAL_ITEMS;
  protected readonly smokingChoices = SMOKING_CHOICES;
  protected readonly livingChoices = LIVING_CHOICES;
  protected readonly form = new FormGroup({
    smoking: new FormControl('', { nonNullable: true }),
    alcohol: new FormControl<number | null>(null, { validators: [Validators.min(0), Validators.max(100)] }),
    occupation: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(200)] }),
    living: new FormControl('', { nonNullable: true }),
  });

  protected readonly loading = signal(true);
  protected readonly loadErrors = signal<string[]>([]);
  protected readonly latest = signal<LatestValue[]>([]);
  protected readonly sending = signal(false);
  protected readonly problems = signal<string[]>([]);
  protected readonly sendErrors = signal<string[]>([]);
  protected readonly outcome = signal<string[]>([]);

  protected readonly skipped = computed(() => receivingRecords(this.records()).skip);
  protected readonly receivers = computed(() => receivingRecords(this.records()).send);

  constructor() {
    effect(() => {
      this.refresh();
      untracked(() => this.load());
    });
  }

  protected load(): void {
    this.loading.set(true);
    this.loadErrors.set([]);
    this.service
      .socialHistory()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (observations) => {
          this.latest.set(latestValues(observations));
          this.loading.set(false);
        },
        error: (error: unknown) => {
          this.loadErrors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  protected date(value: string | undefined): string {
    return formatFhirDate(value);
  }

  protected submit(): void {
    if (this.sending()) return;
    this.outcome.set([]);
    this.sendErrors.set([]);
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.problems.set(['Alcohol: write a number of drinks per day from 0 to 100.']);
      return;
    }
    const raw = this.form.getRawValue();
    const observations = observationsOf(
      { ...raw, alcohol: raw.alcohol === null || String(raw.alcohol) === '' ? null : Number(raw.alcohol) },
      new Date().toISOString(),
    );
    const receivers = this.receivers();
    const problems = [
      ...(observations.length === 0 ? ['Fill in at least one item to record.'] : []),
      ...(receivers.length === 0 ? ['None of your practices takes updates from the portal.'] : []),
    ];
    this.problems.set(problems);
    if (problems.length > 0) return;

    this.sending.set(true);
    this.service
      .recordSocialHistory(socialHistoryBatch(observations, receivers))
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (response) => {
          this.sending.set(false);
          const outcomes = batchOutcomes(response, receivers, observations.length);
          this.outcome.set([
            ...outcomes.map((o) => (o.ok ? `${o.practiceName}: recorded` : `${o.practiceName}: not recorded`)),
            ...this.skipped().map(
              (r) => `${r.practiceName}: not sent (this practice does not take updates from the portal)`,
            ),
          ]);
          if (outcomes.every((o) => o.ok)) this.form.reset();
          this.load();
        },
        error: (error: unknown) => {
          this.sending.set(false);
          this.sendErrors.set(errorMessages(error));
        },
      });
  }
}
