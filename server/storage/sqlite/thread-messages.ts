import type { AppendEntry } from '../appender.ts';

/** What thread-appender.ts and writer-thread.ts say to each other (structured-cloned). */
export type ThreadMessage = AppendRequest | { kind: 'close' };

export interface AppendRequest {
  kind: 'append';
  seq: number;
  entries: AppendEntry[];
  /** Stop adding entries after this much work (ms); Infinity for no limit. */
  maxMs: number;
}

export interface AppendReply {
  seq: number;
  written?: number;
  /** Errors do not cross threads as objects: the message, SQLite's code, or the conflicting version. */
  error?: { message: string; errcode?: number; conflict?: [string, string, string] };
}
