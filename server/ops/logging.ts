import type { IncomingMessage, ServerResponse } from 'node:http';
import { pino } from 'pino';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { uuidV7 } from './uuid-v7.ts';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'patient-portal' } });
}

const REQUEST_ID = /^[A-Za-z0-9\-_.]{1,64}$/;

/**
 * One JSON log line per request with a request id (the caller's X-Request-Id when well-formed,
 * else a new time-ordered UUID v7, echoed back: the audit trail indexes every request's id, and
 * ids that increase are appended to that index instead of landing on a random page). Only the
 * method, the path and the status are logged: query strings and bodies can hold patient data
 * (names, birth dates) and never reach the log.
 */
export function requestLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : uuidV7();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
  });
}
