import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AuditEvent } from '@medplum/fhirtypes';
import { OWNER_SYSTEM } from '../access/access-index.ts';
import { COMPARTMENT_PARAM } from '../fhir/search/compartment-index.ts';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import { AppendRefusedError } from '../storage/appender.ts';
import { AUDIT_ENTRIES_PREPARER, auditEventOf, prepare } from './audit-entries.ts';
import type { AuditEventDraft } from './audit-entries.ts';
import { DEFAULT_SOURCE } from './audit-event.ts';
import { auditEventId } from './audit-event-id.ts';
import * as marks from './audit-marks.ts';
import { trailStore } from './trail-store.ts';
import { AUDIT_SHAPES, auditRecord } from '../../test/support/audit-shapes.ts';
import { openTestStore, searchIds } from '../../test/support/repository-setup.ts';
import type { TestStore } from '../../test/support/repository-setup.ts';

const LAST_UPDATED = '2025-01-02T03:04:06.000Z';

function draftsOfEveryShape(): AuditEventDraft[] {
  return AUDIT_SHAPES.map(([record, context]) => ({
    id: auditEventId(),
    record,
    context: context ?? record.context ?? {},
    source: DEFAULT_SOURCE,
  }));
}

describe('AuditEvents built by the appender (audit-entries.ts)', () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
  });
  after(() => store.close());

  it('stores, built on the SQLite append thread, exactly the event toAuditEvent builds in-process, with its rows', async () => {
    const drafts = draftsOfEveryShape();
    const events = trailStore({ appender: store.engine.appender, now: () => new Date(LAST_UPDATED) });
    assert.equal(await events.append(drafts, { maxMs: Infinity }), drafts.length);
    const entries = prepare({ lastUpdated: LAST_UPDATED, drafts });
    for (const [i, draft] of drafts.entries()) {
      const stored = await store.repo.read<AuditEvent>('AuditEvent', draft.id);
      assert.deepEqual(stored, auditEventOf(draft, LAST_UPDATED), JSON.stringify(AUDIT_SHAPES[i]));
      assert.deepEqual(stored, entries[i]?.version.resource);
    }
    // The thread's rows answer searches as the in-process rows say they should.
    const idsWith = (match: (row: IndexRow) => boolean) =>
      drafts
        .filter((_, i) => entries[i]?.index.some(match))
        .map((d) => d.id)
        .sort();
    const searches: Array<[Record<string, string>, (row: IndexRow) => boolean]> = [
      [
        { patient: 'Patient/p-2' },
        (r) => r.kind === 'reference' && r.param === 'patient' && r.target === 'Patient/p-2',
      ],
      [{ _tag: `${OWNER_SYSTEM}|org-c` }, (r) => r.kind === 'token' && r.param === '_tag' && r.code === 'org-c'],
      [{ outcome: '8' }, (r) => r.kind === 'token' && r.param === 'outcome' && r.code === '8'],
      [
        { 'agent:identifier': 'client-1' },
        (r) => r.kind === 'token' && r.param === 'agent:identifier' && r.code === 'client-1',
      ],
      [{ date: 'ge2025-01-02T03:04:05.600Z' }, (r) => r.kind === 'date' && r.high >= '2025-01-02T03:04:05.600Z'],
    ];
    for (const [query, match] of searches) {
      const expected = idsWith(match);
      assert.ok(expected.length > 0, `the shapes exercise ${JSON.stringify(query)}`);
      assert.deepEqual((await searchIds(store.repo, 'AuditEvent', query)).sort(), expected, JSON.stringify(query));
    }
  });

  it('refuses an event the direct indexer does not know or an incomplete one, rather than index it generically', () => {
    const draft = (at: string | undefined): AuditEventDraft => ({
      id: auditEventId(),
      record: auditRecord({ at: at as string }),
      context: {},
      source: DEFAULT_SOURCE,
    });
    assert.throws(() => prepare({ lastUpdated: LAST_UPDATED, drafts: [draft('the day before')] }), AppendRefusedError);
    assert.throws(() => prepare({ lastUpdated: LAST_UPDATED, drafts: [draft(undefined)] }), AppendRefusedError);
    assert.equal(prepare({ lastUpdated: LAST_UPDATED, drafts: [draft('2025-01-02T03:04:05Z')] }).length, 1);
  });

  it("keeps the thread light: the marks equal their owners' and no FHIRPath or definitions are imported", () => {
    assert.equal(marks.OWNER_SYSTEM, OWNER_SYSTEM);
    assert.equal(marks.COMPARTMENT_PARAM, COMPARTMENT_PARAM);
    const loaded = staticImports(fileURLToPath(AUDIT_ENTRIES_PREPARER));
    const heavy = [...loaded].filter((m) =>
      /@medplum\/(core|definitions)|server\/fhir\/definitions\.ts|extract-index\.ts|server\/access\//.test(m),
    );
    assert.deepEqual(heavy, [], `the preparer's module graph: ${[...loaded].join(', ')}`);
  });
});

/** The modules a file loads (value imports, followed through relative paths; packages listed, not followed). */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  const source = readFileSync(file, 'utf8');
  for (const [, spec] of source.matchAll(/^import (?!type )[^;]*? from '([^']+)';/gms)) {
    if (!spec) continue;
    if (!spec.startsWith('.')) {
      seen.add(spec);
      continue;
    }
    const path = fileURLToPath(new URL(spec, `file://${file}`));
    if (seen.has(path)) continue;
    seen.add(path);
    staticImports(path, seen);
  }
  return seen;
}
