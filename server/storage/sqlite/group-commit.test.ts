import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { openEngineOn } from '../../../test/support/repository-setup.ts';
import type { TestEngine } from '../../../test/support/repository-setup.ts';
import type { WriteSession } from '../storage-engine.ts';
import type { StoredVersion } from '../stored-version.ts';
import { GroupCommit, isBusy } from './group-commit.ts';
import { SqliteEngine } from './sqlite-engine.ts';

/**
 * Group commit: concurrent writes share one durable COMMIT, each stays atomic alone, and none is
 * acknowledged before the COMMIT. Groups form deterministically here: every write is issued in the
 * same tick, and the committer starts a group only after yielding to the event loop once.
 */
const version = (id: string): StoredVersion => ({
  resourceType: 'Patient',
  id,
  versionId: '1',
  lastUpdated: '2026-12-03T12:00:00.000Z',
  deleted: false,
  resource: { resourceType: 'Patient', id, meta: { versionId: '1', lastUpdated: '2026-12-03T12:00:00.000Z' } },
});
const write = (id: string) => async (session: WriteSession) => {
  await session.writeVersion(version(id), []);
  return id;
};
/** Groups bounded by members only: how many form must not depend on how fast this machine is now. */
const UNTIMED = { maxOpenMs: Number.POSITIVE_INFINITY };
/** Lets every pending callback and promise reaction run, so an early settlement would show. */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('group commit on the SQLite engine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'group-commit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  let engine: SqliteEngine;
  /** A second connection on the same file, as another process would have: it sees committed data only. */
  let other: TestEngine;
  beforeEach(async () => {
    const file = join(dir, `store${n++}.sqlite`);
    engine = new SqliteEngine(file, { groupCommit: UNTIMED });
    await engine.open();
    other = await openEngineOn(file);
  });
  afterEach(async () => {
    await other.close();
    await engine.close();
  });
  const stored = async (id: string) => (await other.engine.reader.readCurrent('Patient', id)) !== undefined;

  it('concurrent transactions share one commit and are all stored', async () => {
    const before = engine.stats.commits;
    const ids = Array.from({ length: 10 }, (_, i) => `p${i}`);
    assert.deepEqual(await Promise.all(ids.map((id) => engine.transaction(write(id)))), ids);
    assert.equal(engine.stats.commits - before, 1);
    for (const id of ids) assert.ok(await stored(id), id);
  });

  it('key-value writes join the group', async () => {
    const before = engine.stats.commits;
    await Promise.all([
      engine.keyValue.upsert('Session', 's1', { a: 1 }),
      engine.transaction(write('with-kv')),
      engine.keyValue.upsert('Session', 's2', { a: 2 }),
      engine.keyValue.consume('Session', 's1'),
    ]);
    assert.equal(engine.stats.commits - before, 1);
    assert.ok((await other.engine.keyValue.find('Session', 's1'))?.consumedAt);
    assert.ok(await stored('with-kv'));
  });

  it('a failing member is undone alone; the others, before and after it, are stored', async () => {
    const before = engine.stats.commits;
    let laterSaw: boolean[] = [];
    const results = await Promise.allSettled([
      engine.transaction(write('first')),
      engine.transaction(async (session) => {
        await session.writeVersion(version('failing'), []);
        throw new Error('member fails');
      }),
      engine.transaction(async (session) => {
        laterSaw = [
          (await session.readCurrent('Patient', 'first')) !== undefined,
          (await session.readCurrent('Patient', 'failing')) !== undefined,
        ];
        return write('third')(session);
      }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[1] as PromiseRejectedResult).reason), /member fails/);
    assert.equal(engine.stats.commits - before, 1, 'one group');
    assert.deepEqual(laterSaw, [true, false], 'a later member sees the earlier write, not the undone one');
    assert.deepEqual([await stored('first'), await stored('failing'), await stored('third')], [true, false, true]);
  });

  it('a version conflict inside the group fails that member only', async () => {
    const results = await Promise.allSettled([engine.transaction(write('same')), engine.transaction(write('same'))]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['fulfilled', 'rejected'],
    );
    assert.equal((results[1] as PromiseRejectedResult).reason.name, 'VersionConflictError');
    assert.ok(await stored('same'));
  });

  it('no member settles before the COMMIT: its write is not yet visible elsewhere, and is once it settles', async () => {
    let firstSettled = false;
    let visibleWhenSettled: boolean | undefined;
    const first = engine.transaction(write('early')).then(async (id) => {
      firstSettled = true;
      visibleWhenSettled = await stored(id);
    });
    let seenDuringGroup: { settled: boolean; visible: boolean } | undefined;
    const second = engine.transaction(async (session) => {
      await turn(); // an early settlement of the first member would run its callback here
      seenDuringGroup = { settled: firstSettled, visible: await stored('early') };
      return write('late')(session);
    });
    await Promise.all([first, second]);
    assert.deepEqual(seenDuringGroup, { settled: false, visible: false });
    assert.equal(visibleWhenSettled, true);
  });

  it('bounds the members of a group', async () => {
    const bounded = new SqliteEngine(join(dir, 'bounded.sqlite'), { groupCommit: { ...UNTIMED, maxMembers: 4 } });
    await bounded.open();
    try {
      await Promise.all(Array.from({ length: 10 }, (_, i) => bounded.transaction(write(`b${i}`))));
      assert.deepEqual(bounded.stats, { commits: 3, members: 10, lostGroups: 0 });
    } finally {
      await bounded.close();
    }
  });
});

