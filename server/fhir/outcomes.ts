import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * Every failure the FHIR layer reports is a FhirError: it carries the HTTP status and the
 * OperationOutcome to send. One place (rest/error-handler.ts) turns it into a response, so the
 * code that detects a problem never deals with HTTP.
 */
export class FhirError extends Error {
  readonly status: number;
  readonly outcome: OperationOutcome;
  /** HTTP headers the answer needs besides the status (`Retry-After` of a 429, `WWW-Authenticate` of a 401). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, outcome: OperationOutcome, headers: Record<string, string> = {}) {
    super(outcome.issue?.map((i) => i.details?.text ?? i.diagnostics ?? i.code).join('; ') ?? 'error');
    this.status = status;
    this.outcome = outcome;
    this.headers = headers;
  }
}

type IssueCode = OperationOutcomeIssue['code'];

export function outcome(
  code: IssueCode,
  text: string,
  expression?: string,
  severity: OperationOutcomeIssue['severity'] = 'error',
): OperationOutcome {
  const issue: OperationOutcomeIssue = { severity, code, details: { text } };
  if (expression) issue.expression = [expression];
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

export function issuesOutcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export const badRequest = (text: string, expression?: string): FhirError =>
  new FhirError(400, outcome('invalid', text, expression));
export const invalidResource = (issues: OperationOutcomeIssue[]): FhirError =>
  new FhirError(400, issuesOutcome(issues));
/** The caller is known but may not do this (never used where "not found" would hide existence). */
export const forbidden = (text: string): FhirError => new FhirError(403, outcome('forbidden', text));
export const notFound = (text = 'Not found'): FhirError => new FhirError(404, outcome('not-found', text));
export const gone = (text = 'Deleted'): FhirError => new FhirError(410, outcome('deleted', text));
export const conflict = (text: string): FhirError => new FhirError(409, outcome('conflict', text));
export const preconditionFailed = (text: string): FhirError => new FhirError(412, outcome('conflict', text));
export const payloadTooLarge = (text: string): FhirError => new FhirError(413, outcome('too-costly', text));
export const unsupportedMediaType = (text: string): FhirError => new FhirError(415, outcome('not-supported', text));
export const methodNotAllowed = (text: string): FhirError => new FhirError(405, outcome('not-supported', text));
export const notSupported = (text: string, expression?: string): FhirError =>
  new FhirError(400, outcome('not-supported', text, expression));
/** A request whose cost would exceed a server limit (too broad a chain, too many includes). */
export const tooCostly = (text: string, expression?: string): FhirError =>
  new FhirError(400, outcome('too-costly', text, expression));
export const unprocessable = (text: string, expression?: string): FhirError =>
  new FhirError(422, outcome('processing', text, expression));
/**
 * A request that needs an access token and came without one (RFC 6750: no error code then). The
 * error handler adds `WWW-Authenticate: Bearer realm="<FHIR base>"` to every 401.
 */
export const unauthorized = (
  text = 'This request needs an access token (SMART App Launch or Backend Services)',
): FhirError => new FhirError(401, outcome('login', text));
/** A rate limit was reached: 429 with `Retry-After` (whole seconds). */
export const tooManyRequests = (text: string, retryAfterSeconds: number): FhirError =>
  new FhirError(429, outcome('throttled', text), { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) });
export const serverError = (): FhirError => new FhirError(500, outcome('exception', 'Internal server error'));

export function allOk(text = 'All OK'): OperationOutcome {
  return outcome('informational', text, undefined, 'information');
}
