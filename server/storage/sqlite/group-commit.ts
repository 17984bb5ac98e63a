/**
 * Group commit for the SQLite writer (docs/decisions/0018-group-commit.md). With synchronous=FULL
 * every COMMIT waits for an fsync, and node:sqlite runs it on the event loop: while it runs nothing
 * else does, and the requests that arrive meanwhile wait in the kernel. Instead of giving each of them
 * its own fsync, the work queued by the time the writer is free runs as one *group*: one
 * `BEGIN IMMEDIATE`, each member inside its own SAVEPOINT, one `COMMIT`.
 *
 * - Members run one after another, never interleaved; a member sees the writes of the members before
 *   it in its group (they become durable together with its own, or not at all).
 * - A member that throws is undone alone (`ROLLBACK TO` its savepoint); the others are unaffected.
 * - No member's promise settles before the group's COMMIT has returned, so nothing is acknowledged
 *   before it is durable. When the COMMIT fails, every member rejects, the ones that had failed too
 *   (their outcome may have rested on writes that are now gone).
 * - When SQLite rolls the whole transaction back on its own (SQLITE_FULL, an I/O error), the member
 *   whose statement failed rejects with that error and the members before it with a group error; the
 *   queue goes on in a new group.
 * - A group takes at most `maxMembers` members, and no member joins once it has been open `maxOpenMs`:
 *   the wait a member adds to the ones before it stays bounded.
 */

/** What the committer needs of a connection; node:sqlite's DatabaseSync is one. */
export interface CommitConnection {
  exec(sql: string): void;
  readonly isTransaction: boolean;
}

export interface GroupLimits {
  /** The most members one group takes. */
  maxMembers: number;
  /** A group open this long (ms) takes no further member; the one running finishes first. */
  maxOpenMs: number;
  /**
   * How long a group waits for SQLite's write lock while another connection (the appender's thread,
   * another process) holds it, polling without blocking the event loop; then its members reject.
   */
  lockWaitMs: number;
}

/**
 * 64 members: more than the concurrent writes the server sees (one per request in flight, plus the
 * audit trail's batches), so under load the bound that acts is the time, 20 ms: a few creates (each a
 * few ms of validation and indexing inside its transaction on a busy machine); an AuditEvent batch or
 * a large transaction Bundle fills a group alone.
 */
export const DEFAULT_LIMITS: GroupLimits = { maxMembers: 64, maxOpenMs: 20, lockWaitMs: 5000 };

/** Counters for tests and profiling: how many writes shared how many durable commits. */
export interface GroupCommitStats {
  /** COMMITs that succeeded (one per group that reached its end). */
  commits: number;
  /** Members that ran inside a group, whatever their outcome. */
  members: number;
  /** Groups whose COMMIT failed or that SQLite rolled back as a whole. */
  lostGroups: number;
}

interface Member {
  work: () => unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A member's outcome, held back until its group's COMMIT. */
type Outcome = { member: Member; ok: true; value: unknown } | { member: Member; ok: false; error: unknown };

const SAVEPOINT = 'group_member';

export class GroupCommit {
  readonly stats: GroupCommitStats = { commits: 0, members: 0, lostGroups: 0 };
  readonly #connection: () => CommitConnection;
  readonly #limits: GroupLimits;
  readonly #now: () => number;
  readonly #queue: Member[] = [];
  /** Set while groups are being run; undefined when the queue is idle. */
  #draining?: Promise<void>;

  /**
   * `connection` is asked for the writer at the start of each group (it throws when the store is
   * closed). `now` (ms) times the groups; tests pass one they move.
   */
  constructor(
    connection: () => CommitConnection,
    limits: Partial<GroupLimits> = {},
    now: () => number = () => performance.now(),
  ) {
    this.#connection = connection;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
    this.#now = now;
  }

