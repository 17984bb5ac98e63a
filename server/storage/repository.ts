import type { Resource } from '@medplum/fhirtypes';
import {
  badRequest,
  conflict,
  forbidden,
  gone,
  notFound,
  preconditionFailed,
  unprocessable,
} from '../fhir/outcomes.ts';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import type { SearchRequest } from '../fhir/search/search-request.ts';
import type { AccessInteraction, AccessScope } from './access-scope.ts';
import { committed, mintId } from './commit-hook.ts';
import type { AfterCommit } from './commit-hook.ts';
import type { ReadSession, StorageEngine, WriteSession } from './storage-engine.ts';
import { applyJsonPatch, checkIfMatch, stamp, writeChecked } from './version-writes.ts';
import { ASK_THE_STORE, currentByTags, versionVisible, visibleHistory, writtenVisible } from './version-visibility.ts';
import type { HistoryQuery, SearchPage, StoredVersion } from './stored-version.ts';

/**
 * The storage contract the HTTP layer depends on: FHIR semantics (versions, tombstones, If-Match,
 * conditional operations, validation and indexing of every write) implemented once, above the
 * engines. Nothing reads or writes an engine except through this.
 */
export interface Repository {
  create<T extends Resource>(resource: T, options?: { ifNoneExist?: SearchRequest }): Promise<WriteResult<T>>;
  read<T extends Resource>(resourceType: string, id: string): Promise<T>;
  vread<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<T>;
  update<T extends Resource>(resource: T, options?: { ifMatch?: string }): Promise<WriteResult<T>>;
  conditionalUpdate<T extends Resource>(resource: T, search: SearchRequest): Promise<WriteResult<T>>;
  patch<T extends Resource>(
    resourceType: string,
    id: string,
    patch: unknown,
    options?: { ifMatch?: string },
  ): Promise<WriteResult<T>>;
  delete(resourceType: string, id: string, options?: { ifMatch?: string }): Promise<void>;
  conditionalDelete(search: SearchRequest): Promise<void>;
  history(query: HistoryQuery): Promise<StoredVersion[]>;
  search(request: SearchRequest): Promise<SearchPage>;
  /** Runs `work` atomically: all its writes are kept, or (when it throws) none. */
  transaction<T>(work: (repo: Repository) => Promise<T>): Promise<T>;
  /**
   * The same repository seen by one caller: every read, search, history and write is limited by
   * `scope` inside the storage query. A resource the caller may not see behaves exactly like one
   * that does not exist.
   */
  withScope(scope: AccessScope): Repository;
}

/** `created`: a new resource (201); false: an existing one was updated or matched (200). */
export interface WriteResult<T extends Resource> {
  resource: T;
  created: boolean;
}

export interface RepositoryDeps {
  engine: StorageEngine;
  /** Throws a FhirError (400) naming the paths of every problem. */
  validate: (resource: Resource) => void;
  /** Computes the search index rows of a resource version. */
  index: (resource: Resource) => IndexRow[];
  /**
   * The rows a deletion keeps (the access rows of the last version: owner, compartments), so that
   * reads can answer 410 to callers who could see the resource and 404 to everyone else.
   */
  tombstoneIndex?: (resource: Resource) => IndexRow[];
  /**
   * The rows of the named parameters only (extract-index.ts#extractIndexRowsOf): lets a read whose
   * access rule looks at the owner tag alone be judged in memory (version-visibility.ts). Without
   * it every scoped read asks the store.
   */
  indexOf?: (resource: Resource, params: ReadonlySet<string>) => IndexRow[];
  now?: () => Date;
  /** Told what each outermost transaction wrote, after it commits (commit-hook.ts). */
  afterCommit?: AfterCommit;
}

export class VersionedRepository implements Repository {
  readonly #deps: RepositoryDeps;
  /** Set when this repository works inside a transaction; all calls then share it. */
  readonly #session?: WriteSession;
  /** Set when this repository acts for one caller (withScope); absent for the server's own work. */
  readonly #scope?: AccessScope;
  /** Inside a transaction: access checks that wait until every entry is written (AccessScope.prepareWrite). */
  readonly #deferred?: Array<() => Promise<void>>;

  constructor(
    deps: RepositoryDeps,
    session?: WriteSession,
    scope?: AccessScope,
    deferred?: Array<() => Promise<void>>,
  ) {
    this.#deps = deps;
    this.#session = session;
    this.#scope = scope;
    this.#deferred = deferred;
  }

