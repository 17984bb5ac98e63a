import type { Resource } from '@medplum/fhirtypes';
import type { AccessRule, SearchRequest } from '../fhir/search/search-request.ts';
import type { StoredVersion } from './stored-version.ts';

/**
 * What a repository needs to know about a caller to keep them to their data (server/auth builds
 * it from a Principal: access-policy.ts). The repository applies `rule` inside every query it
 * runs for the caller and calls `prepareWrite` before each write; after a write it checks, with
 * the same rule and inside the same transaction, that the caller could see what they wrote
 * (otherwise the transaction is undone).
 */
export interface AccessScope {
  /**
   * The resources each interaction may reach: `r` read/vread/history and included resources,
   * `s` search matches, `c` created and `u` updated resources (checked after the write), `d` deletes.
   */
  rule(interaction: AccessInteraction): AccessRule;
  /**
   * Completes and checks a resource about to be written by the caller: sets what the caller may
   * not set (the owning practice, security labels), refuses writes the caller's rights do not
   * cover (FhirError 403) and references to records they cannot reach (FhirError 403).
   * `current` is the caller-visible current version (undefined for a create).
   * `defer` is given inside a transaction: a check about references to other records (which later
   * entries of the same transaction may create) can be handed to it; it then runs, in the same
   * transaction, once every entry is written, and a failure there undoes the whole transaction.
   */
  prepareWrite(resource: Resource, current: Resource | undefined, lookup: Lookup, defer?: Defer): Promise<Resource>;
  /**
   * Checks a delete of `current` (which the caller's delete rule already selected) by the rules of a
   * write: the patients it concerns and the rules for resources that grant access (FhirError 403/409).
   */
  prepareDelete(current: Resource, lookup: Lookup): Promise<void>;
  /**
   * For the `$share` / `$unshare` operations: checks that the caller may mark `current` shared (or
   * no longer shared) with `audience` (FhirError 400/403/409/422 otherwise) and returns the scope to
   * write that change with — this one, except that its writes may change exactly that mark — and
   * the record of the change (a Provenance naming the caller) for the version written.
   */
  sharingChange?(current: Resource, audience: string, shared: boolean): SharingChange;
  /**
   * For `Person/[id]/$update-profile` (decision 0028): refuses anyone but the patient whose account
   * is that Person (FhirError 403; another patient: 404, as their read would be) and answers what
   * the operation needs to know of the practices' records. It grants nothing: every write of the
   * operation still passes `prepareWrite`.
   */
  profileUpdate?(personId: string): ProfileUpdate;
}

/** The practices' side of a patient's profile update, as the access layer reads it. */
export interface ProfileUpdate {
  /** The practice that keeps a record (its Organization id), from the owner mark. */
  ownerOf(record: Resource): string | undefined;
  /** The practice's `patient-updates` setting, from its Organization (absent: `disabled`). */
  modeOf(practice: Resource | undefined): 'disabled' | 'notify' | 'automatic' | 'review';
}

export interface SharingChange {
  scope: AccessScope;
  /** Whether a resource already carries the mark in the state asked for. */
  isDone(resource: Resource): boolean;
  /** The Provenance recording the change of `written` (the version just written). */
  record(written: Resource): Resource;
}

export type Defer = (check: () => Promise<void>) => void;

export type AccessInteraction = 'c' | 'r' | 'u' | 'd' | 's';

/** Runs a search inside the current transaction (the scope's own lookups: owners, reference targets). */
export type Lookup = (request: SearchRequest) => Promise<StoredVersion[]>;
