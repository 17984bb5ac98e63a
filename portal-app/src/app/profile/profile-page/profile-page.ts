import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, inject, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormArray, FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { errorMessages } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { PendingReviews } from '../pending-reviews/pending-reviews';
import {
  applyFormValue,
  type EmergencyContactValue,
  EMPTY_PROFILE_FORM,
  MAX_EMERGENCY_CONTACTS,
  type ProfileFormValue,
  RELATIONSHIPS,
  toFormValue,
} from '../profile-model';
import type { Person } from '../profile-types';
import { birthDateValidator, PHONE_PATTERN } from '../profile-validators';
import { ProfileService } from '../profile.service';
import { SocialHistoryForm } from '../social-history-form/social-history-form';
import {
  linkedPatientIds,
  type PracticeRecord,
  type PracticeResult,
  practiceResults,
  storedProfile,
} from '../update-profile';

export const PROFILE_CONFLICT_MESSAGE =
  'Your profile was changed somewhere else (perhaps in another window) since you opened this page, so nothing was saved. Reload to see the latest version, then make your change again.';

const text = (value: string, ...validators: ReturnType<typeof Validators.maxLength>[]) =>
  new FormControl(value, { nonNullable: true, validators: [Validators.maxLength(200), ...validators] });
const phone = (value: string) => text(value, Validators.pattern(PHONE_PATTERN), Validators.maxLength(50));

function contactGroup(value: EmergencyContactValue) {
  return new FormGroup({
    relationship: new FormControl(value.relationship, { nonNullable: true, validators: [Validators.required] }),
    name: text(value.name, Validators.required),
    phone: phone(value.phone),
  });
}
type ContactGroup = ReturnType<typeof contactGroup>;

/**
 * "My profile": the account's own details (its Person, decision 0028), saved with `$update-profile`,
 * which hands the change to every practice holding the patient's record according to that practice's
 * setting; the page then says, practice by practice, what happened. Social history and the pending
 * reviews are their own sections (components) below.
 */
@Component({
  selector: 'pp-profile-page',
  imports: [
    ErrorMessages,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    PendingReviews,
    ReactiveFormsModule,
    SocialHistoryForm,
  ],
  templateUrl: './profile-page.html',
  styleUrl: './profile-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ProfilePage implements OnInit {
  private readonly service = inject(ProfileService);
  private readonly destroyRef = inject(DestroyRef);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  protected readonly relationships = RELATIONSHIPS;
  protected readonly maxContacts = MAX_EMERGENCY_CONTACTS;
  protected readonly genders = [
    { value: '', label: 'Not given' },
    { value: 'female', label: 'Female' },
    { value: 'male', label: 'Male' },
    { value: 'other', label: 'Other' },
    { value: 'unknown', label: 'Prefer not to say' },
  ];

  protected readonly form = new FormGroup({
    given: text(''),
    family: text('', Validators.required),
    birthDate: new FormControl('', { nonNullable: true, validators: [birthDateValidator()] }),
    gender: new FormControl<ProfileFormValue['gender']>('', { nonNullable: true }),
    email: text('', Validators.email),
    mobile: phone(''),
    home: phone(''),
    work: phone(''),
    line1: text(''),
    line2: text(''),
    city: text(''),
    postalCode: text('', Validators.maxLength(20)),
    country: text(''),
    contacts: new FormArray<ContactGroup>([]),
  });

  protected readonly loading = signal(true);
  protected readonly loadErrors = signal<string[]>([]);
  protected readonly saving = signal(false);
  protected readonly saveErrors = signal<string[]>([]);
  protected readonly conflict = signal(false);
  protected readonly invalid = signal(false);
  protected readonly saved = signal('');
  protected readonly results = signal<PracticeResult[]>([]);
  protected readonly records = signal<PracticeRecord[]>([]);
  /** Bumped on each load: the sections below read again what they show. */
  protected readonly reloads = signal(0);
  /** Bumped on each load and after a save (a practice in review mode made a new Task). */
  protected readonly reviewsVersion = signal(0);

  /** The Person as last read or stored: the form's edits are applied to it. */
  private person: Person | undefined;

  ngOnInit(): void {
    this.load();
  }

  protected get contacts(): FormArray<ContactGroup> {
    return this.form.controls.contacts;
  }

  /** Reads the profile and the records; also the way out of a conflict (it discards the edits). */
  protected load(): void {
    this.loading.set(true);
    this.loadErrors.set([]);
    this.saveErrors.set([]);
    this.conflict.set(false);
    this.results.set([]);
    this.saved.set('');
    this.service
      .load()
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: ({ person, records }) => {
          this.show(person);
          this.records.set(records);
          this.loading.set(false);
          this.reloads.update((v) => v + 1);
          this.reviewsVersion.update((v) => v + 1);
        },
        error: (error: unknown) => {
          this.loadErrors.set(errorMessages(error));
          this.loading.set(false);
        },
      });
  }

  protected addContact(): void {
    if (this.contacts.length >= MAX_EMERGENCY_CONTACTS) return;
    this.contacts.push(contactGroup({ relationship: '', name: '', phone: '' }));
    this.contacts.markAsDirty();
    // The new contact's first field, for keyboard users (after it is rendered).
    const index = this.contacts.length - 1;
    setTimeout(() => this.host.nativeElement.querySelector<HTMLElement>(`#contact-${index}-relationship`)?.focus());
  }

  protected removeContact(index: number): void {
    this.contacts.removeAt(index);
    this.contacts.markAsDirty();
    setTimeout(() => this.host.nativeElement.querySelector<HTMLElement>('#add-contact')?.focus());
  }

  protected save(): void {
    if (this.saving() || !this.person) return;
    this.saved.set('');
    this.results.set([]);
    if (this.form.invalid) {
      this.invalid.set(true);
      this.form.markAllAsTouched();
      this.host.nativeElement.querySelector<HTMLElement>('.profile-form .ng-invalid:is(input, mat-select)')?.focus();
      return;
    }
    this.invalid.set(false);
    const profile = applyFormValue(this.person, this.form.getRawValue());
    const records = this.records();
    this.saving.set(true);
    this.saveErrors.set([]);
    this.conflict.set(false);
    this.service
      .save(profile, records)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (answer) => {
          this.saving.set(false);
          this.show(storedProfile(answer) ?? profile);
          this.results.set(practiceResults(answer, records));
          this.saved.set('Your profile was saved.');
          this.reviewsVersion.update((v) => v + 1);
          this.refreshRecords();
        },
        error: (error: unknown) => {
          this.saving.set(false);
          const conflict = error instanceof HttpErrorResponse && error.status === 409;
          this.conflict.set(conflict);
          this.saveErrors.set(conflict ? [PROFILE_CONFLICT_MESSAGE] : errorMessages(error));
        },
      });
  }

  private show(person: Person): void {
    this.person = person;
    const value = toFormValue(person);
    this.contacts.clear();
    for (const contact of value.contacts) this.contacts.push(contactGroup(contact));
    this.form.reset({ ...EMPTY_PROFILE_FORM, ...value });
  }

  /**
   * After a save the practices' records have new versions (ours); the next save must be checked
   * against those, not the ones loaded first, or it would take our own change for the practice's.
   */
  private refreshRecords(): void {
    if (!this.person) return;
    this.service
      .records(linkedPatientIds(this.person))
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({ next: (records) => this.records.set(records), error: () => undefined });
  }
}
