import type { Resource } from '@medplum/fhirtypes';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, conflict, FhirError, preconditionFailed, unprocessable } from '../fhir/outcomes.ts';
import type { IndexRow } from '../fhir/search/index-rows.ts';
import type { WriteSession } from './storage-engine.ts';
import { VersionConflictError } from './storage-engine.ts';
import type { StoredVersion } from './stored-version.ts';

/**
 * The steps of writing one version that do not depend on the repository's state: stamping the
 * server's version, the If-Match precondition, applying a JSON Patch, and turning a lost race
 * on the unique version key into a 409. `repository.ts` runs them in order.
 */

/** The resource with the server's versionId and lastUpdated (clients never set them: theirs are replaced). */
export function stamp<T extends Resource>(resource: T, versionId: string, lastUpdated: string): T {
  const { resourceType, id, meta, ...rest } = resource;
  // A meta that is not an object is left as sent, for validation to name (spreading a string would hide it).
  const stamped =
    meta === undefined || (typeof meta === 'object' && meta !== null && !Array.isArray(meta))
      ? { ...meta, versionId, lastUpdated }
      : meta;
  return { resourceType, id, meta: stamped, ...rest } as T;
}

export async function writeChecked(session: WriteSession, version: StoredVersion, rows: IndexRow[]): Promise<void> {
  try {
    await session.writeVersion(version, rows);
  } catch (err) {
    if (err instanceof VersionConflictError)
      throw conflict(`${version.resourceType}/${version.id} was changed by another request; retry`);
    throw err;
  }
}

/** If-Match carries a weak ETag, W/"<versionId>"; a bare version id is accepted too. */
export function checkIfMatch(current: StoredVersion | undefined, ifMatch: string | undefined): void {
  if (ifMatch === undefined) return;
  const wanted = /^(?:W\/)?"?([^"]*)"?$/.exec(ifMatch.trim())?.[1];
  if (!current || current.deleted || current.versionId !== wanted) {
    throw preconditionFailed(
      `If-Match ${ifMatch} does not match the current version${current ? ` (${current.versionId})` : ''}`,
    );
  }
}

export function applyJsonPatch(resource: Resource, patch: unknown): Resource {
  if (!Array.isArray(patch)) throw badRequest('A JSON Patch body must be an array of operations');
  try {
    // validate=true checks every operation's shape; banPrototypeModifications blocks __proto__ paths.
    return fastJsonPatch.applyPatch(structuredClone(resource), patch as Operation[], true, true, true).newDocument;
  } catch (err) {
    if (err instanceof FhirError) throw err;
    const message = err instanceof Error ? err.message.split('\n')[0] : 'invalid patch';
    throw unprocessable(`JSON Patch failed: ${message}`);
  }
}
