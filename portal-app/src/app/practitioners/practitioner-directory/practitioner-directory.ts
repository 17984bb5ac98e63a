import { Component, computed, DestroyRef, inject, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatSelectModule } from '@angular/material/select';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { errorMessages, LANGUAGE_CODES, languageName, SERVICES } from '@web-shared/fhir';
import { type DirectoryEntry, matchesName } from '../directory';
import { PractitionerCard } from '../practitioner-card/practitioner-card';
import { type DirectoryFilters, hasFilters, PractitionerDirectoryService } from '../practitioner-directory.service';

/**
 * The "Find a practitioner" page: the whole directory, filtered by name as the user types; language,
 * service, home visits, wheelchair access and city are asked of the server (Search), which knows
 * them from the practitioners' directory profiles.
 */
@Component({
  selector: 'pp-practitioner-directory',
  imports: [
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    PractitionerCard,
  ],
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
  protected readonly filters = signal<DirectoryFilters>({});
  /** Whether the entries shown were searched with filters (the empty message says so). */
  protected readonly filtered = signal(false);
  protected readonly languages = LANGUAGE_CODES.map((code) => ({ code, name: languageName(code) })).sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  protected readonly services = SERVICES;
  // The directory is one small download, so filtering locally is instant and needs no debounce.
  protected readonly visible = computed(() => this.entries().filter((e) => matchesName(e, this.filter())));

  ngOnInit(): void {
    this.load();
  }

  protected setFilter<K extends keyof DirectoryFilters>(key: K, value: DirectoryFilters[K]): void {
    this.filters.update((f) => ({ ...f, [key]: value }));
  }

  protected clearFilters(): void {
    this.filters.set({});
    this.load();
  }

  protected load(): void {
    this.loading.set(true);
    this.errors.set([]);
    const filters = this.filters();
    this.filtered.set(hasFilters(filters));
    (hasFilters(filters) ? this.directory.search(filters) : this.directory.load())
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
