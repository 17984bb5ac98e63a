import type { Resource } from '@medplum/fhirtypes';
import { ownerOf } from '../access/access-index.ts';
import { compartmentTargets } from '../fhir/search/compartment-index.ts';
import type { Repository } from '../storage/repository.ts';
import type { AuditEventContext, AuditRecord } from './audit-record.ts';
import { isRefusal } from './trail-store.ts';

/*
 * What an AuditEvent says about the resource a request acted on: its owning practice (the event's
 * owner tag) and the patients whose compartments it is in (the event's patient entities); see
 * audit-event.ts#concernedPractices and README "Who can read an AuditEvent".
 *
 * The request already has that resource: the FHIR handlers leave it on the exchange
 * (fhir/rest/acted-on.ts) and the middleware turns it into the record's context (`contextOf`), the
 * owner from its meta tag and the patients from its compartment parameters alone, never its full
 * FHIRPath index. Only a record that reached a resource its handler did not leave (the console's
 * /api/ routes, `POST …/[id]/$validate` with a body) is looked up by the trail, in its batch
 * transaction (`targetContexts`), as every record was before docs/decisions/0020-audit-cost.md.
 */

/** The one resource (`Type/id`) a successful instance-level request or create acted on, if any. */
export function reachedTarget(
  entry: Pick<AuditRecord, 'outcome' | 'entity'>,
): { type: string; id: string } | undefined {
  if (entry.outcome < 200 || entry.outcome > 299 || !entry.entity) return undefined;
  const [type, id, ...rest] = entry.entity.split('/');
  return type && id && rest.length === 0 ? { type, id } : undefined;
}

/**
 * The context of a record from the resources its request acted on (one, or the versions of one a
 * history showed, newest first): the owner of the newest, the patients of all of them. Undefined
 * when none of them is the record's target (the trail then looks it up).
 */
export function contextOf(
  resources: readonly Resource[],
  target: { type: string; id: string },
  fhirBaseUrl: string,
): AuditEventContext | undefined {
  const own = resources.filter((r) => r.resourceType === target.type && r.id === target.id);
  if (!own.length) return undefined;
  const owner = ownerOf(own[0]);
  const patients = [...new Set(own.flatMap((r) => compartmentTargets(r, fhirBaseUrl)))];
  return { ...(owner ? { targetOwner: owner } : {}), ...(patients.length ? { patients } : {}) };
}

/**
 * The context of each record of a batch: its own, or for a record that reached a resource without
 * one, read here (one search per resource type, in the batch's transaction, unscoped).
 */
export async function targetContexts(
  tx: Repository,
  batch: AuditRecord[],
  fhirBaseUrl: string,
): Promise<AuditEventContext[]> {
  const wanted = new Map<string, Set<string>>();
  for (const entry of batch) {
    const target = entry.context ? undefined : reachedTarget(entry);
    if (target) wanted.set(target.type, (wanted.get(target.type) ?? new Set()).add(target.id));
  }
  const contexts = new Map<string, AuditEventContext>();
  for (const [type, ids] of wanted) {
    for (const [id, resource] of await currentResources(tx, type, [...ids]))
      contexts.set(`${type}/${id}`, contextOf([resource], { type, id }, fhirBaseUrl) ?? {});
  }
  return batch.map((entry) => {
    if (entry.context) return entry.context;
    const target = reachedTarget(entry);
    return (target && contexts.get(`${target.type}/${target.id}`)) ?? {};
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