  /** Runs `work` as a member of the next group; settles after that group's COMMIT. */
  run<T>(work: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= this.#drain();
    });
  }

  /** Resolves once every member queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        // Let the event loop read the requests that arrived during the last COMMIT's fsync, so that
        // their writes are queued before the next group starts and join it.
        await new Promise<void>((resolve) => setImmediate(resolve));
        await this.#runGroup();
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #runGroup(): Promise<void> {
    let db: CommitConnection;
    try {
      db = await this.#begin();
    } catch (error) {
      // No transaction: the members that would have formed this group fail as each would have alone.
      for (const member of this.#queue.splice(0, this.#limits.maxMembers)) member.reject(error);
      return;
    }
    const opened = this.#now();
    const outcomes: Outcome[] = [];
    while (
      this.#queue.length > 0 &&
      outcomes.length < this.#limits.maxMembers &&
      (outcomes.length === 0 || this.#now() - opened < this.#limits.maxOpenMs)
    ) {
      const member = this.#queue.shift() as Member;
      this.stats.members++;
      const outcome = await runMember(db, member);
      if (outcome === 'transaction lost') {
        this.#loseGroup(outcomes, undefined);
        return;
      }
      outcomes.push(outcome);
    }
    try {
      db.exec('COMMIT');
    } catch (error) {
      rollBack(db); // a failed COMMIT leaves the transaction open (e.g. a deferred constraint)
      this.#loseGroup(outcomes, error);
      return;
    }
    this.stats.commits++;
    for (const outcome of outcomes) {
      if (outcome.ok) outcome.member.resolve(outcome.value);
      else outcome.member.reject(outcome.error);
    }
  }

  /**
   * `BEGIN IMMEDIATE` on the writer. The writer has no busy timeout (sqlite-engine.ts): when another
   * connection holds the write lock SQLite answers SQLITE_BUSY at once, and the group waits here,
   * 1 to 8 ms at a time, letting the event loop serve requests meanwhile (with a busy timeout SQLite
   * would sleep on the event loop). Members queued meanwhile join the group.
   */
  async #begin(): Promise<CommitConnection> {
    const started = this.#now();
    for (let pause = 1; ; pause = Math.min(pause * 2, 8)) {
      const db = this.#connection();
      try {
        db.exec('BEGIN IMMEDIATE');
        return db;
      } catch (error) {
        if (!isBusy(error) || this.#now() - started >= this.#limits.lockWaitMs) throw error;
      }
      await new Promise<void>((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * The group's writes are gone: with `commitError`, its COMMIT failed and every member rejects
   * with it; without, SQLite rolled the transaction back under a member (already rejected by
   * runMember) and the members before it reject with a group error.
   */
  #loseGroup(outcomes: Outcome[], commitError: unknown): void {
    this.stats.lostGroups++;
    const error =
      commitError ??
      new Error('SQLite rolled back the group commit this write belonged to (another write in it failed)');
    for (const { member } of outcomes) member.reject(error);
  }
}

/**
 * Runs one member inside its savepoint. 'transaction lost' when SQLite rolled back the whole
 * transaction meanwhile (the member has then been rejected with its own error).
 */
async function runMember(db: CommitConnection, member: Member): Promise<Outcome | 'transaction lost'> {
  try {
    db.exec(`SAVEPOINT ${SAVEPOINT}`);
  } catch (error) {
    return { member, ok: false, error };
  }
  try {
    const value = await member.work();
    db.exec(`RELEASE ${SAVEPOINT}`);
    return { member, ok: true, value };
  } catch (error) {
    if (!inTransaction(db)) {
      member.reject(error);
      return 'transaction lost';
    }
    try {
      db.exec(`ROLLBACK TO ${SAVEPOINT}`);
      db.exec(`RELEASE ${SAVEPOINT}`);
    } catch {
      // The savepoint is gone while a transaction is open: the member's writes cannot be told
      // apart from the others', so the whole group goes.
      rollBack(db);
      member.reject(error);
      return 'transaction lost';
    }
    return { member, ok: false, error };
  }
}

/** SQLITE_BUSY, or one of its extended codes: another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { errcode?: unknown } | undefined)?.errcode;
  return typeof code === 'number' && (code & 0xff) === 5;
}

function inTransaction(db: CommitConnection): boolean {
  try {
    return db.isTransaction;
  } catch {
    return false; // the connection is closed
  }
}

function rollBack(db: CommitConnection): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // Nothing left to roll back.
  }
}