describe('GroupCommit on a bare connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'group-commit-bare-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  /** A database with a deferred foreign key: a child without its parent passes every statement and fails the COMMIT. */
  const open = () => {
    const db = new DatabaseSync(join(dir, `db${n++}.sqlite`));
    db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; CREATE TABLE parent (id TEXT PRIMARY KEY); ' +
        'CREATE TABLE child (id TEXT PRIMARY KEY, parent TEXT REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);',
    );
    return db;
  };
  const count = (db: DatabaseSync, table: string) =>
    Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n);

  it('a failed COMMIT rejects every member, and the next group commits', async () => {
    const db = open();
    const commits = new GroupCommit(() => db, UNTIMED);
    const results = await Promise.allSettled([
      commits.run(() => db.exec("INSERT INTO parent VALUES ('a')")),
      commits.run(() => db.exec("INSERT INTO child VALUES ('orphan', 'missing')")),
      commits.run(() => {
        throw new Error('this member failed anyway');
      }),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    );
    for (const r of results) assert.match(String((r as PromiseRejectedResult).reason), /FOREIGN KEY constraint failed/);
    assert.equal(db.isTransaction, false);
    assert.deepEqual([count(db, 'parent'), count(db, 'child')], [0, 0]);
    assert.deepEqual(commits.stats, { commits: 0, members: 3, lostGroups: 1 });

    await commits.run(() => db.exec("INSERT INTO parent VALUES ('b')"));
    assert.equal(count(db, 'parent'), 1);
    db.close();
  });

  it('when SQLite rolls the whole transaction back under a member, the members before it reject and later ones go on', async () => {
    const db = open();
    const commits = new GroupCommit(() => db, UNTIMED);
    const results = await Promise.allSettled([
      commits.run(() => db.exec("INSERT INTO parent VALUES ('before')")),
      commits.run(() => {
        db.exec('ROLLBACK'); // what SQLITE_FULL or an I/O error does to the transaction
        throw new Error('disk full');
      }),
      commits.run(() => db.exec("INSERT INTO parent VALUES ('after')")),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'fulfilled'],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /rolled back the group commit/);
    assert.match(String((results[1] as PromiseRejectedResult).reason), /disk full/);
    assert.deepEqual(
      db
        .prepare('SELECT id FROM parent')
        .all()
        .map((r) => r.id),
      ['after'],
    );
    assert.deepEqual(commits.stats, { commits: 1, members: 3, lostGroups: 1 });
    db.close();
  });

  it('no member joins a group that has been open for maxOpenMs', async () => {
    const db = open();
    let now = 0;
    const commits = new GroupCommit(
      () => db,
      { maxOpenMs: 20 },
      () => now,
    );
    await Promise.all([
      commits.run(() => {
        now += 5;
      }),
      commits.run(() => {
        now += 20; // the group has now been open 25 ms
      }),
      commits.run(() => undefined),
      commits.run(() => undefined),
    ]);
    assert.equal(commits.stats.commits, 2);
    db.close();
  });

  it('waits for a write lock another connection holds without blocking the event loop, then commits', async () => {
    const db = open();
    db.exec('PRAGMA busy_timeout = 0'); // as the engine's writer (sqlite-engine.ts)
    const other = new DatabaseSync(db.location() as string);
    other.exec('BEGIN IMMEDIATE'); // the appender's thread, another process
    const commits = new GroupCommit(() => db, UNTIMED);
    let settled = false;
    const write = commits
      .run(() => db.exec("INSERT INTO parent VALUES ('waited')"))
      .finally(() => {
        settled = true;
      });
    // Timers run while the group waits: the event loop is free (a busy timeout would sleep on it).
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(settled, false, 'the write waits while the lock is held');
    other.exec('COMMIT');
    await write;
    assert.equal(count(db, 'parent'), 1);
    other.close();
    db.close();
  });

  it('gives up after lockWaitMs with SQLITE_BUSY, and the next group goes on', async () => {
    const db = open();
    db.exec('PRAGMA busy_timeout = 0');
    const other = new DatabaseSync(db.location() as string);
    other.exec('BEGIN IMMEDIATE');
    let now = 0;
    const commits = new GroupCommit(
      () => db,
      { maxOpenMs: Number.POSITIVE_INFINITY, lockWaitMs: 50 },
      () => (now += 10), // each look at the clock: 10 ms later
    );
    await assert.rejects(
      commits.run(() => db.exec("INSERT INTO parent VALUES ('never')")),
      (err: { errcode?: number }) => isBusy(err),
    );
    other.exec('ROLLBACK');
    await commits.run(() => db.exec("INSERT INTO parent VALUES ('later')"));
    assert.deepEqual(
      db
        .prepare('SELECT id FROM parent')
        .all()
        .map((r) => r.id),
      ['later'],
    );
    other.close();
    db.close();
  });

  it('a store that is not open rejects its writers', async () => {
    const commits = new GroupCommit(() => {
      throw new Error('SQLite store is not open');
    });
    await assert.rejects(
      commits.run(() => 1),
      /not open/,
    );
  });
});
