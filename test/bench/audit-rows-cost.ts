import { randomUUID } from 'node:crypto';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SCHEMA } from '../../server/storage/sqlite/schema.ts';

/**
 * What writing one AuditEvent's index rows costs SQLite, and which part of the set-up it comes from
 * (docs/benchmarks.md, issue #11). Not a test. Usage: node test/bench/audit-rows-cost.ts [events]
 *
 * The 19 rows of a read's AuditEvent (14 token, 3 reference, 1 string, 1 date; UUIDv7-like ids;
 * patients drawn from 1,000) go into a fresh file with the server's schema and writer settings, 200
 * events per transaction, in variants that each change one thing.
 */
const EVENTS = Number(process.argv[2] ?? 30_000);
const SETTINGS = 'PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-262144;';
const VARIANTS: Record<string, { pragmas?: string; after?: string; batch?: number }> = {
  'the server (checkpoint every 10,000 pages)': { pragmas: 'PRAGMA wal_autocheckpoint=10000;' },
  'checkpoint every 1,000 pages (SQLite default)': {},
  'without the _by_owner indexes': {
    pragmas: 'PRAGMA wal_autocheckpoint=10000;',
    after: dropIndexes('by_owner'),
  },
  'without the _lookup indexes': { pragmas: 'PRAGMA wal_autocheckpoint=10000;', after: dropIndexes('lookup') },
  'no journal, synchronous=OFF': { pragmas: 'PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;' },
  '2,000 events per transaction': { pragmas: 'PRAGMA wal_autocheckpoint=10000;', batch: 2000 },
};

function dropIndexes(suffix: string): string {
  return ['string', 'token', 'reference', 'date'].map((t) => `DROP INDEX idx_${t}_${suffix};`).join(' ');
}

const TOKENS: Array<[string, string | null, string | null]> = [
  ['_tag', 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice', randomUUID()],
  ['action', null, 'R'],
  ['agent-role', 'https://patient-portal.example.org/fhir/CodeSystem/principal-kind', 'system'],
  ['agent:identifier', 'https://patient-portal.example.org/fhir/sid/client-id', 'RaxeIH0bOy006eNupAnkWQ'],
  ['altid', null, 'RaxeIH0bOy006eNupAnkWQ'],
  ['entity-role', 'http://terminology.hl7.org/CodeSystem/object-role', '1'],
  ['entity-type', 'http://terminology.hl7.org/CodeSystem/audit-entity-type', '1'],
  ['entity-type', 'http://hl7.org/fhir/resource-types', 'Patient'],
  ['entity-type', 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', 'XrequestId'],
  ['entity:identifier', null, null], // the request id: random per event
  ['outcome', null, '0'],
  ['subtype', 'http://hl7.org/fhir/restful-interaction', 'read'],
  ['type', 'http://terminology.hl7.org/CodeSystem/audit-event-type', 'rest'],
  ['_security', 'http://terminology.hl7.org/CodeSystem/v3-ActReason', 'HTEST'],
];

function run(name: string, variant: (typeof VARIANTS)[string]): void {
  const dir = mkdtempSync(join(tmpdir(), 'audit-rows-'));
  const db = new DatabaseSync(join(dir, 'fhir.sqlite'));
  db.exec(SETTINGS + (variant.pragmas ?? ''));
  db.exec(SCHEMA);
  if (variant.after) db.exec(variant.after);
  const token = db.prepare(
    `INSERT INTO idx_token (type, id, param, system, code, text) VALUES ${Array(TOKENS.length).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
  );
  const reference = db.prepare(
    `INSERT INTO idx_reference (type, id, param, target, target_type) VALUES ${Array(3).fill('(?, ?, ?, ?, ?)').join(', ')}`,
  );
  const string = db.prepare('INSERT INTO idx_string (type, id, param, value, exact) VALUES (?, ?, ?, ?, ?)');
  const date = db.prepare('INSERT INTO idx_date (type, id, param, low, high) VALUES (?, ?, ?, ?, ?)');
  const patients = Array.from({ length: 1000 }, () => `Patient/${randomUUID()}`);
  const batch = variant.batch ?? 200;
  const started = performance.now();
  for (let first = 0; first < EVENTS; first += batch) {
    db.exec('BEGIN');
    for (let i = first; i < first + batch; i++) {
      // Time-ordered like auditEventId: the ms counter first, then random bits.
      const hex = (1e12 + i).toString(16).padStart(12, '0');
      const id = `${hex.slice(0, 8)}-${hex.slice(8)}-7000-a000-${randomUUID().slice(24)}`;
      token.run(
        ...TOKENS.flatMap(([param, system, code]) => ['AuditEvent', id, param, system, code ?? randomUUID(), null]),
      );
      const patient = patients[i % patients.length] as string;
      reference.run(
        ...['_compartment', 'entity', 'patient'].flatMap((param) => ['AuditEvent', id, param, patient, 'Patient']),
      );
      string.run('AuditEvent', id, 'address', '127.0.0.1', '127.0.0.1');
      const at = new Date(1.7e12 + i * 1000).toISOString();
      date.run('AuditEvent', id, 'date', at, at);
    }
    db.exec('COMMIT');
  }
  const perEvent = ((performance.now() - started) * 1000) / EVENTS;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(`| ${name} | ${perEvent.toFixed(0)} |`);
}

console.log(`${EVENTS} AuditEvents' index rows\n\n| variant | µs per event |\n| --- | --- |`);
for (const [name, variant] of Object.entries(VARIANTS)) run(name, variant);
