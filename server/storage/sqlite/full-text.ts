import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * The `_content`/`_text` words of current resources in one FTS5 table instead of one `idx_string`
 * row per word (docs/decisions/0019-full-text-index.md). A Synthea resource had ~37 word rows, each
 * three b-tree entries (the table and its two indexes); now it has one FTS5 row, which FTS5 buffers
 * in memory and merges into its segments at commit, and one `fts_doc` row.
 *
 * - `fts_words`: column `c` holds a resource's `_content` words, `t` its `_text` words, each the
 *   words content-index.ts made (already normalised by normalizeString) joined by spaces. The
 *   `ascii` tokenizer splits only at ASCII characters that are not letters or digits and folds only
 *   ASCII capitals: our words consist of letters and digits and are lower case already, so it splits
 *   exactly at the spaces we put and changes nothing, and a word's FTS5 token is the word itself
 *   (unicode61 would fold case and diacritics again with its own Unicode 6.1 tables and treat
 *   letters newer than 6.1 as separators, which could diverge from normalizeString). Contentless
 *   (`content=''`: the words are never read back) with `contentless_delete=1` so that a row can be
 *   deleted or replaced by rowid; `detail=column` (no positions: every query term is one word).
 * - `fts_doc`: the FTS5 rowid of a resource (`docid`) and whether it has any `_content` / `_text`
 *   words (`:missing`, which a contentless table cannot answer). A rowid table: the docid is
 *   allocated by SQLite for free, a match's docid finds its (type, id) by the primary key, and the
 *   UNIQUE (type, id) constraint (an automatic index, which the bench's direct load cannot drop)
 *   finds a resource's docid on update. A resource without words has neither row (AuditEvents,
 *   tombstones).
 */
export const FULL_TEXT_SCHEMA = `
CREATE TABLE IF NOT EXISTS fts_doc (
  docid INTEGER PRIMARY KEY, type TEXT NOT NULL, id TEXT NOT NULL,
  has_content INTEGER NOT NULL, has_text INTEGER NOT NULL,
  UNIQUE (type, id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts_words USING fts5(
  c, t, content = '', contentless_delete = 1, detail = column, tokenize = 'ascii'
);
`;

/**
 * Moves the word rows of a store written before FTS5 (schema version 1) into the FTS5 tables, in
 * SQL, inside the caller's transaction: the rows are exactly the words, so nothing is recomputed.
 */
export const FULL_TEXT_MIGRATION = `
INSERT INTO fts_doc (type, id, has_content, has_text)
  SELECT type, id, max(param = '_content'), max(param = '_text') FROM idx_string
  WHERE param IN ('_content', '_text') GROUP BY type, id;
INSERT INTO fts_words (rowid, c, t)
  SELECT d.docid,
    coalesce((SELECT group_concat(value, ' ') FROM idx_string s WHERE s.type = d.type AND s.id = d.id AND s.param = '_content'), ''),
    coalesce((SELECT group_concat(value, ' ') FROM idx_string s WHERE s.type = d.type AND s.id = d.id AND s.param = '_text'), '')
  FROM fts_doc d;
DELETE FROM idx_string WHERE param IN ('_content', '_text');
`;

/** The FTS5 rows of one connection: written with a resource's other index rows, in its transaction. */
export class FullTextIndex {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Makes `content` and `text` the words of (type, id). `isNew`: the resource has never been
   * written (its first version), so there is nothing to look up or replace.
   */
  write(type: string, id: string, content: readonly string[], text: readonly string[], isNew: boolean): void {
    const hasWords = content.length > 0 || text.length > 0;
    if (isNew) {
      if (hasWords) this.#insert(type, id, content, text);
      return;
    }
    const existing = this.#prepare('SELECT docid FROM fts_doc WHERE type = ? AND id = ?').get(type, id) as
      { docid: number } | undefined;
    if (!existing) {
      if (hasWords) this.#insert(type, id, content, text);
    } else if (!hasWords) {
      this.#remove(existing.docid);
    } else {
      this.#prepare('UPDATE fts_doc SET has_content = ?, has_text = ? WHERE docid = ?').run(
        flag(content),
        flag(text),
        existing.docid,
      );
      // contentless_delete=1 turns REPLACE into a delete of the old row's words plus an insert.
      this.#prepare('INSERT OR REPLACE INTO fts_words (rowid, c, t) VALUES (?, ?, ?)').run(
        existing.docid,
        content.join(' '),
        text.join(' '),
      );
    }
  }

  #insert(type: string, id: string, content: readonly string[], text: readonly string[]): void {
    const { docid } = this.#prepare(
      'INSERT INTO fts_doc (type, id, has_content, has_text) VALUES (?, ?, ?, ?) RETURNING docid',
    ).get(type, id, flag(content), flag(text)) as { docid: number };
    this.#prepare('INSERT INTO fts_words (rowid, c, t) VALUES (?, ?, ?)').run(docid, content.join(' '), text.join(' '));
  }

  #remove(docid: number): void {
    this.#prepare('DELETE FROM fts_words WHERE rowid = ?').run(docid);
    this.#prepare('DELETE FROM fts_doc WHERE docid = ?').run(docid);
  }
}

const flag = (words: readonly string[]): number => (words.length > 0 ? 1 : 0);
