import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import { patientCompartmentParams } from '../definitions.ts';
import { badRequest, FhirError, outcome } from '../outcomes.ts';
import { dateRange } from '../search/normalize.ts';
import type { Query } from '../search/parse-search.ts';
import type { SearchFilter } from '../search/search-request.ts';
import { queryString } from '../input/query-text.ts';
import type { OperationContext } from '../operation-context.ts';
import { COMPARTMENT_PARAM } from '../search/compartment-index.ts';

/**
 * `Patient/[id]/$everything`: the patient and every resource in their compartment (R4 Patient
 * CompartmentDefinition), with `_type`, `_since` and `_count`. Results come type by type, each in id
 * order, and pages resume after the last resource shown (`_cursor=Type/id`), never by offset.
 * `onRead` is given the patient as soon as it is read (the REST layer records it as what the request
 * acted on, fhir/rest/acted-on.ts).
 */
export async function everythingOperation(
  ctx: OperationContext,
  type: string,
  id: string,
  query: Query,
  onRead?: (patient: Resource) => void,
): Promise<Bundle> {
  if (type !== 'Patient') throw new FhirError(404, outcome('not-supported', '$everything is defined on Patient only'));
  const patient = await ctx.repo.read('Patient', id); // 404 / 410 like a read
  onRead?.(patient);
  const options = parseOptions(query, ctx);
  const entries: BundleEntry[] = [];
  let remaining = options.count;
  let last: { type: string; id: string } | undefined;
  for (const type of options.types) {
    if (options.after && type < options.after.type) continue;
    if (remaining === 0) break;
    const page = await ctx.repo.search({
      resourceType: type,
      filters: [...filtersFor(type, id), ...options.since],
      sort: [],
      count: remaining,
      ...(options.after?.type === type
        ? { page: { direction: 'after' as const, position: { values: [], id: options.after.id } } }
        : {}),
      total: 'none',
    });
    for (const v of page.versions)
      entries.push({
        fullUrl: `${ctx.config.fhirBaseUrl}/${type}/${v.id}`,
        resource: v.resource,
        search: { mode: 'match' },
      });
    remaining -= page.versions.length;
    last = page.versions.at(-1) ? { type, id: page.versions.at(-1)!.id } : last;
  }
  const path = `/Patient/${id}/$everything`;
  const link: BundleLink[] = [{ relation: 'self', url: `${ctx.config.fhirBaseUrl}${path}${queryString(query)}` }];
  if (remaining === 0 && last)
    link.push({
      relation: 'next',
      url: `${ctx.config.fhirBaseUrl}${path}${queryString(query, { _cursor: `${last.type}/${last.id}` })}`,
    });
  return { resourceType: 'Bundle', type: 'searchset', link, entry: entries };
}

/**
 * The patient itself, and for every other type the resources whose compartment rows (written with
 * each version by search/compartment-index.ts from the CompartmentDefinition, and for a Binary from its
 * securityContext) name the patient: one definition of the compartment for access and $everything.
 */
function filtersFor(type: string, patientId: string): SearchFilter[] {
  if (type === 'Patient') return [{ kind: 'id', ids: [patientId] }];
  return [{ kind: 'reference', param: COMPARTMENT_PARAM, any: [{ target: `Patient/${patientId}` }] }];
}

interface EverythingOptions {
  types: string[];
  count: number;
  since: SearchFilter[];
  after?: { type: string; id: string };
}

const NOT_IN_EVERYTHING: ReadonlySet<string> = new Set(['AuditEvent']);

function parseOptions(query: Query, ctx: OperationContext): EverythingOptions {
  const single = (name: string): string | undefined => {
    const v = query[name];
    if (Array.isArray(v)) throw badRequest(`${name} may be given once`, name);
    return v;
  };
  // The record, not its audit trail: AuditEvents (who looked at the record) are in the compartment
  // too, but they are the practice's log about the record (read with AuditEvent?patient=).
  const compartment = [...new Set(['Patient', 'Binary', ...patientCompartmentParams().keys()])]
    .filter((t) => !NOT_IN_EVERYTHING.has(t))
    .sort();
  let types = compartment;
  const typeParam = single('_type');
  if (typeParam !== undefined) {
    const wanted = typeParam.split(',');
    const unknown = wanted.filter((t) => !compartment.includes(t));
    if (unknown.length)
      throw badRequest(
        `_type names types outside the patient compartment: ${unknown.join(', ').slice(0, 200)}`,
        '_type',
      );
    types = compartment.filter((t) => wanted.includes(t));
  }
  const countText = single('_count');
  if (countText !== undefined && (!/^\d{1,9}$/.test(countText) || Number(countText) === 0))
    throw badRequest('_count must be a positive integer', '_count');
  const count = Math.min(Number(countText ?? 100), ctx.config.limits.searchMaxCount);
  const sinceText = single('_since');
  const since: SearchFilter[] = [];
  if (sinceText !== undefined) {
    const range = dateRange(sinceText);
    if (!range || !sinceText.includes('T'))
      throw badRequest(`_since must be an instant, got '${sinceText.slice(0, 40)}'`, '_since');
    since.push({ kind: 'lastUpdated', any: [{ prefix: 'ge', low: range.low, high: range.high }] });
  }
  const cursor = single('_cursor');
  let after: EverythingOptions['after'];
  if (cursor !== undefined) {
    const m = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(cursor);
    if (!m || !compartment.includes(m[1] as string)) throw badRequest('Invalid paging cursor', '_cursor');
    after = { type: m[1] as string, id: m[2] as string };
  }
  return { types, count, since, after };
}
