import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { authorizationFor } from '../support/practice-client.ts';
import type { FuzzRequest } from './requests.ts';

/**
 * Sends one fuzz request and judges the answer: never a 5xx (nor a 5xx inside a batch response),
 * and every 4xx a FHIR JSON OperationOutcome. Returns the problem, or undefined when the answer is fine.
 */
export interface Outcome {
  status: number;
  problem?: string;
  /** The server's log of the error behind a 5xx (its stack), when there is one. */
  serverError?: string;
  body: string;
}

/** A logger that keeps the errors the FHIR error handler logs (the cause of a 500), for the report. */
export function errorCapture(): { logger: Logger; take(): string | undefined } {
  const errors: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        try {
          const entry = JSON.parse(line) as { msg?: string; err?: { stack?: string; message?: string } };
          if (
            entry.err &&
            entry.msg !== undefined &&
            !entry.msg.startsWith('request errored') &&
            !/failed with status code/.test(entry.err.message ?? '')
          ) {
            errors.push(`${entry.msg}: ${entry.err.stack ?? entry.err.message}`);
          }
        } catch {
          errors.push(line);
        }
      }
      done();
    },
  });
  return {
    logger: pino({ level: 'error' }, stream),
    take: () => (errors.length ? errors.splice(0).join('\n---\n') : undefined),
  };
}

export async function send(fhirUrl: string, r: FuzzRequest): Promise<Outcome> {
  const url = `${fhirUrl}${r.path}`;
  const headers: Record<string, string> = { ...r.headers };
  const authorization = await authorizationFor(url);
  if (authorization) headers.authorization = authorization;
  let res: Response;
  try {
    res = await fetch(url, { method: r.method, headers, body: r.body });
  } catch (err) {
    return {
      status: 0,
      problem: `the request failed: ${(err as Error).message} (${String((err as Error & { cause?: string }).cause ?? '')})`,
      body: '',
    };
  }
  const body = await res.text();
  return { status: res.status, problem: judge(res.status, res.headers.get('content-type') ?? '', body), body };
}

function judge(status: number, contentType: string, text: string): string | undefined {
  if (status >= 500) return `HTTP ${status}`;
  const fhirJson = contentType.startsWith('application/fhir+json');
  if (status >= 400) {
    if (!fhirJson) return `HTTP ${status} answered with '${contentType}', not a FHIR OperationOutcome`;
    const json = parse(text);
    if (json?.resourceType !== 'OperationOutcome' || !Array.isArray(json.issue) || json.issue.length === 0)
      return `HTTP ${status} without an OperationOutcome`;
    return undefined;
  }
  if (fhirJson && text) {
    const json = parse(text);
    if (json === undefined) return `HTTP ${status}: the body is not JSON`;
    if (json.resourceType === 'Bundle' && (json.type === 'batch-response' || json.type === 'transaction-response')) {
      for (const [i, entry] of (
        (json.entry as Array<{ response?: { status?: string } }> | undefined) ?? []
      ).entries()) {
        const entryStatus = entry?.response?.status;
        if (typeof entryStatus !== 'string') return `HTTP ${status}: Bundle entry ${i} has no response status`;
        if (entryStatus.startsWith('5')) return `HTTP ${status}: Bundle entry ${i} answered ${entryStatus}`;
      }
    }
  }
  return undefined;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The request as a reader can replay it. */
export function render(r: FuzzRequest, limit = 3000): string {
  const headers = Object.entries(r.headers).map(([k, v]) => `  ${k}: ${v}`);
  const body =
    r.body === undefined
      ? ''
      : `\n  body (${r.body.length} chars): ${r.body.length > limit ? `${r.body.slice(0, limit)}…` : r.body}`;
  return `${r.kind}: ${r.method} ${r.path}${headers.length ? `\n${headers.join('\n')}` : ''}${body}`;
}
