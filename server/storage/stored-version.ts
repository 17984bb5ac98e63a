import type { AccessRule, PagePosition } from '../fhir/search/search-request.ts';
import type { Resource } from '@medplum/fhirtypes';

/**
 * One version of one resource as the engines keep it. Deletions are versions too (tombstones,
 * `deleted: true`, no resource), so history and vread see them and read answers 410.
 */
export interface StoredVersion {
  resourceType: string;
  id: string;
  /** Positive integer, as a decimal string: 1 for the first version, then +1 per write. */
  versionId: string;
  /** ISO-8601 instant with milliseconds, UTC. */
  lastUpdated: string;
  deleted: boolean;
  resource?: Resource;
}

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  /** Only versions with lastUpdated >= since (ISO instant). */
  since?: string;
  count: number;
  /** Keyset paging over (lastUpdated desc, resourceType, id, versionId desc): the last one returned. */
  before?: { lastUpdated: string; resourceType: string; id: string; versionId: string };
  /**
   * Only versions of resources the caller may see, decided by each resource's current version
   * (a tombstone keeps its last access rows). Absent for the server's own work.
   */
  access?: AccessRule;
}

export interface SearchPage {
  versions: StoredVersion[];
  /**
   * True when more matches lie beyond the page in the direction it was read: after it, or for a
   * `before` page, before it.
   */
  hasMore: boolean;
  /** Where the first and the last resource of the page stand in the order (for paging links). */
  first?: PagePosition;
  last?: PagePosition;
  /** Present only when the request asked for a total. */
  total?: number;
}
