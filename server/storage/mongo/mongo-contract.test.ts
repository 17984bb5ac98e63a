import { mongoDatabase } from '../../../test/support/mongo-database.ts';
import { runStorageContract } from '../storage-contract.ts';

/** The storage contract against a real MongoDB server, when one is configured. */
const database = mongoDatabase('contract');

runStorageContract(
  'mongodb',
  { open: () => database.open(), cleanup: () => database.cleanup() },
  { skip: database.skip },
);
