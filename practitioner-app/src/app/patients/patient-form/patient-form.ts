import { Component, computed, DestroyRef, ElementRef, inject, input, type OnInit, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import { Router, RouterLink } from '@angular/router';
import {
  type AdministrativeGender,
  errorMessages,
  FhirClient,
  isVersionConflict,
  type Patient,
} from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import { LaunchAppMenu } from '../../apps/launch-app-menu/launch-app-menu';
import { applyFormValue, EMPTY_PATIENT_FORM, toFormValue } from '../patient-form-model';
import { birthDateValidator, PHONE_PATTERN } from '../patient-validators';

/** What the snack bar says once a save succeeded (read out by screen readers: its live region is polite). */
export const SAVED_MESSAGE = 'Saved';
export const SAVED_DURATION_MS = 5000;

/**
 * Creates a patient (/patients/new) or edits one (/patients/:id/edit, with "Launch app" for that patient).
 * A successful save goes back to the list (new) or the patient's chart (edit) and says "Saved" in a snack bar.
 */
@Component({
  selector: 'pc-patient-form',
  imports: [
    ErrorMessages,
    ReactiveFormsModule,
    RouterLink,
    LaunchAppMenu,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
  ],
  templateUrl: './patient-form.html',
  styleUrl: './patient-form.css',
})
export class PatientForm implements OnInit {
  /** The route's :id, bound by withComponentInputBinding(); absent when creating. */
  readonly id = input<string>();

  private readonly fhir = inject(FhirClient);
  private readonly router = inject(Router);
  private readonly destroyRef = inject(DestroyRef);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly snackBar = inject(MatSnackBar);

  protected readonly genders: { value: AdministrativeGender | ''; label: string }[] = [
    { value: '', label: 'Not recorded' },
    { value: 'female', label: 'Female' },
    { value: 'male', label: 'Male' },
    { value: 'other', label: 'Other' },
    { value: 'unknown', label: 'Unknown' },
  ];

  protected readonly form = new FormGroup({
    given: new FormControl(EMPTY_PATIENT_FORM.given, { nonNullable: true, validators: [Validators.maxLength(200)] }),
    family: new FormControl(EMPTY_PATIENT_FORM.family, {
      nonNullable: true,
      validators: [Validators.required, Validators.maxLength(200)],
    }),
    gender: new FormControl<AdministrativeGender | ''>(EMPTY_PATIENT_FORM.gender, { nonNullable: true }),
    birthDate: new FormControl(EMPTY_PATIENT_FORM.birthDate, { nonNullable: true, validators: [birthDateValidator()] }),
    phone: new FormControl(EMPTY_PATIENT_FORM.phone, {
      nonNullable: true,
      validators: [Validators.pattern(PHONE_PATTERN), Validators.maxLength(50)],
    }),
    email: new FormControl(EMPTY_PATIENT_FORM.email, { nonNullable: true, validators: [Validators.email] }),
  });

  protected readonly isNew = computed(() => !this.id());
  protected readonly loading = signal(false);
  protected readonly loadFailed = signal(false);
  protected readonly saving = signal(false);
  protected readonly errors = signal<string[]>([]);
  protected readonly versionConflict = signal(false);

  /** The patient as last read: the form's edits are applied to it so unedited fields survive the PUT. */
  private patient: Patient = { resourceType: 'Patient' };

  ngOnInit(): void {
    if (!this.isNew()) this.load();
  }

  /** Reads the patient; also the way out of a version conflict (it discards the edits). */
  protected load(): void {
    const id = this.id();
    if (!id) return;
    this.loading.set(true);
    this.errors.set([]);
    this.versionConflict.set(false);
    this.fhir
      .read<Patient>('Patient', id)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (patient) => {
          this.patient = patient;
          this.form.reset(toFormValue(patient));
          this.loading.set(false);
          this.loadFailed.set(false);
        },
        error: (error: unknown) => {
          this.errors.set(errorMessages(error));
          this.loading.set(false);
          this.loadFailed.set(true);
        },
      });
  }

  protected save(): void {
    if (this.saving()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.focusFirstInvalidField();
      return;
    }
    const patient = applyFormValue(this.patient, this.form.getRawValue());
    const request = patient.id ? this.fhir.update({ ...patient, id: patient.id }) : this.fhir.create(patient);
    this.saving.set(true);
    this.errors.set([]);
    this.versionConflict.set(false);
    request.pipe(takeUntilDestroyed(this.destroyRef)).subscribe({
      next: () => {
        this.snackBar.open(SAVED_MESSAGE, undefined, { duration: SAVED_DURATION_MS, politeness: 'polite' });
        // An edit goes back to the patient's chart, a new patient to the list.
        void this.router.navigate(patient.id ? ['/patients', patient.id] : ['/patients']);
      },
      error: (error: unknown) => {
        this.saving.set(false);
        this.errors.set(errorMessages(error));
        this.versionConflict.set(isVersionConflict(error));
      },
    });
  }

  /** Keyboard and screen-reader users land on the field to fix instead of hunting for it. */
  private focusFirstInvalidField(): void {
    this.host.nativeElement.querySelector<HTMLElement>('[formcontrolname].ng-invalid')?.focus();
  }
}
