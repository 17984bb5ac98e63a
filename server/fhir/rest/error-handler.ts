import type { NextFunction, Request, Response } from 'express';
// Brings pino-http's `req.log` into the Request type.
import type {} from 'pino-http';
import { FhirError, outcome, payloadTooLarge, serverError } from '../outcomes.ts';
import { sendJson } from './http.ts';

/**
 * The one place where errors become HTTP responses. FhirErrors carry their status,
 * OperationOutcome and headers; errors from the body reader are mapped; anything else is a 500 whose
 * details go to the log only (never to the client: they might contain patient data or internals).
 * Every 401 says how to authenticate (RFC 6750, SMART App Launch): `WWW-Authenticate: Bearer
 * realm="<realm>"` unless the error names its own challenge.
 */
export function fhirErrorHandler(limitBytes: number, realm?: string) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const fhirError = toFhirError(err, limitBytes);
    if (fhirError.status >= 500) req.log?.error({ err }, 'request failed');
    if (res.headersSent) {
      res.end();
      return;
    }
    res.set(fhirError.headers);
    if (fhirError.status === 401 && !res.get('WWW-Authenticate'))
      res.set('WWW-Authenticate', realm ? `Bearer realm="${realm.replace(/["\\]/g, '')}"` : 'Bearer');
    sendJson(res, fhirError.status, fhirError.outcome);
  };
}

function toFhirError(err: unknown, limitBytes: number): FhirError {
  if (err instanceof FhirError) return err;
  const e = err as { type?: string; status?: number; limit?: number } | undefined;
  // body-parser says which limit applied (routes may set their own).
  if (e?.type === 'entity.too.large')
    return payloadTooLarge(`The body is larger than the limit of ${e.limit ?? limitBytes} bytes`);
  if (e?.type === 'entity.parse.failed') return new FhirError(400, outcome('structure', 'The body is not valid JSON'));
  if (e?.type === 'request.aborted') return new FhirError(400, outcome('incomplete', 'The request was aborted'));
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new FhirError(415, outcome('not-supported', 'Unsupported body encoding'));
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500)
    return new FhirError(e.status, outcome('invalid', 'Bad request'));
  return serverError();
}
