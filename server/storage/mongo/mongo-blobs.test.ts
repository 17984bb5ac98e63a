import { mongoDatabase } from '../../../test/support/mongo-database.ts';
import { runBlobContract } from '../blob-contract.ts';

/** The blob contract against a real MongoDB server, when one is configured. */
const database = mongoDatabase('blob_contract');

runBlobContract('mongodb', { open: () => database.open(), cleanup: () => database.cleanup() }, { skip: database.skip });
