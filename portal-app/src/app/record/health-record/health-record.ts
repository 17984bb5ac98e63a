import { ChangeDetectionStrategy, Component, DestroyRef, inject, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { errorMessages } from '@web-shared/fhir';
import { HealthRecordService } from '../health-record.service';
import type { PracticeRecord } from '../record-model';
import { PracticeRecordView } from '../practice-record/practice-record';
import { UploadDocument } from '../upload-document/upload-document';

/** "My health record": what each of the patient's practices shares with them, one practice after another. */
@Component({
  selector: 'pp-health-record',
  imports: [MatButtonModule, MatProgressBarModule, PracticeRecordView, UploadDocument],
  templateUrl: './health-record.html',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class HealthRecord implements OnInit {
  private readonly service = inject(HealthRecordService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly loading = signal(true);
  protected readonly errors = signal<string[]>([]);
  protected readonly records = signal<PracticeRecord[]>([]);

  ngOnInit(): void {
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.errors.set([]);
    this.service
      .load()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (records) => {
          this.records.set(records);
          this.loading.set(false);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }
}
