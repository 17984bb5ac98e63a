import type { Resource } from '@medplum/fhirtypes';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import { evaluableInMemory, filterParams, rowsMatch } from '../fhir/search/match-index-rows.ts';
import { accessFilterFor } from '../fhir/search/search-request.ts';
import type { AccessRule } from '../fhir/search/search-request.ts';
import type { ReadSession } from './storage-engine.ts';
import type { HistoryQuery, StoredVersion } from './stored-version.ts';

/**
 * The access checks the repository makes on one version's own index rows, in memory, with the
 * engines' semantics (match-index-rows.ts): whether a caller may see an older version's content
 * (vread, history), and whether they reach the version they just wrote.
 */

/** How many batches a scoped history reads at most to fill one page with versions the caller may see. */
const HISTORY_FILL_ROUNDS = 10;

/**
 * Whether a reader under `rule` may see this version's own content (a tombstone carries none: it is
 * visible whenever the resource is). Computed from the version's index rows, as the query would for it.
 */
export function versionVisible(rule: AccessRule, version: StoredVersion, index: (r: Resource) => IndexRow[]): boolean {
  if (version.deleted || !version.resource) return true;
  const filter = accessFilterFor(rule, version.resourceType);
  if (filter === 'all' || filter === 'none') return filter === 'all';
  return rowsMatch(filter, { id: version.id }, index(version.resource));
}

/**
 * Whether `rule` reaches a version just written, judged on the rows just stored for it; undefined when
 * the in-memory matcher cannot answer the rule exactly (`_lastUpdated`, chains, `_has`): ask the store.
 */
export function writtenVisible(rule: AccessRule, saved: Resource, rows: readonly IndexRow[]): boolean | undefined {
  const filter = accessFilterFor(rule, saved.resourceType);
  return evaluableInMemory(filter) ? rowsMatch(filter, { id: saved.id as string }, rows) : undefined;
}

export const ASK_THE_STORE = Symbol('ask the store');
/** The parameters whose rows a read can rebuild from the stored resource alone (`Resource.meta.tag`). */
const TAG_ONLY: ReadonlySet<string> = new Set(['_tag']);

/**
 * The current version of `type/id` if `rule` reaches it, judged in memory: when the rule's filter
 * for the type looks only at `_tag` rows (a practice's staff and apps: the owner tag), the version
 * is read by its key and the filter evaluated on its `_tag` rows, rebuilt from its content by the
 * indexer's own expression — the rows the store holds for it, since `_tag` is a standard parameter
 * no SearchParameter change can redefine. Anything else (compartments, grants, a tombstone, whose
 * access rows are the last version's) is ASK_THE_STORE: the query decides.
 */
export async function currentByTags(
  reader: ReadSession,
  rule: AccessRule,
  type: string,
  id: string,
  indexOf: (resource: Resource, params: ReadonlySet<string>) => IndexRow[],
): Promise<StoredVersion | undefined | typeof ASK_THE_STORE> {
  const filter = accessFilterFor(rule, type);
  if (filter === 'none') return undefined;
  if (filter !== 'all' && !(evaluableInMemory(filter) && [...filterParams(filter)].every((p) => TAG_ONLY.has(p))))
    return ASK_THE_STORE;
  const current = await reader.readCurrent(type, id);
  if (!current || filter === 'all') return current;
  if (current.deleted || !current.resource) return ASK_THE_STORE;
  return rowsMatch(filter, { id }, indexOf(current.resource, TAG_ONLY)) ? current : undefined;
}

/**
 * The engine selects versions of resources the caller may see now (their current access rows);
 * each version is then judged on its own content too, so a resource re-filed from one patient to
 * another never shows its earlier content to the new patient (nor the new content to the old).
 * Hidden versions are skipped and the page is filled from further versions, a bounded number of
 * times. Version ids are sequential, so skipping one reveals nothing its neighbours do not.
 */
export async function visibleHistory(
  reader: ReadSession,
  query: HistoryQuery,
  visible: (version: StoredVersion) => boolean,
): Promise<StoredVersion[]> {
  const shown: StoredVersion[] = [];
  let before = query.before;
  for (let round = 0; round < HISTORY_FILL_ROUNDS && shown.length < query.count; round++) {
    const batch = await reader.history({ ...query, ...(before ? { before } : {}) });
    for (const version of batch) if (visible(version)) shown.push(version);
    const last = batch.at(-1);
    if (batch.length < query.count || !last) break;
    before = { lastUpdated: last.lastUpdated, resourceType: last.resourceType, id: last.id, versionId: last.versionId };
  }
  return shown.slice(0, query.count);
}
