import { Component, computed, DestroyRef, inject, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { errorMessages, LANGUAGE_CODES, languageName, SERVICES } from '@web-shared/fhir';
import { PracticeService } from '../practices/practice.service';
import { formOf, type ProfileForm, type ProfileRecords, recordsOf } from './directory-profile-model';
import { DirectoryProfileService } from './directory-profile.service';

/** Most characters of the biography (fhir-profiles/structure-definitions/biography.json). */
export const BIOGRAPHY_MAX = 1000;

/**
 * "My directory profile": what patients find about the signed-in practitioner in the portal's
 * directory — listed or not, languages, biography, and per role services, home visits and online
 * bookings, per location wheelchair access.
 */
@Component({
  selector: 'pc-directory-profile',
  imports: [
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
  ],
  templateUrl: './directory-profile.html',
  styleUrl: './directory-profile.css',
})
export class DirectoryProfilePage implements OnInit {
  private readonly service = inject(DirectoryProfileService);
  private readonly practices = inject(PracticeService);
  private readonly destroyRef = inject(DestroyRef);

  protected readonly biographyMax = BIOGRAPHY_MAX;
  protected readonly languageOptions = computed(() => {
    const extra = (this.form()?.languages ?? []).filter((c) => !LANGUAGE_CODES.includes(c));
    return [...LANGUAGE_CODES, ...extra]
      .map((code) => ({ code, name: languageName(code) }))
      .sort((a, b) => a.name.localeCompare(b.name));
  });
  protected readonly services = SERVICES;
  protected readonly loading = signal(true);
  protected readonly saving = signal(false);
  protected readonly errors = signal<string[]>([]);
  protected readonly saveErrors = signal<string[]>([]);
  protected readonly saved = signal(false);
  protected readonly form = signal<ProfileForm | undefined>(undefined);
  private records?: ProfileRecords;

  ngOnInit(): void {
    this.load();
  }

  protected load(): void {
    const id = this.practices.practitionerId();
    this.errors.set([]);
    if (!id) {
      this.loading.set(false);
      this.errors.set(['Only a practitioner has a directory profile: you are not signed in as one.']);
      return;
    }
    this.loading.set(true);
    this.service
      .load(id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (records) => this.show(records),
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  protected edit(change: Partial<ProfileForm>): void {
    this.saved.set(false);
    this.form.update((f) => (f ? { ...f, ...change } : f));
  }

  protected editRole(index: number, change: Partial<ProfileForm['roles'][number]>): void {
    const form = this.form();
    if (form) this.edit({ roles: form.roles.map((r, i) => (i === index ? { ...r, ...change } : r)) });
  }

  protected editLocation(index: number, wheelchairAccess: boolean): void {
    const form = this.form();
    if (form) this.edit({ locations: form.locations.map((l, i) => (i === index ? { ...l, wheelchairAccess } : l)) });
  }

  protected save(): void {
    const form = this.form();
    if (!form || !this.records || this.saving()) return;
    if (form.biography.trim().length > BIOGRAPHY_MAX) {
      this.saveErrors.set([`The biography is too long: at most ${BIOGRAPHY_MAX} characters.`]);
      return;
    }
    this.saving.set(true);
    this.saveErrors.set([]);
    this.service
      .save(this.records, recordsOf(form, this.records))
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (records) => {
          this.show(records);
          this.saving.set(false);
          this.saved.set(true);
        },
        error: (error: unknown) => {
          this.saveErrors.set(errorMessages(error));
          this.saving.set(false);
        },
      });
  }

  private show(records: ProfileRecords): void {
    this.records = records;
    this.form.set(formOf(records));
    this.loading.set(false);
  }
}
