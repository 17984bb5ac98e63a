import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Location, PractitionerRole } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from '../server/fhir/load-fhir-definitions.ts';
import { extractIndexRows } from '../server/fhir/search/extract-index.ts';
import { parseSearch } from '../server/fhir/search/parse-search.ts';
import type { Query } from '../server/fhir/search/parse-search.ts';
import { VersionedRepository } from '../server/storage/repository.ts';
import { SqliteEngine } from '../server/storage/sqlite/sqlite-engine.ts';

/**
 * Our own SearchParameters (fhir-profiles/search-parameters) are searched like standard ones, and
 * `npm run reindex` indexes resources that were written before a parameter existed.
 */
const ROOT = join(import.meta.dirname, '..');
const BASE = 'http://localhost:8080/fhir/R4';
const EXT = 'https://patient-portal.example.org/fhir/StructureDefinition/';

describe('custom search parameters and reindex', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reindex-'));
  const file = join(dir, 'fhir.sqlite');
  let roleId = '';

  const ids = async (engine: SqliteEngine, type: string, query: Query): Promise<string[]> => {
    const { request } = parseSearch(type, query, {
      defaultCount: 50,
      maxCount: 50,
      maxOrValues: 10,
      baseUrl: BASE,
      strict: true,
    });
    return (await engine.reader.search(request)).versions.map((v) => v.id);
  };

  before(async () => {
    loadFhirDefinitions();
    const engine = new SqliteEngine(file);
    await engine.open();
    // Written as if before `home-visits` existed: its rows are left out of the index.
    const oldIndex = (r: Parameters<typeof extractIndexRows>[0]) =>
      extractIndexRows(r, BASE).filter((row) => row.param !== 'home-visits');
    const repo = new VersionedRepository({ engine, validate: () => undefined, index: oldIndex });
    const location = await repo.create<Location>({
      resourceType: 'Location',
      name: 'Ground floor',
      extension: [{ url: `${EXT}wheelchair-access`, valueBoolean: true }],
    });
    const role = await repo.create<PractitionerRole>({
      resourceType: 'PractitionerRole',
      location: [{ reference: `Location/${location.resource.id}` }],
      extension: [{ url: `${EXT}home-visits`, valueBoolean: true }],
    });
    await repo.create<PractitionerRole>({
      resourceType: 'PractitionerRole',
      extension: [{ url: `${EXT}home-visits`, valueBoolean: false }],
    });
    roleId = role.resource.id as string;
    assert.deepEqual(await ids(engine, 'PractitionerRole', { 'home-visits': 'true' }), [], 'not indexed yet');
    assert.deepEqual(
      await ids(engine, 'PractitionerRole', { 'location.wheelchair-access': 'true' }),
      [roleId],
      'custom parameters chain',
    );
    await engine.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('npm run reindex indexes existing resources without writing versions', async () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'server', 'cli', 'reindex.ts'), 'PractitionerRole'], {
      env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'info', BASE_URL: 'http://localhost:8080' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /"type":"PractitionerRole","count":2/);
    const engine = new SqliteEngine(file);
    await engine.open();
    try {
      assert.deepEqual(await ids(engine, 'PractitionerRole', { 'home-visits': 'true' }), [roleId]);
      assert.equal((await engine.reader.history({ resourceType: 'PractitionerRole', id: roleId, count: 5 })).length, 1);
    } finally {
      await engine.close();
    }
  });

  it('refuses unknown resource types', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'server', 'cli', 'reindex.ts'), 'Banana'], {
      env: { ...process.env, DATA_DIR: dir },
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /Unknown resource types: Banana/);
  });
});
