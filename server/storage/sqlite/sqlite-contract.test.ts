import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStorageContract } from '../storage-contract.ts';
import { SqliteEngine } from './sqlite-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-contract-'));

runStorageContract('sqlite', {
  open: async () => {
    const engine = new SqliteEngine(join(dir, 'fhir.sqlite'));
    await engine.open();
    return engine;
  },
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
