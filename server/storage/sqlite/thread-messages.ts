import type { AppendEntry } from '../appender.ts';

/** What thread-appender.ts and writer-thread.ts say to each other (structured-cloned). */
export type ThreadMessage = AppendRequest | { kind: 'close' };

export interface AppendRequest {
  kind: 'append';
  seq: number;
  /** The entries themselves, or a preparer's module URL and the message it builds them from (appender.ts#appendPrepared). */
  entries: AppendEntry[] | { preparer: string; message: unknown };
  /** Stop adding entries after this much work (ms); Infinity for no limit. */
  maxMs: number;
}

export interface AppendReply {
  seq: number;
  written?: number;
  /** Errors do not cross threads as objects: the message, SQLite's code, or the conflicting version. */
  error?: { message: string; errcode?: number; conflict?: [string, string, string]; refused?: true };
}
