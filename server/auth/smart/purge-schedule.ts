import type { Logger } from 'pino';
import type { KeyValueStore } from '../../storage/key-value-store.ts';

/**
 * Deletes expired key-value records (expired tokens, codes, sessions, interactions, launches) every
 * `intervalMs`. MongoDB also expires them itself (TTL index); on SQLite this is what removes them.
 * The timer is unref'd (it never keeps the process alive) and `stop()` cancels it.
 */
export interface PurgeSchedule {
  stop(): void;
  /** Runs one purge now (also what the timer calls); resolves with the number of deleted records. */
  runOnce(): Promise<number>;
}

export function schedulePurge(
  store: KeyValueStore,
  intervalMs: number,
  logger: Pick<Logger, 'info' | 'error'>,
): PurgeSchedule {
  let running = false;
  const runOnce = async (): Promise<number> => {
    if (running) return 0;
    running = true;
    try {
      const deleted = await store.purgeExpired();
      if (deleted) logger.info({ deleted }, 'expired authorization records purged');
      return deleted;
    } catch (err) {
      logger.error({ err }, 'purging expired authorization records failed');
      return 0;
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void runOnce(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), runOnce };
}
