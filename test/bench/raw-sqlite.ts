import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { syntheticPatient } from './synthetic-patients.ts';

/** Raw node:sqlite insert rate with the engine's durability settings, to put the API figures in proportion. */
export function rawSqliteInsertRate(rows: number, batch: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'bench-raw-'));
  const db = new DatabaseSync(join(dir, 'raw.sqlite'));
  try {
    db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id TEXT PRIMARY KEY, content TEXT NOT NULL)',
    );
    const insert = db.prepare('INSERT INTO t (id, content) VALUES (?, ?)');
    const start = performance.now();
    for (let i = 0; i < rows; i += batch) {
      db.exec('BEGIN');
      for (let j = i; j < Math.min(rows, i + batch); j++) insert.run(`id-${j}`, JSON.stringify(syntheticPatient(j)));
      db.exec('COMMIT');
    }
    return rows / ((performance.now() - start) / 1000);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
