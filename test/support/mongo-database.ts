import type { Clock } from '../../server/storage/key-value-store.ts';
import { MongoEngine } from '../../server/storage/mongo/mongo-engine.ts';

/**
 * A fresh database on the real MongoDB server named by MONGODB_URI, for the contract suites'
 * real-server runs: `open` gives a new engine on it each time (so reopening tests persistence),
 * `cleanup` drops it, and `skip` says why the suite cannot run when no server is configured.
 */
export interface MongoDatabaseTarget {
  skip: string | undefined;
  open(clock?: Clock): Promise<MongoEngine>;
  cleanup(): Promise<void>;
}

export function mongoDatabase(prefix: string): MongoDatabaseTarget {
  const uri = process.env.MONGODB_URI;
  const dbName = `${prefix}_${process.pid}_${Date.now()}`;
  return {
    skip: uri ? undefined : 'skipped: MONGODB_URI not set',
    async open(clock) {
      const engine = new MongoEngine({ uri: uri as string, dbName, production: false, ...(clock ? { clock } : {}) });
      await engine.open();
      return engine;
    },
    async cleanup() {
      const { MongoClient } = await import('mongodb');
      const client = new MongoClient(uri as string);
      await client.db(dbName).dropDatabase();
      await client.close();
    },
  };
}
