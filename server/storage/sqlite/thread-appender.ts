import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { AppendRefusedError } from '../appender.ts';
import type { Appender, AppendEntry } from '../appender.ts';
import { VersionConflictError } from '../storage-engine.ts';
import type { AppendReply, AppendRequest, ThreadMessage } from './thread-messages.ts';

/**
 * The SQLite engine's appender (appender.ts): appends run on a worker thread with its own write
 * connection to the same file (writer-thread.ts), so that inserting an AuditEvent's index rows and
 * syncing its COMMIT — most of a read's cost when it ran on the request thread
 * (docs/decisions/0020-audit-cost.md) — happen on another core. The thread starts at the first
 * append (tools that never append never start one) and is only referenced while an append is
 * waiting, so an idle appender never keeps the process alive.
 *
 * Both connections write the one file, so they take turns for SQLite's write lock: this thread
 * waits for it by blocking (itself only); the engine's group committer retries without blocking the
 * event loop (group-commit.ts). If the thread dies, the appends waiting on it reject (the audit
 * trail retries them) and the next append starts a new one.
 */
export class ThreadAppender implements Appender {
  readonly #path: string;
  #worker?: Worker;
  readonly #waiting = new Map<number, { worker: Worker; resolve(written: number): void; reject(error: Error): void }>();
  #seq = 0;

  constructor(path: string) {
    this.#path = path;
  }

  append(entries: AppendEntry[], options: { maxMs?: number } = {}): Promise<number> {
    if (entries.length === 0) return Promise.resolve(0);
    return this.#send(entries, options);
  }

  /** The thread imports the preparer (once) and builds the entries itself: only `message` is cloned. */
  appendPrepared(preparer: string, message: unknown, options: { maxMs?: number } = {}): Promise<number> {
    return this.#send({ preparer, message }, options);
  }

  #send(entries: AppendRequest['entries'], options: { maxMs?: number }): Promise<number> {
    const worker = (this.#worker ??= this.#start());
    const seq = ++this.#seq;
    return new Promise<number>((resolve, reject) => {
      this.#waiting.set(seq, { worker, resolve, reject });
      worker.ref();
      const message: ThreadMessage = { kind: 'append', seq, entries, maxMs: options.maxMs ?? Number.POSITIVE_INFINITY };
      worker.postMessage(message);
    });
  }

  /** Waits for the appends sent so far (the thread answers in order), then stops the thread. */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    worker.ref();
    const exited = once(worker, 'exit');
    worker.postMessage({ kind: 'close' } satisfies ThreadMessage);
    await exited;
  }

  #start(): Worker {
    const worker = new Worker(new URL('./writer-thread.ts', import.meta.url), { workerData: { path: this.#path } });
    worker.unref();
    worker.on('message', (reply: AppendReply) => this.#answer(worker, reply));
    worker.on('error', (err: Error) => this.#stopped(worker, err));
    worker.on('exit', (code) => this.#stopped(worker, new Error(`the SQLite append thread exited (code ${code})`)));
    return worker;
  }

  #answer(worker: Worker, reply: AppendReply): void {
    const waiting = this.#waiting.get(reply.seq);
    this.#waiting.delete(reply.seq);
    if (![...this.#waiting.values()].some((w) => w.worker === worker)) worker.unref();
    if (!waiting) return;
    if (reply.error) waiting.reject(toError(reply.error));
    else waiting.resolve(reply.written ?? 0);
  }

  /** The thread is gone: whatever it had not answered rejects; the next append starts another. */
  #stopped(worker: Worker, err: Error): void {
    if (this.#worker === worker) this.#worker = undefined;
    const message = `the SQLite append thread stopped before answering: ${err.message}`;
    for (const [seq, waiting] of this.#waiting) {
      if (waiting.worker !== worker) continue;
      this.#waiting.delete(seq);
      waiting.reject(new Error(message, { cause: err }));
    }
  }
}

function toError(error: NonNullable<AppendReply['error']>): Error {
  if (error.conflict) return new VersionConflictError(...error.conflict);
  if (error.refused) return new AppendRefusedError(error.message);
  return Object.assign(new Error(error.message), error.errcode === undefined ? {} : { errcode: error.errcode });
}
