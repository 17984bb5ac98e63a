import type { Resource } from '@medplum/fhirtypes';
import { splitFullText } from '../../fhir/search/content-index.ts';
import type { IndexRow } from '../../fhir/search/index-rows.ts';
import type { StoredVersion } from '../stored-version.ts';

/**
 * MongoDB document layout. `resources` holds one document per resource (its current version and
 * its search index as arrays with short keys); `history` holds every version.
 * Resource JSON is stored as-is: the REST layer rejects keys that start with `$` or contain `.`,
 * so no client-supplied key can be read as an operator or a path.
 */
export interface IndexArrays {
  string: Array<{ p: string; v: string; e: string }>;
  token: Array<{ p: string; s: string | null; c: string | null; t: string | null }>;
  reference: Array<{ p: string; r: string; rt: string | null }>;
  date: Array<{ p: string; lo: string; hi: string }>;
  number: Array<{ p: string; lo: number; hi: number }>;
  quantity: Array<{ p: string; s: string | null; c: string | null; lo: number; hi: number }>;
  uri: Array<{ p: string; v: string }>;
}

/**
 * The `_content` (`c`) and `_text` (`t`) words of a resource, apart from `idx.string` so that they
 * have their own multikey indexes `{ type, words.c }` and `{ type, words.t }` and the general string
 * index stays small (docs/decisions/0019-full-text-index.md).
 */
export interface Words {
  c: string[];
  t: string[];
}

export interface CurrentDocument {
  _id: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  resource?: Resource;
  idx: IndexArrays;
  words: Words;
}

export interface HistoryDocument {
  _id: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  resource?: Resource;
}

export function toCurrentDocument(version: StoredVersion, rows: IndexRow[]): CurrentDocument {
  const doc: CurrentDocument = {
    _id: `${version.resourceType}/${version.id}`,
    type: version.resourceType,
    id: version.id,
    versionId: Number(version.versionId),
    lastUpdated: version.lastUpdated,
    deleted: version.deleted,
    ...toIndexFields(rows),
  };
  if (version.resource) doc.resource = version.resource;
  return doc;
}

export function toHistoryDocument(version: StoredVersion): HistoryDocument {
  const doc: HistoryDocument = {
    _id: `${version.resourceType}/${version.id}/${version.versionId}`,
    type: version.resourceType,
    id: version.id,
    versionId: Number(version.versionId),
    lastUpdated: version.lastUpdated,
    deleted: version.deleted,
  };
  if (version.resource) doc.resource = version.resource;
  return doc;
}

export function fromDocument(doc: HistoryDocument | CurrentDocument): StoredVersion {
  const version: StoredVersion = {
    resourceType: doc.type,
    id: doc.id,
    versionId: String(doc.versionId),
    lastUpdated: doc.lastUpdated,
    deleted: doc.deleted,
  };
  if (doc.resource) version.resource = doc.resource;
  return version;
}

/** A resource's index rows as the document fields that hold them: `idx` and `words`. */
export function toIndexFields(index: IndexRow[]): { idx: IndexArrays; words: Words } {
  const { content, text, rows } = splitFullText(index);
  return { idx: toIndexArrays(rows), words: { c: content, t: text } };
}

function toIndexArrays(rows: IndexRow[]): IndexArrays {
  const idx: IndexArrays = { string: [], token: [], reference: [], date: [], number: [], quantity: [], uri: [] };
  for (const row of rows) {
    switch (row.kind) {
      case 'string':
        idx.string.push({ p: row.param, v: row.value, e: row.exact });
        break;
      case 'token':
        idx.token.push({ p: row.param, s: row.system, c: row.code, t: row.text });
        break;
      case 'reference':
        idx.reference.push({ p: row.param, r: row.target, rt: row.targetType });
        break;
      case 'date':
        idx.date.push({ p: row.param, lo: row.low, hi: row.high });
        break;
      case 'number':
        idx.number.push({ p: row.param, lo: row.low, hi: row.high });
        break;
      case 'quantity':
        idx.quantity.push({ p: row.param, s: row.system, c: row.code, lo: row.low, hi: row.high });
        break;
      case 'uri':
        idx.uri.push({ p: row.param, v: row.value });
        break;
    }
  }
  return idx;
}
