import type { IndexRow } from '../fhir/search/index-rows.ts';
import type { SearchRequest } from '../fhir/search/search-request.ts';
import type { HistoryQuery, SearchPage, StoredVersion } from './stored-version.ts';
import type { KeyValueStore } from './key-value-store.ts';
import type { Appender } from './appender.ts';
import type { BlobStore } from './blob-store.ts';

/**
 * What a storage engine must do. It is deliberately small and knows nothing of FHIR rules
 * (versioning, validation, conditional logic): those live once in repository.ts, above both engines.
 * Every engine passes the same contract suite (storage-contract.test.ts).
 */
export interface StorageEngine {
  readonly name: 'sqlite' | 'mongodb';
  /** Creates tables/collections and indexes; refuses unsafe set-ups with a clear Error. */
  open(): Promise<void>;
  close(): Promise<void>;
  /** Throws when the store cannot answer (used by /readyz). */
  ping(): Promise<void>;
  /** Reads outside a transaction see only committed data. */
  readonly reader: ReadSession;
  /**
   * Runs `work` atomically: every write it makes is committed together, or none is (the promise
   * rejects with work's error). Transactions do not interleave their writes.
   */
  transaction<T>(work: (session: WriteSession) => Promise<T>): Promise<T>;
  /**
   * Namespaced records with expiry for non-FHIR state (the authorization server's tokens and
   * sessions), kept in the same database; see key-value-store.ts. Its writes are independent of
   * `transaction` (never part of one): do not call them from within transaction work.
   */
  readonly keyValue: KeyValueStore;
  /**
   * Appends first versions of server-written records (AuditEvents) outside the request path
   * (appender.ts). close() closes it too.
   */
  readonly appender: Appender;
  /**
   * Large content (documents' bytes) streamed in and out in chunks, in the same database
   * (blob-store.ts). Its writes are independent of `transaction`, like the key-value store's.
   */
  readonly blobs: BlobStore;
}

export interface ReadSession {
  /** The newest version (possibly a tombstone), or undefined when the id was never written. */
  readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined>;
  readVersion(resourceType: string, id: string, versionId: string): Promise<StoredVersion | undefined>;
  /** Versions, newest first (by lastUpdated, then resourceType, id, versionId descending). */
  history(query: HistoryQuery): Promise<StoredVersion[]>;
  /** Current, non-deleted versions matching the request, ordered by id ascending. */
  search(request: SearchRequest): Promise<SearchPage>;
}

export interface WriteSession extends ReadSession {
  /**
   * Appends a version and makes it current, replacing the resource's index rows with `index`
   * (a tombstone has none). Must throw VersionConflictError when this (type, id, versionId)
   * already exists, so that two concurrent writers of one resource cannot both succeed.
   */
  writeVersion(version: StoredVersion, index: IndexRow[]): Promise<void>;
  /**
   * Replaces the index rows of a resource's current version without writing a version (reindexing
   * after search parameters change). Does nothing for an unknown or deleted resource.
   */
  replaceIndex(resourceType: string, id: string, index: IndexRow[]): Promise<void>;
}

export class VersionConflictError extends Error {
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: string;

  constructor(resourceType: string, id: string, versionId: string) {
    super(`Version ${versionId} of ${resourceType}/${id} was written concurrently`);
    this.name = 'VersionConflictError';
    this.resourceType = resourceType;
    this.id = id;
    this.versionId = versionId;
  }
}
