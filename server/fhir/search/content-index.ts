import type { Resource } from '@medplum/fhirtypes';
import type { IndexRow } from './index-rows.ts';
import { normalizeString } from './normalize.ts';

/**
 * Full-text rows for `_text` (the narrative) and `_content` (every text value of the resource):
 * the distinct normalised words, as string rows, so that `_content=blood pres` is a word-prefix
 * search. The rows are what the in-memory matcher (match-index-rows.ts) reads; the engines store
 * them apart from the other string rows (`splitFullText`): SQLite in an FTS5 table, MongoDB in a
 * `words` field (docs/decisions/0019-full-text-index.md). Words are bounded per resource so that a
 * huge resource cannot blow up the index.
 */
export const MAX_WORDS = 256;
const MAX_WORD_LENGTH = 64;

/** Keys whose values are identifiers, links or binary data rather than text a person would search. */
const SKIPPED_KEYS = new Set(['id', 'meta', 'reference', 'url', 'system', 'data', 'fullUrl', 'resourceType', 'div']);

/** The parameters whose string rows are full-text words. */
export const FULL_TEXT_PARAMS: ReadonlySet<string> = new Set(['_content', '_text']);

/** A resource's full-text words by parameter, and its other index rows. */
export interface SplitIndex {
  content: string[];
  text: string[];
  rows: IndexRow[];
}

/** Separates the `_content`/`_text` words from the rows the engines keep in their ordinary index. */
export function splitFullText(index: readonly IndexRow[]): SplitIndex {
  const split: SplitIndex = { content: [], text: [], rows: [] };
  for (const row of index) {
    if (row.kind === 'string' && FULL_TEXT_PARAMS.has(row.param))
      (row.param === '_content' ? split.content : split.text).push(row.value);
    else split.rows.push(row);
  }
  return split;
}

export function contentRows(resource: Resource, rows: IndexRow[]): void {
  const narrative = (resource as { text?: { div?: unknown } }).text?.div;
  const narrativeWords = typeof narrative === 'string' ? words(htmlText(narrative)) : [];
  for (const word of narrativeWords) rows.push({ kind: 'string', param: '_text', value: word, exact: word });
  const texts: string[] = [];
  collectTexts(resource, texts);
  for (const word of words([...texts, ...narrativeWords].join(' ')))
    rows.push({ kind: 'string', param: '_content', value: word, exact: word });
}

/** Splits text into distinct normalised words, in order of first appearance, at most MAX_WORDS. */
export function words(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of normalizeString(text).split(/[^\p{L}\p{N}]+/u)) {
    if (raw.length >= 1 && raw.length <= MAX_WORD_LENGTH) seen.add(raw);
    if (seen.size >= MAX_WORDS) break;
  }
  return [...seen];
}

function collectTexts(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) collectTexts(item, out);
  else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) if (!SKIPPED_KEYS.has(key)) collectTexts(item, out);
  }
}

/** The text of an XHTML narrative: tags removed, the common entities decoded. */
function htmlText(xhtml: string): string {
  return xhtml
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
