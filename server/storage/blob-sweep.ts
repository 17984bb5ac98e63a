import type { BlobStore } from './blob-store.ts';
import { INCOMPLETE_BLOB_TTL_MS } from './blob-store.ts';

/** How often the incomplete blobs are looked for after the first sweep at start-up. */
export const SWEEP_EVERY_MS = 60 * 60 * 1000;

interface SweepLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/**
 * Deletes, at start and then every SWEEP_EVERY_MS, the blobs an upload left incomplete more than
 * INCOMPLETE_BLOB_TTL_MS ago (a crash or a lost connection mid-upload: a failed upload deletes its
 * own chunks, so only a process that died leaves any). `stop` ends the timer; `done` is the first sweep.
 */
export function sweepBlobs(
  blobs: BlobStore,
  logger: SweepLogger,
  options: { now?: () => number; everyMs?: number } = {},
): { stop(): void; done: Promise<void> } {
  const now = options.now ?? Date.now;
  const sweep = async (): Promise<void> => {
    try {
      const deleted = await blobs.sweepIncomplete(now() - INCOMPLETE_BLOB_TTL_MS);
      if (deleted > 0) logger.info({ deleted }, 'deleted the chunks of uploads left incomplete');
    } catch (err) {
      logger.warn({ err }, 'sweeping incomplete uploads failed; will try again');
    }
  };
  const done = sweep();
  const timer = setInterval(() => void sweep(), options.everyMs ?? SWEEP_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer), done };
}
