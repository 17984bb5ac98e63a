/**
 * The minimum a new password must meet (NIST SP 800-63B: length over composition rules). Checked
 * when a password is set (account creation, reset, CLI), never at sign-in, so that raising the rules
 * does not lock anyone out.
 */
export const MIN_PASSWORD_LENGTH = 12;
/** scrypt accepts any length; the cap only bounds request bodies and hashing time. */
export const MAX_PASSWORD_LENGTH = 1024;

export const PASSWORD_RULES_TEXT = `At least ${MIN_PASSWORD_LENGTH} characters, and not your e-mail address.`;

/** The problem with a new password, as a sentence for the user, or undefined when it is acceptable. */
export function passwordProblem(password: unknown, email: string): string | undefined {
  if (typeof password !== 'string' || password.length === 0) return 'Enter a password.';
  const length = [...password.normalize('NFC')].length; // characters as people count them, not UTF-16 units
  if (length < MIN_PASSWORD_LENGTH) return `The password must have at least ${MIN_PASSWORD_LENGTH} characters (it has ${length}).`;
  if (length > MAX_PASSWORD_LENGTH) return `The password must have at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lowered = password.trim().toLowerCase();
  const address = email.trim().toLowerCase();
  const localPart = address.split('@')[0] ?? '';
  if (lowered === address || (localPart.length > 0 && lowered === localPart)) return 'The password must not be your e-mail address.';
  return undefined;
}

/** Throws the problem as an Error (for code paths without a form to show it on, e.g. the CLI). */
export function checkPassword(password: unknown, email: string): asserts password is string {
  const problem = passwordProblem(password, email);
  if (problem) throw new PasswordRuleError(problem);
}

export class PasswordRuleError extends Error {
  override name = 'PasswordRuleError';
}
