import { runStorageContract } from '../storage-contract.ts';
import { MongoEngine } from './mongo-engine.ts';

/** The storage contract against a real MongoDB server, when one is configured. */
const uri = process.env.MONGODB_URI;
const dbName = `contract_${process.pid}_${Date.now()}`;
let engine: MongoEngine | undefined;

runStorageContract(
  'mongodb',
  {
    open: async () => {
      engine = new MongoEngine({ uri: uri as string, dbName, production: false });
      await engine.open();
      return engine;
    },
    cleanup: async () => {
      const { MongoClient } = await import('mongodb');
      const client = new MongoClient(uri as string);
      await client.db(dbName).dropDatabase();
      await client.close();
    },
  },
  { skip: uri ? undefined : 'skipped: MONGODB_URI not set' },
);
