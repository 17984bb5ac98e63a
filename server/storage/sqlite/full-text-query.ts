import { notSupported } from '../../fhir/outcomes.ts';
import { FULL_TEXT_PARAMS, words } from '../../fhir/search/content-index.ts';
import type { SearchFilter, StringCondition } from '../../fhir/search/search-request.ts';
import type { CompiledSql } from './sql-conditions.ts';

/**
 * `_content`/`_text` filters as FTS5 queries over `fts_words` (full-text.ts), with the semantics of
 * search-request.ts for string rows: `prefix` matches when some word of the resource starts with the
 * value, `exact` when some word equals it. A whole tree of such filters (`_content=blood pres,heart`
 * parses into `or(and(blood, pres), heart)`) becomes ONE MATCH expression, since every part asks
 * about the same resource: `({c} : ("blood"*)) AND ({c} : ("pres"*)) OR ...`.
 *
 * No request text can become FTS5 syntax: a term is used only when it is exactly one normalised
 * word (letters and digits, as content-index.ts makes them), and it is still written as a quoted
 * string with any `"` doubled. Any other value cannot be a prefix of a stored word (those contain
 * no other characters), so its condition is false and never reaches FTS5.
 */

/** The `fts_words` column of each full-text parameter. Column names come only from here. */
const COLUMNS: Readonly<Record<string, string>> = { _content: 'c', _text: 't' };
const FLAGS: Readonly<Record<string, string>> = { _content: 'has_content', _text: 'has_text' };

/** Whether `filter` is a `_content`/`_text` string filter, or an and/or made only of them. */
export function isFullTextFilter(filter: SearchFilter): boolean {
  if (filter.kind === 'string') return FULL_TEXT_PARAMS.has(filter.param);
  if (filter.kind === 'and' || filter.kind === 'or')
    return filter.filters.length > 0 && filter.filters.every(isFullTextFilter);
  return false;
}

/**
 * The resources of the alias `a` that match a full-text filter tree. The set of matching ids is
 * computed once per query (an uncorrelated subquery): SQLite uses it as the driving lookup or
 * probes it per candidate, as it judges best. Inside it the FTS5 matches drive (CROSS JOIN fixes the
 * order) and find their resource by docid; otherwise, without statistics, SQLite walks every
 * `fts_doc` row of the type and tests its docid against the matches.
 */
export function fullTextCondition(type: string, a: string, filter: SearchFilter): CompiledSql {
  const expression = matchExpression(filter);
  if (expression === false) return { sql: '0', params: [] };
  return {
    sql:
      `${a}.id IN (SELECT d.id FROM fts_words f CROSS JOIN fts_doc d ON d.docid = f.rowid ` +
      `WHERE fts_words MATCH ? AND d.type = ?)`,
    params: [expression, type],
  };
}

/** `_content:missing` / `_text:missing`: whether the resource has any word of the parameter. */
export function fullTextMissing(a: string, param: string, missing: boolean): CompiledSql {
  const flag = FLAGS[param];
  if (!flag) throw new Error(`${param} is not a full-text parameter`);
  return {
    sql: `${missing ? 'NOT ' : ''}EXISTS (SELECT 1 FROM fts_doc WHERE type = ${a}.type AND id = ${a}.id AND ${flag} = 1)`,
    params: [],
  };
}

/** The FTS5 expression of a full-text tree; `false` when it can match nothing. */
export function matchExpression(filter: SearchFilter): string | false {
  switch (filter.kind) {
    case 'string': {
      const column = COLUMNS[filter.param];
      if (!column) throw new Error(`${filter.param} is not a full-text parameter`);
      const terms = filter.any.map(term).filter((t): t is string => t !== false);
      return terms.length ? `{${column}} : (${terms.join(' OR ')})` : false;
    }
    case 'and': {
      const parts = filter.filters.map(matchExpression);
      if (parts.some((p) => p === false)) return false;
      return parts.map((p) => `(${p as string})`).join(' AND ');
    }
    case 'or': {
      const parts = filter.filters.map(matchExpression).filter((p): p is string => p !== false);
      return parts.length ? parts.map((p) => `(${p})`).join(' OR ') : false;
    }
    default:
      throw new Error(`A ${filter.kind} filter is not a full-text filter`);
  }
}

/** One condition as an FTS5 term, or false when no stored word can satisfy it. */
function term(c: StringCondition): string | false {
  if (c.match === 'contains') throw notSupported('`:contains` is not supported on _content and _text', 'contains');
  const normalised = words(c.value);
  if (normalised.length !== 1 || normalised[0] !== c.value) return false;
  const quoted = `"${c.value.replaceAll('"', '""')}"`;
  return c.match === 'prefix' ? `${quoted}*` : quoted;
}
