import { HttpErrorResponse } from '@angular/common/http';
import { Component, DestroyRef, effect, ElementRef, inject, signal, untracked } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatRadioModule } from '@angular/material/radio';
import type { Subscription } from 'rxjs';
import { errorMessages, FhirClient, isVersionConflict } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { AdminPracticeChoice } from '../../practices/admin-practice-choice';
import { AdminPracticePicker } from '../../practices/admin-practice-picker/admin-practice-picker';
import {
  MAX_CONTACT_VALUE,
  MAX_CRISIS_TEXT,
  type PatientUpdateMode,
  type PortalSettings,
  type PracticeRecord,
  settingsOf,
  SHARING_CATEGORIES,
  UPDATE_MODES,
  withSettings,
} from '../settings-model';

type Status = 'idle' | 'loading' | 'loaded' | 'error';

export const SAVED_MESSAGE = 'Settings saved. They apply from now on.';
export const CONFLICT_MESSAGE =
  'Someone else saved these settings while you were editing. The page now shows what they saved: make your changes again and save.';

/**
 * "Patient portal and clinical sharing" (`/settings/portal`): a practice administrator's settings,
 * stored as extensions on the practice's Organization (settings-model.ts, decision 0026). The page
 * reads the Organization (`GET /fhir/R4/Organization/{id}`) and saves it whole with `PUT` and
 * `If-Match`: a version conflict reloads the record and says so. The toolbar offers the page to
 * administrators only; anyone else who opens it is told why and nothing is requested. The server has
 * the last word (a 403 is shown in words).
 */
@Component({
  selector: 'pc-portal-settings',
  imports: [
    ErrorMessages,
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatRadioModule,
    AdminPracticePicker,
  ],
  templateUrl: './portal-settings.html',
  styleUrl: './portal-settings.css',
})
export class PortalSettingsPage {
  private readonly fhir = inject(FhirClient);
  private readonly destroyRef = inject(DestroyRef);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  protected readonly updateModes = UPDATE_MODES;
  protected readonly categories = SHARING_CATEGORIES;
  protected readonly maxCrisisText = MAX_CRISIS_TEXT;

  /** Which administered practice the page is about (`<pc-admin-practice-picker>` shows and changes it). */
  protected readonly admin = new AdminPracticeChoice();
  private readonly practiceId = this.admin.practiceId;

  protected readonly status = signal<Status>('idle');
  protected readonly saving = signal(false);
  protected readonly errors = signal<string[]>([]);
  /** What the polite live region says after a save or a reload (screen readers hear it). */
  protected readonly notice = signal('');

  protected readonly form = new FormGroup({
    invitations: new FormControl(false, { nonNullable: true }),
    updates: new FormControl<PatientUpdateMode>('disabled', { nonNullable: true }),
    noteSharing: new FormControl(false, { nonNullable: true }),
    categories: new FormGroup(
      Object.fromEntries(SHARING_CATEGORIES.map((c) => [c.code, new FormControl(false, { nonNullable: true })])),
    ),
    minorProxyAge: new FormControl(18, {
      nonNullable: true,
      validators: [Validators.required, Validators.min(1), Validators.max(25), Validators.pattern(/^\d+$/)],
    }),
    phone: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(MAX_CONTACT_VALUE)] }),
    email: new FormControl('', {
      nonNullable: true,
      validators: [Validators.email, Validators.maxLength(MAX_CONTACT_VALUE)],
    }),
    sms: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(MAX_CONTACT_VALUE)] }),
    crisisText: new FormControl('', { nonNullable: true, validators: [Validators.maxLength(MAX_CRISIS_TEXT)] }),
  });

  /** The record as last read: saving applies the form to it, so every other field survives the PUT. */
  private record: PracticeRecord | null = null;
  private loading?: Subscription;

  constructor() {
    effect(() => {
      const id = this.practiceId();
      untracked(() => this.load(id));
    });
  }

  protected crisisLength(): number {
    return this.form.controls.crisisText.value.length;
  }

  /** Reads the practice's record into the form (discarding edits); `notice` is announced once it is shown. */
  protected load(id = this.practiceId(), notice = ''): void {
    this.loading?.unsubscribe();
    this.record = null;
    this.errors.set([]);
    this.notice.set('');
    if (id === null) {
      this.status.set('idle');
      return;
    }
    this.status.set('loading');
    this.loading = this.fhir
      .read<PracticeRecord>('Organization', id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (record) => {
          this.show(record);
          this.notice.set(notice);
        },
        error: (error: unknown) => {
          this.status.set('error');
          this.errors.set(errorMessages(error));
        },
      });
  }

  protected save(): void {
    const record = this.record;
    if (this.saving() || !record?.id) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.host.nativeElement.querySelector<HTMLElement>('input.ng-invalid, textarea.ng-invalid')?.focus();
      return;
    }
    this.saving.set(true);
    this.errors.set([]);
    this.notice.set('');
    this.fhir
      .update({ ...withSettings(record, this.formSettings()), id: record.id })
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (saved) => {
          this.saving.set(false);
          this.show(saved);
          this.notice.set(SAVED_MESSAGE);
        },
        error: (error: unknown) => {
          this.saving.set(false);
          if (isVersionConflict(error)) {
            this.load(record.id, CONFLICT_MESSAGE);
            return;
          }
          const forbidden = error instanceof HttpErrorResponse && error.status === 403;
          this.errors.set([
            ...(forbidden
              ? ['You are not allowed to change these settings: only administrators of the practice can.']
              : []),
            ...errorMessages(error),
          ]);
        },
      });
  }

  private show(record: PracticeRecord): void {
    this.record = record;
    const s = settingsOf(record);
    this.form.reset({
      invitations: s.invitations,
      updates: s.updates,
      noteSharing: s.noteSharing,
      categories: Object.fromEntries(SHARING_CATEGORIES.map((c) => [c.code, s.categories.includes(c.code)])),
      minorProxyAge: s.minorProxyAge,
      phone: s.contacts.phone,
      email: s.contacts.email,
      sms: s.contacts.sms,
      crisisText: s.crisisText,
    });
    this.status.set('loaded');
  }

  private formSettings(): PortalSettings {
    const v = this.form.getRawValue();
    return {
      invitations: v.invitations,
      updates: v.updates,
      noteSharing: v.noteSharing,
      categories: SHARING_CATEGORIES.map((c) => c.code).filter((code) => v.categories[code]),
      minorProxyAge: Number(v.minorProxyAge),
      contacts: { phone: v.phone, email: v.email, sms: v.sms },
      crisisText: v.crisisText,
    };
  }
}
