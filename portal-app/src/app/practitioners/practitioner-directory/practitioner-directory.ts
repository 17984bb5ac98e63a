import { Component, computed, DestroyRef, inject, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { errorMessages } from '@web-shared/fhir';
import { type DirectoryEntry, matchesName } from '../directory';
import { PractitionerCard } from '../practitioner-card/practitioner-card';
import { PractitionerDirectoryService } from '../practitioner-directory.service';

/** The public "Find a practitioner" page: the whole directory, filtered by name as the user types. */
@Component({
  selector: 'pp-practitioner-directory',
  imports: [MatButtonModule, MatFormFieldModule, MatInputModule, MatProgressBarModule, PractitionerCard],
  templateUrl: './practitioner-directory.html',
  styleUrl: './practitioner-directory.css',
})
export class PractitionerDirectory implements OnInit {
  private readonly directory = inject(PractitionerDirectoryService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly loading = signal(true);
  protected readonly errors = signal<string[]>([]);
  protected readonly entries = signal<DirectoryEntry[]>([]);
  protected readonly filter = signal('');
  // The directory is one small download, so filtering locally is instant and needs no debounce.
  protected readonly visible = computed(() => this.entries().filter((e) => matchesName(e, this.filter())));

  ngOnInit(): void {
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.errors.set([]);
    this.directory
      .load()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (entries) => {
          this.entries.set(entries);
          this.loading.set(false);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }
}