  withScope(scope: AccessScope): Repository {
    return new VersionedRepository(this.#deps, this.#session, scope, this.#deferred);
  }

  /** `request` limited to what the caller may reach with `interaction` (unchanged without a scope). */
  #scoped(request: SearchRequest, interaction: AccessInteraction): SearchRequest {
    return this.#scope ? { ...request, access: this.#scope.rule(interaction) } : request;
  }

  /**
   * The current version (possibly a tombstone) if the caller may reach it with `interaction`:
   * one query with the caller's rule, so an unseen resource and a missing one look the same — or,
   * when the rule looks only at the owner tag, the version read by its key and judged in memory on
   * its own tag rows, the same rows the query would look at (currentByTags).
   */
  async #currentFor(
    session: ReadSession,
    resourceType: string,
    id: string,
    interaction: AccessInteraction,
  ): Promise<StoredVersion | undefined> {
    if (!this.#scope) return session.readCurrent(resourceType, id);
    const rule = this.#scope.rule(interaction);
    if (this.#deps.indexOf) {
      const judged = await currentByTags(session, rule, resourceType, id, this.#deps.indexOf);
      if (judged !== ASK_THE_STORE) return judged;
    }
    const request = this.#scoped(
      { resourceType, filters: [{ kind: 'id', ids: [id] }], sort: [], count: 1, total: 'none', includeDeleted: true },
      interaction,
    );
    return (await session.search(request)).versions[0];
  }

  get #reader(): ReadSession {
    return this.#session ?? this.#deps.engine.reader;
  }

  #write<T>(work: (session: WriteSession) => Promise<T>): Promise<T> {
    return this.#session ? work(this.#session) : committed(this.#deps, work);
  }

  transaction<T>(work: (repo: Repository) => Promise<T>): Promise<T> {
    if (this.#session) return work(this);
    return this.#write(async (session) => {
      const deferred: Array<() => Promise<void>> = [];
      const result = await work(new VersionedRepository(this.#deps, session, this.#scope, deferred));
      for (const check of deferred) await check();
      return result;
    });
  }

  async create<T extends Resource>(
    resource: T,
    options: { ifNoneExist?: SearchRequest } = {},
  ): Promise<WriteResult<T>> {
    return this.#write(async (session) => {
      if (options.ifNoneExist) {
        const existing = await matchesOf(session, this.#scoped(options.ifNoneExist, 'r'));
        if (existing.length > 1) throw preconditionFailed('If-None-Exist matched more than one resource');
        if (existing[0]) return { resource: existing[0].resource as T, created: false };
      }
      const saved = await this.#saveVersion(session, { ...resource, id: mintId(session) }, undefined);
      return { resource: saved, created: true };
    });
  }

  async read<T extends Resource>(resourceType: string, id: string): Promise<T> {
    const current = await this.#currentFor(this.#reader, resourceType, id, 'r');
    if (!current) throw notFound(`${resourceType}/${id} not found`);
    if (current.deleted) throw gone(`${resourceType}/${id} was deleted`);
    return current.resource as T;
  }

  async vread<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<T> {
    if (this.#scope && !(await this.#currentFor(this.#reader, resourceType, id, 'r')))
      throw notFound(`Version ${versionId} of ${resourceType}/${id} not found`);
    const version = await this.#reader.readVersion(resourceType, id, versionId);
    if (!version || !this.#versionVisible(version))
      throw notFound(`Version ${versionId} of ${resourceType}/${id} not found`);
    if (version.deleted) throw gone(`Version ${versionId} of ${resourceType}/${id} is a deletion`);
    return version.resource as T;
  }

  async update<T extends Resource>(resource: T, options: { ifMatch?: string } = {}): Promise<WriteResult<T>> {
    if (!resource.id) throw badRequest('Resource id is required for update', `${resource.resourceType}.id`);
    return this.#write(async (session) => {
      const current = await this.#existingFor(session, resource.resourceType, resource.id as string, 'u');
      checkIfMatch(current, options.ifMatch);
      const saved = await this.#saveVersion(session, resource, current);
      return { resource: saved, created: !current || current.deleted };
    });
  }

  async conditionalUpdate<T extends Resource>(resource: T, search: SearchRequest): Promise<WriteResult<T>> {
    return this.#write(async (session) => {
      const matches = await matchesOf(session, this.#scoped(search, 'u'));
      if (matches.length > 1) throw preconditionFailed('The search matched more than one resource');
      const match = matches[0];
      if (!match) {
        // No match: a client-supplied id is honoured (create-on-update), else the server assigns one.
        const current = resource.id
          ? await this.#existingFor(session, resource.resourceType, resource.id, 'u')
          : undefined;
        if (current && !current.deleted)
          throw conflict(`${resource.resourceType}/${resource.id} exists but does not match the search`);
        const saved = await this.#saveVersion(session, { ...resource, id: resource.id ?? mintId(session) }, current);
        return { resource: saved, created: true };
      }
      if (resource.id && resource.id !== match.id) {
        throw badRequest('Resource id does not match the resource found by the search', `${resource.resourceType}.id`);
      }
      const saved = await this.#saveVersion(session, { ...resource, id: match.id }, match);
      return { resource: saved, created: false };
    });
  }

  async patch<T extends Resource>(
    resourceType: string,
    id: string,
    patch: unknown,
    options: { ifMatch?: string } = {},
  ): Promise<WriteResult<T>> {
    return this.#write(async (session) => {
      const current = await this.#currentFor(session, resourceType, id, 'u');
      if (!current) await this.#refuseIfVisible(session, resourceType, id, 'update');
      if (!current) throw notFound(`${resourceType}/${id} not found`);
      if (current.deleted) throw gone(`${resourceType}/${id} was deleted`);
      checkIfMatch(current, options.ifMatch);
      const patched = applyJsonPatch(current.resource as Resource, patch);
      if (typeof patched !== 'object' || patched === null || Array.isArray(patched))
        throw unprocessable('A patch must leave a resource (a JSON object)');
      if (patched.resourceType !== resourceType || patched.id !== id) {
        throw unprocessable('A patch may not change resourceType or id');
      }
      const saved = await this.#saveVersion(session, patched as T, current);
      return { resource: saved, created: false };
    });
  }

  async delete(resourceType: string, id: string, options: { ifMatch?: string } = {}): Promise<void> {
    await this.#write(async (session) => {
      // A resource the caller may not delete is, for them, one that does not exist: nothing happens.
      const current = await this.#currentFor(session, resourceType, id, 'd');
      if (!current) await this.#refuseIfVisible(session, resourceType, id, 'delete');
      checkIfMatch(current, options.ifMatch);
      if (current && !current.deleted) await this.#delete(session, current);
    });
  }

  async conditionalDelete(search: SearchRequest): Promise<void> {
    await this.#write(async (session) => {
      const matches = await matchesOf(session, this.#scoped(search, 'd'));
      if (matches.length > 1) throw preconditionFailed('The search matched more than one resource');
      if (matches[0]) await this.#delete(session, matches[0]);
      // Nothing the caller may delete matched: say so when it matched what they can see (as delete by id does).
      else if (this.#scope && (await matchesOf(session, this.#scoped(search, 'r'))).length > 0) {
        throw forbidden(`Your access does not allow you to delete the ${search.resourceType} this search matches`);
      }
    });
  }

  async history(query: HistoryQuery): Promise<StoredVersion[]> {
    if (!this.#scope) return this.#reader.history(query);
    if (query.resourceType !== undefined && query.id !== undefined) {
      // One resource: visible (now) or not at all; then each version on its own content.
      if (!(await this.#currentFor(this.#reader, query.resourceType, query.id, 'r'))) return [];
    }
    return visibleHistory(this.#reader, { ...query, access: this.#scope.rule('r') }, (v) => this.#versionVisible(v));
  }

  /** Whether the caller may read this version's own content (version-visibility.ts). */
  #versionVisible(version: StoredVersion): boolean {
    return !this.#scope || versionVisible(this.#scope.rule('r'), version, this.#deps.index);
  }

  search(request: SearchRequest): Promise<SearchPage> {
    return this.#reader.search(this.#scoped(request, 's'));
  }

  /**
   * For writes by id: the current version when the caller may reach it with `interaction`, undefined
   * when the id was never used, and 404 when it exists but is not theirs (they may not reuse its id).
   */
  async #existingFor(
    session: ReadSession,
    resourceType: string,
    id: string,
    interaction: AccessInteraction,
  ): Promise<StoredVersion | undefined> {
    const current = await session.readCurrent(resourceType, id);
    if (!current || !this.#scope) return current;
    if (!(await this.#currentFor(session, resourceType, id, interaction))) {
      await this.#refuseIfVisible(session, resourceType, id, 'update');
      throw notFound(`${resourceType}/${id} not found`);
    }
    return current;
  }

  /**
   * A resource the caller can read but not change answers 403 (saying so reveals nothing they do not
   * see); one they cannot read at all stays indistinguishable from a missing one.
   */
  async #refuseIfVisible(
    session: ReadSession,
    resourceType: string,
    id: string,
    action: 'update' | 'delete',
  ): Promise<void> {
    const visible = await this.#currentFor(session, resourceType, id, 'r');
    if (visible && !visible.deleted)
      throw forbidden(`Your access does not allow you to ${action} ${resourceType}/${id}`);
  }

  /** Sets meta, validates, indexes and appends the next version of `resource`. */
  async #saveVersion<T extends Resource>(
    session: WriteSession,
    resource: T,
    current: StoredVersion | undefined,
  ): Promise<T> {
    const versionId = String(current ? Number(current.versionId) + 1 : 1);
    const lastUpdated = (this.#deps.now?.() ?? new Date()).toISOString();
    const live = current && !current.deleted ? current.resource : undefined;
    const deferred = this.#deferred;
    const defer = deferred ? (check: () => Promise<void>) => void deferred.push(check) : undefined;
    // Validation runs before anything else reads the body (the access checks evaluate FHIRPath and
    // references): a wrongly-typed field is a 400 naming its path, never a crash further on. What
    // prepareWrite then changes (the owner tag, kept security labels) is built by the server.
    const stamped = stamp(resource, versionId, lastUpdated);
    this.#deps.validate(stamped);
    const prepared = this.#scope
      ? ((await this.#scope.prepareWrite(stamped, live, (r) => matchesOf(session, r, 1000), defer)) as T)
      : stamped;
    const saved = stamp(prepared, versionId, lastUpdated);
    const version: StoredVersion = {
      resourceType: saved.resourceType,
      id: saved.id as string,
      versionId,
      lastUpdated,
      deleted: false,
      resource: saved,
    };
    const rows = this.#deps.index(saved);
    await writeChecked(session, version, rows);
    // The caller must be able to see what they wrote, under the same rule the queries use; if not
    // (another practice's compartment, a scope that does not cover it), the transaction is undone.
    if (this.#scope && !(await this.#visibleAfterWrite(session, saved, rows, live ? 'u' : 'c'))) {
      throw forbidden(
        `You may not ${live ? 'update' : 'create'} this ${saved.resourceType}: it would be outside the records you can write`,
      );
    }
    return saved;
  }

  /** Whether the caller reaches the version just written (version-visibility.ts; the store only when needed). */
  async #visibleAfterWrite(
    session: ReadSession,
    saved: Resource,
    rows: IndexRow[],
    interaction: AccessInteraction,
  ): Promise<boolean> {
    const inMemory = writtenVisible((this.#scope as AccessScope).rule(interaction), saved, rows);
    if (inMemory !== undefined) return inMemory;
    return !!(await this.#currentFor(session, saved.resourceType, saved.id as string, interaction));
  }

  /** A delete passes the same write checks as an update (every patient it concerns, grant rules). */
  async #delete(session: WriteSession, current: StoredVersion): Promise<void> {
    if (this.#scope && current.resource)
      await this.#scope.prepareDelete(current.resource, (r) => matchesOf(session, r, 1000));
    await this.#writeTombstone(session, current);
  }

  async #writeTombstone(session: WriteSession, current: StoredVersion): Promise<void> {
    const version: StoredVersion = {
      resourceType: current.resourceType,
      id: current.id,
      versionId: String(Number(current.versionId) + 1),
      lastUpdated: (this.#deps.now?.() ?? new Date()).toISOString(),
      deleted: true,
    };
    await writeChecked(session, version, current.resource ? (this.#deps.tombstoneIndex?.(current.resource) ?? []) : []);
  }
}

/** Up to `count` matches (by default two: enough to tell none, one and many apart). */
async function matchesOf(session: ReadSession, search: SearchRequest, count = 2): Promise<StoredVersion[]> {
  const { page: _ignored, ...criteria } = search;
  return (await session.search({ ...criteria, sort: [], count, total: 'none' })).versions;
}
