import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Logger } from 'pino';

/** A pino logger whose lines the test reads back (parsed), for tests about what gets logged. */
export interface CapturedLog {
  logger: Logger;
  lines: Array<{ level: number; msg: string; [key: string]: unknown }>;
}

export function captureLog(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString('utf8')));
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}
