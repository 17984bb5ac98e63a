import { HttpErrorResponse } from '@angular/common/http';
import type { OperationOutcome } from './fhir-types';
import { errorMessages, isVersionConflict, issueMessage, VERSION_CONFLICT_MESSAGE } from './operation-outcome';

function httpError(status: number, error: unknown, statusText = ''): HttpErrorResponse {
  return new HttpErrorResponse({ status, statusText, error, url: '/fhir/R4/Patient' });
}

describe('errorMessages', () => {
  it('names the element of each issue, using details.text', () => {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'invalid', details: { text: 'Invalid date' }, expression: ['Patient.birthDate'] },
        { severity: 'error', code: 'value', diagnostics: 'Unknown code "x"', expression: ['Patient.gender'] },
      ],
    };
    expect(errorMessages(httpError(400, outcome))).toEqual([
      'Patient.birthDate: Invalid date',
      'Patient.gender: Unknown code "x"',
    ]);
  });

  it('parses an OperationOutcome that arrived as text', () => {
    const body = JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', details: { text: 'Patient/9 not found' } }],
    });
    expect(errorMessages(httpError(404, body))).toEqual(['Patient/9 not found']);
  });

  it('leaves out warnings when there are errors, and keeps them when they are all there is', () => {
    const mixed: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'warning', code: 'informational', details: { text: 'Just so you know' } },
        { severity: 'fatal', code: 'exception', details: { text: 'Internal server error' } },
      ],
    };
    expect(errorMessages(httpError(500, mixed))).toEqual(['Internal server error']);
    const warningOnly: OperationOutcome = { resourceType: 'OperationOutcome', issue: [mixed.issue[0]!] };
    expect(errorMessages(httpError(422, warningOnly))).toEqual(['Just so you know']);
  });

  it('explains a 412 version conflict in a plain sentence instead of the If-Match text', () => {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'conflict', diagnostics: 'If-Match W/"1" does not match the current version (2)' },
      ],
    };
    const error = httpError(412, outcome, 'Precondition Failed');
    expect(isVersionConflict(error)).toBeTrue();
    expect(errorMessages(error)).toEqual([
      'Someone else changed this record while you were editing. Reload to see their changes.',
    ]);
    expect(VERSION_CONFLICT_MESSAGE).toBe(
      'Someone else changed this record while you were editing. Reload to see their changes.',
    );
  });

  it('keeps the other OperationOutcome texts of a 412', () => {
    const outcome: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'conflict',
          details: { text: 'If-Match W/"1" does not match the current version (2)' },
        },
        { severity: 'error', code: 'business-rule', details: { text: 'Records are locked after discharge' } },
      ],
    };
    expect(errorMessages(httpError(412, outcome))).toEqual([
      VERSION_CONFLICT_MESSAGE,
      'Records are locked after discharge',
    ]);
    expect(errorMessages(httpError(412, 'not json'))).toEqual([VERSION_CONFLICT_MESSAGE]);
  });

  it('falls back to the status when the body is not an OperationOutcome', () => {
    expect(errorMessages(httpError(502, '<html>Bad gateway</html>', 'Bad Gateway'))).toEqual([
      'The server could not do this (HTTP 502 Bad Gateway).',
    ]);
  });

  it('says the server is unreachable for status 0', () => {
    expect(errorMessages(httpError(0, new ProgressEvent('error')))).toEqual([
      'Cannot reach the server. Check your connection and try again.',
    ]);
  });
});

describe('issueMessage', () => {
  it('does not repeat a path that the text already names', () => {
    expect(
      issueMessage({
        severity: 'error',
        code: 'invalid',
        details: { text: 'Patient.birthDate is invalid' },
        expression: ['Patient.birthDate'],
      }),
    ).toBe('Patient.birthDate is invalid');
  });

  it('uses the issue code when there is no text', () => {
    expect(issueMessage({ severity: 'error', code: 'processing' })).toBe('The server reported "processing".');
  });
});
