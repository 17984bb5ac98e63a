import { HttpErrorResponse } from '@angular/common/http';
import type { OperationOutcome, OperationOutcomeIssue } from './fhir-types';

/**
 * Shown for 412 instead of the server's own text (`If-Match W/"1" does not match the current
 * version (2)`), which means nothing to a user: the record changed since it was read.
 */
export const VERSION_CONFLICT_MESSAGE =
  'Someone else changed this record while you were editing. Reload to see their changes.';

const OFFLINE_MESSAGE = 'Cannot reach the server. Check your connection and try again.';

/**
 * Turns a failed request into sentences a user can act on. The FHIR server answers every failure
 * with an OperationOutcome; each issue becomes one message, prefixed with the FHIRPath of the
 * element it is about ("Patient.birthDate: Invalid date") so the user knows which field to fix.
 */
export function errorMessages(error: unknown): string[] {
  if (!(error instanceof HttpErrorResponse)) {
    return [error instanceof Error ? error.message : 'Something went wrong. Please try again.'];
  }
  // Status 0 is what the browser reports when no HTTP answer arrived at all.
  if (error.status === 0) return [OFFLINE_MESSAGE];

  const outcome = asOperationOutcome(error.error);
  const conflict = isVersionConflict(error);
  // For 412 the plain sentence replaces the server's version-mismatch issue (code "conflict");
  // any other issue in the OperationOutcome is still shown.
  const issues = outcome ? relevantIssues(outcome.issue).filter((i) => !(conflict && i.code === 'conflict')) : [];
  const messages = issues.map(issueMessage);
  if (conflict) return [VERSION_CONFLICT_MESSAGE, ...messages];
  if (messages.length === 0)
    messages.push(
      `The server could not do this (HTTP ${error.status}${error.statusText ? ' ' + error.statusText : ''}).`,
    );
  return messages;
}

/** True when a conditional write (If-Match) lost to someone else's change. */
export function isVersionConflict(error: unknown): boolean {
  return error instanceof HttpErrorResponse && error.status === 412;
}

/** One issue as a sentence: "<expression>: <text>", the text being details.text, else diagnostics. */
export function issueMessage(issue: OperationOutcomeIssue): string {
  const text = issue.details?.text || issue.diagnostics || `The server reported "${issue.code}".`;
  const where = issue.expression?.filter(Boolean) ?? [];
  // Some servers already put the path in the text; do not say it twice.
  if (where.length === 0 || where.some((path) => text.includes(path))) return text;
  return `${where.join(', ')}: ${text}`;
}

/** Errors first; warnings and information only when they are all there is. */
function relevantIssues(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
  return errors.length > 0 ? errors : issues;
}

/** HttpClient gives a parsed body for JSON answers, but a string when the body was not JSON-typed. */
function asOperationOutcome(body: unknown): OperationOutcome | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const candidate = value as Partial<OperationOutcome>;
  return candidate.resourceType === 'OperationOutcome' && Array.isArray(candidate.issue)
    ? (candidate as OperationOutcome)
    : undefined;
}
