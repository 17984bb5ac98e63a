import type { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';

// The same checks as the console's patient form (practitioner-app/src/app/patients/patient-validators.ts),
// repeated here: the two apps share only web-shared/, and the server has the last word anyway.

// A year or a year and month stay valid: records imported elsewhere have them, and an edit of another
// field must not force a made-up day.
const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** A date of birth as YYYY-MM-DD (or YYYY, YYYY-MM), a real day, not in the future. */
export function birthDateValidator(today: () => Date = () => new Date()): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const value = (control.value ?? '').trim();
    if (!value) return null;
    const match = FHIR_DATE.exec(value);
    if (!match) return { dateFormat: true };
    const [year, month, day] = [Number(match[1]), Number(match[2] ?? 1), Number(match[3] ?? 1)];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
      return { dateFormat: true };
    }
    const now = today();
    return date.getTime() > Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()) ? { futureDate: true } : null;
  };
}

/** Phone numbers are written many ways; only characters no phone number has are refused. */
export const PHONE_PATTERN = /^[0-9+()\-.\s]*$/;
