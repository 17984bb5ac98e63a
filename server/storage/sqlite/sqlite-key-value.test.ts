import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKeyValueContract } from '../key-value-contract.ts';
import { SqliteEngine } from './sqlite-engine.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-key-value-'));

runKeyValueContract('sqlite', {
  // Every open() is a new engine on the same file, so reopening tests persistence.
  open: async (clock) => {
    const engine = new SqliteEngine(join(dir, 'fhir.sqlite'), { clock });
    await engine.open();
    return engine;
  },
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
