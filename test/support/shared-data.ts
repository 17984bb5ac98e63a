import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shared reference data beside the project (../shared/data); never copied into the project. */
export const SHARED_DATA = join(import.meta.dirname, '..', '..', '..', 'shared', 'data');

export function sharedDataMissing(folder: string): string | false {
  return existsSync(join(SHARED_DATA, folder)) ? false : `skipped: ${join(SHARED_DATA, folder)} is absent`;
}

export function syntheaBundles(): Array<{ name: string; text: string }> {
  const dir = join(SHARED_DATA, 'synthea-r4-bundles');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}
