import type { AbstractControl, ValidationErrors, ValidatorFn } from '@angular/forms';

// FHIR's date type: a year, a year and month, or a full date (no time, no zone).
const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * A birth date as FHIR stores it. The hint asks for YYYY-MM-DD, but a year or year-month must stay
 * valid: records imported from other systems have them, and an edit must not force a made-up day.
 * Checking here saves a round trip; the server still has the last word (its 400 is shown too).
 */
export function birthDateValidator(today: () => Date = () => new Date()): ValidatorFn {
  return (control: AbstractControl<string>): ValidationErrors | null => {
    const value = (control.value ?? '').trim();
    if (!value) return null;
    const match = FHIR_DATE.exec(value);
    if (!match) return { dateFormat: true };
    const [, year, month = '01', day = '01'] = match;
    const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
    // Date.UTC rolls 2023-02-30 over into March: a round trip that changes the parts means no such day.
    if (
      date.getUTCFullYear() !== Number(year) ||
      date.getUTCMonth() !== Number(month) - 1 ||
      date.getUTCDate() !== Number(day)
    ) {
      return { dateFormat: true };
    }
    const now = today();
    if (date.getTime() > Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) return { futureDate: true };
    return null;
  };
}

/** Phone numbers are written many ways; only reject characters no phone number has. */
export const PHONE_PATTERN = /^[0-9+()\-.\s]*$/;
