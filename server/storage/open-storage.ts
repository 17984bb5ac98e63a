import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { StorageEngine } from './storage-engine.ts';
import { SqliteEngine } from './sqlite/sqlite-engine.ts';

/** Chooses the engine from the configuration: MongoDB when MONGODB_URI is set, else embedded SQLite. */
export async function openStorage(config: Config, logger: Logger): Promise<StorageEngine> {
  let engine: StorageEngine;
  if (config.mongodbUri) {
    // Loaded only when used, so the embedded set-up never loads the MongoDB driver.
    const { MongoEngine } = await import('./mongo/mongo-engine.ts');
    engine = new MongoEngine({
      uri: config.mongodbUri,
      dbName: config.mongodbDatabase,
      production: config.production,
      logger,
    });
  } else {
    engine = new SqliteEngine(join(config.dataDir, 'fhir.sqlite'), {
      onUpgrade: (upgrade) =>
        upgrade.phase === 'start'
          ? logger.warn(
              { from: upgrade.from, to: upgrade.to },
              'upgrading the store to a new schema version before serving: one time only, and a large store takes minutes',
            )
          : logger.info({ from: upgrade.from, to: upgrade.to, ms: upgrade.ms }, 'store upgraded'),
    });
  }
  await engine.open();
  logger.info({ engine: engine.name }, 'storage open');
  return engine;
}
