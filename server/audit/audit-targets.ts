import type { Resource } from '@medplum/fhirtypes';
import { indexWithAccess, ownerOf } from '../access/access-index.ts';
import { compartmentsOf } from '../fhir/search/compartment-index.ts';
import type { Repository } from '../storage/repository.ts';
import type { AuditEventContext } from './audit-event.ts';
import type { AuditRecord } from './audit-record.ts';
import { isRefusal } from './trail-repository.ts';

/*
 * What an AuditEvent says about the resource a request acted on: its owning practice (the event's
 * owner tag) and the patients whose compartments it is in (the event's patient entities), read by
 * the trail inside its batch transaction (audit-event.ts#concernedPractices).
 */

/** Owner and patients of each record's target, read with one search per resource type. */
export async function targetContexts(
  tx: Repository,
  batch: AuditRecord[],
  fhirBaseUrl: string,
): Promise<AuditEventContext[]> {
  const wanted = new Map<string, Set<string>>();
  for (const entry of batch) {
    const target = lookupTarget(entry);
    if (target) wanted.set(target.type, (wanted.get(target.type) ?? new Set()).add(target.id));
  }
  const found = new Map<string, Resource>();
  for (const [type, ids] of wanted) {
    for (const [id, resource] of await currentResources(tx, type, [...ids])) found.set(`${type}/${id}`, resource);
  }
  // One context per resource: a batch often names the same one many times.
  const contexts = new Map<string, AuditEventContext>();
  return batch.map((entry) => {
    const target = lookupTarget(entry);
    const key = target && `${target.type}/${target.id}`;
    const resource = key && found.get(key);
    if (!key || !resource) return {};
    let context = contexts.get(key);
    if (!context) {
      const owner = ownerOf(resource);
      const patients = compartmentsOf(resource, indexWithAccess(resource, fhirBaseUrl));
      context = { ...(owner ? { targetOwner: owner } : {}), ...(patients.length ? { patients } : {}) };
      contexts.set(key, context);
    }
    return context;
  });
}

/** The current resources (the last live version of a deleted one) among `ids`. */
async function currentResources(tx: Repository, type: string, ids: string[]): Promise<Array<[string, Resource]>> {
  try {
    const page = await tx.search({
      resourceType: type,
      filters: [{ kind: 'id', ids }],
      sort: [],
      count: ids.length,
      total: 'none',
      includeDeleted: true,
    });
    const result: Array<[string, Resource]> = [];
    for (const version of page.versions) {
      const resource =
        version.resource ??
        (await tx.history({ resourceType: type, id: version.id, count: 2 })).find((v) => v.resource)?.resource;
      if (resource) result.push([version.id, resource]);
    }
    return result;
  } catch (err) {
    // A type the store refuses to search (it cannot have answered 2xx): no context, not a failure.
    if (isRefusal(err)) return [];
    throw err;
  }
}

/** The one resource a successful instance-level request or create acted on, if any. */
function lookupTarget(entry: AuditRecord): { type: string; id: string } | undefined {
  if (entry.outcome < 200 || entry.outcome > 299 || !entry.entity) return undefined;
  const [type, id, ...rest] = entry.entity.split('/');
  return type && id && rest.length === 0 ? { type, id } : undefined;
}
