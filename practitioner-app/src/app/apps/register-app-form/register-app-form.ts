import { Component, DestroyRef, ElementRef, inject, input, output, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  type AbstractControl,
  FormControl,
  FormGroup,
  type FormGroupDirective,
  type NgForm,
  ReactiveFormsModule,
  Validators,
} from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { type ErrorStateMatcher } from '@angular/material/core';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { errorMessages } from '@web-shared/fhir';
import { ErrorMessages } from '@web-shared/shell';
import {
  CLIENT_KINDS,
  type ClientFormValue,
  jwksRequiredValidator,
  jwksUriValidator,
  jwksValidator,
  needsJwks,
  needsRedirectUris,
  launchUriValidator,
  mayManageAccess,
  redirectUrisValidator,
  scopeFitsKindValidator,
  scopeValidator,
  toRegistration,
} from '../client-form-model';
import { type ClientCredentials, type ClientKind, PracticeAppsApi } from '../practice-apps-api';

/** What the form reports after the server registered the client: its name and credentials. */
export interface RegisteredEvent extends ClientCredentials {
  name: string;
}

/** Shows the JWKS fields in error when the group says neither (or both) were given. */
class JwksErrorStateMatcher implements ErrorStateMatcher {
  isErrorState(control: AbstractControl | null, form: FormGroupDirective | NgForm | null): boolean {
    if (!control) return false;
    const shown = control.touched || !!form?.submitted;
    const groupError = !!control.parent?.hasError('jwksRequired') || !!control.parent?.hasError('jwksBoth');
    return shown && (control.invalid || groupError);
  }
}

/**
 * "Register app": a practice administrator registers a SMART client for the practice
 * (`POST /api/practices/{practiceId}/clients`). Which fields apply depends on the kind: redirect URIs
 * (and an optional launch URI) for all but backend services; a JWKS URL or pasted JWKS for private
 * key JWT clients and backend services; "Manage memberships and family access" for backend services
 * only. Fields that do not apply are disabled, so they are neither validated nor sent.
 */
@Component({
  selector: 'pc-register-app-form',
  imports: [
    ErrorMessages,
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
  ],
  templateUrl: './register-app-form.html',
  styleUrl: './register-app-form.css',
})
export class RegisterAppForm {
  /** The practice (Organization id) the client is registered for. */
  readonly practiceId = input.required<string>();
  /** The server registered the client; the secret, if any, is in this event only. */
  readonly registered = output<RegisteredEvent>();
  readonly cancelled = output<void>();

  private readonly api = inject(PracticeAppsApi);
  private readonly destroyRef = inject(DestroyRef);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);

  protected readonly kinds = CLIENT_KINDS;
  protected readonly jwksErrorState = new JwksErrorStateMatcher();

  protected readonly form = new FormGroup(
    {
      name: new FormControl('', {
        nonNullable: true,
        validators: [Validators.required, Validators.maxLength(200), notBlank],
      }),
      kind: new FormControl<ClientKind>('public', { nonNullable: true, validators: [Validators.required] }),
      redirectUris: new FormControl('', { nonNullable: true, validators: [redirectUrisValidator()] }),
      launchUri: new FormControl('', { nonNullable: true, validators: [launchUriValidator()] }),
      scope: new FormControl('', {
        nonNullable: true,
        validators: [
          Validators.required,
          Validators.maxLength(2000),
          notBlank,
          scopeValidator(),
          scopeFitsKindValidator(),
        ],
      }),
      jwksUri: new FormControl({ value: '', disabled: true }, { nonNullable: true, validators: [jwksUriValidator()] }),
      jwks: new FormControl({ value: '', disabled: true }, { nonNullable: true, validators: [jwksValidator()] }),
      managesAccess: new FormControl({ value: false, disabled: true }, { nonNullable: true }),
    },
    { validators: [jwksRequiredValidator()] },
  );

  protected readonly kind = signal<ClientKind>('public');
  protected readonly saving = signal(false);
  protected readonly errors = signal<string[]>([]);

  constructor() {
    this.form.controls.kind.valueChanges.pipe(takeUntilDestroyed()).subscribe((kind) => this.applyKind(kind));
  }

  protected needsRedirectUris(): boolean {
    return needsRedirectUris(this.kind());
  }

  protected needsJwks(): boolean {
    return needsJwks(this.kind());
  }

  protected mayManageAccess(): boolean {
    return mayManageAccess(this.kind());
  }

  protected kindHint(): string {
    return CLIENT_KINDS.find((k) => k.value === this.kind())?.hint ?? '';
  }

  protected submit(): void {
    if (this.saving()) return;
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      this.focusFirstInvalidField();
      return;
    }
    const value = this.form.getRawValue() as ClientFormValue;
    const registration = toRegistration(value);
    this.saving.set(true);
    this.errors.set([]);
    this.api
      .registerClient(this.practiceId(), registration)
      .pipe(takeUntilDestroyed(this.destroyRef))
      .subscribe({
        next: (credentials) => {
          this.saving.set(false);
          this.registered.emit({ ...credentials, name: registration.name });
        },
        error: (error: unknown) => {
          this.saving.set(false);
          this.errors.set(errorMessages(error));
        },
      });
  }

  /** Enables the fields this kind uses and disables the others (disabled fields are not validated or sent). */
  private applyKind(kind: ClientKind): void {
    this.kind.set(kind);
    const { redirectUris, launchUri, jwksUri, jwks, managesAccess } = this.form.controls;
    for (const control of [redirectUris, launchUri]) {
      if (needsRedirectUris(kind)) control.enable({ emitEvent: false });
      else control.disable({ emitEvent: false });
    }
    for (const control of [jwksUri, jwks]) {
      if (needsJwks(kind)) control.enable({ emitEvent: false });
      else control.disable({ emitEvent: false });
    }
    // Managing access is a backend service's privilege: leaving that kind clears the box, so a
    // hidden tick is never carried back or sent.
    if (mayManageAccess(kind)) managesAccess.enable({ emitEvent: false });
    else managesAccess.reset({ value: false, disabled: true }, { emitEvent: false });
    // The scope's validity depends on the kind (system/ scopes for backend services only).
    this.form.controls.scope.updateValueAndValidity({ emitEvent: false });
    this.form.updateValueAndValidity();
  }

  private focusFirstInvalidField(): void {
    this.host.nativeElement
      .querySelector<HTMLElement>('[formcontrolname].ng-invalid, .mat-form-field-invalid [formcontrolname]')
      ?.focus();
  }
}

function notBlank(control: AbstractControl<string>) {
  return control.value && !control.value.trim() ? { required: true } : null;
}
