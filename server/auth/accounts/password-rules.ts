import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common';

/**
 * The minimum a new password must meet (NIST SP 800-63B: length over composition rules, and no
 * password from the lists attackers try first). Checked when a password is set (account creation,
 * reset, CLI), never at sign-in, so that raising the rules does not lock anyone out.
 *
 * "Common" comes from @zxcvbn-ts/language-common (decision 0011): its list of the most frequent
 * passwords of public breach corpora, and zxcvbn's estimate of how many guesses the password takes
 * (dictionary words and their l33t and reversed forms, keyboard walks, repeats, sequences, dates).
 */
export const MIN_PASSWORD_LENGTH = 12;
/** scrypt accepts any length; the cap only bounds request bodies and hashing time. */
export const MAX_PASSWORD_LENGTH = 1024;
/**
 * zxcvbn's score 3: at least 10^8 guesses, "safely unguessable" with a slow hash and throttled
 * sign-in (ours: scrypt and per-account lockout). Scores 0–2 fall to an online or a cheap offline attack.
 */
export const MIN_PASSWORD_SCORE = 3;
/**
 * Only this many leading characters are scored: zxcvbn's matching grows steeply with length (a
 * crafted 256-character input costs half a second of CPU, 64 at most ~60 ms), and 64 characters that
 * are still easy to guess make a weak password whatever follows.
 */
export const SCORED_LENGTH = 64;

export const PASSWORD_RULES_TEXT = `At least ${MIN_PASSWORD_LENGTH} characters, not your e-mail address, and not a common or easily guessed password: a few unrelated words make a good one.`;

export const COMMON_PASSWORD_MESSAGE =
  'This password is too common: it is on the lists of leaked passwords that attackers try first. Choose another one; a few unrelated words make a good password.';
export const GUESSABLE_PASSWORD_MESSAGE =
  'This password is too easy to guess: it is made of common words, names, dates, sequences or keyboard patterns. Choose another one; a few unrelated words make a good password.';

/** The problem with a new password, as a sentence for the user, or undefined when it is acceptable. */
export function passwordProblem(password: unknown, email: string): string | undefined {
  if (typeof password !== 'string' || password.length === 0) return 'Enter a password.';
  const normalized = password.normalize('NFC');
  const length = [...normalized].length; // characters as people count them, not UTF-16 units
  if (length < MIN_PASSWORD_LENGTH)
    return `The password must have at least ${MIN_PASSWORD_LENGTH} characters (it has ${length}).`;
  if (length > MAX_PASSWORD_LENGTH) return `The password must have at most ${MAX_PASSWORD_LENGTH} characters.`;
  const lowered = normalized.trim().toLowerCase();
  const address = email.trim().toLowerCase();
  const localPart = address.split('@')[0] ?? '';
  if (lowered === address || (localPart.length > 0 && lowered === localPart))
    return 'The password must not be your e-mail address.';
  if (isCommonPassword(lowered)) return COMMON_PASSWORD_MESSAGE;
  if (guessScore(normalized, [address, localPart]) < MIN_PASSWORD_SCORE) return GUESSABLE_PASSWORD_MESSAGE;
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

/** Whether the (lower-cased) password is on the breach-corpus list itself. */
export function isCommonPassword(lowered: string): boolean {
  return commonPasswords().has(lowered);
}

/** zxcvbn's score (0–4) of the password's first SCORED_LENGTH characters; the e-mail counts as a known word. */
export function guessScore(password: string, userInputs: string[] = []): number {
  return estimator().check(
    password,
    userInputs.filter((input) => input.length > 0),
  ).score;
}

// Built on first use: unpacking the dictionaries takes ~50 ms and some MB, which the CLI's other
// commands and processes that never set a password need not pay.
let zxcvbn: ZxcvbnFactory | undefined;
let common: Set<string> | undefined;

function estimator(): ZxcvbnFactory {
  // Levenshtein matching stays off: it multiplies the cost per check and the list and l33t matching
  // already catch near-copies of common passwords.
  zxcvbn ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: SCORED_LENGTH });
  return zxcvbn;
}

function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()));
  return common;
}
