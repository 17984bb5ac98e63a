import { mongoDatabase } from '../../../test/support/mongo-database.ts';
import { runKeyValueContract } from '../key-value-contract.ts';

/** The key-value contract against a real MongoDB server, when one is configured. */
const database = mongoDatabase('kv_contract');

// Every open() is a new engine on the same database, so reopening tests persistence.
runKeyValueContract(
  'mongodb',
  { open: (clock) => database.open(clock), cleanup: () => database.cleanup() },
  { skip: database.skip },
);
