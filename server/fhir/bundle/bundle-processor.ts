import { randomUUID } from 'node:crypto';
import type { Binary, Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Repository, WriteResult } from '../../storage/repository.ts';
import { badRequest, FhirError, invalidResource, issuesOutcome, preconditionFailed } from '../outcomes.ts';
import { parseSearch } from '../search/parse-search.ts';
import type { Query } from '../search/parse-search.ts';
import type { SearchRequest } from '../search/search-request.ts';
import type { OperationContext } from '../operation-context.ts';
import { parseJsonBody } from '../input/json-guard.ts';
import { queryFromHeader, queryFromText } from '../input/query-text.ts';
import { jsonPatchOperations } from '../input/resource-input.ts';
import { parseEntryUrl } from './entry-url.ts';
import type { EntryTarget } from './entry-url.ts';
import { rewriteReferences } from './rewrite-references.ts';
import { searchBundle } from './search-bundle.ts';
import { structureIssues } from '../validation/structure.ts';

/**
 * `POST [base]` with a batch or transaction Bundle (R4 semantics).
 * - transaction: all entries in one storage transaction, processed DELETE → POST → PUT/PATCH → GET;
 *   `urn:uuid:` fullUrls and conditional references are resolved first and rewritten everywhere;
 *   any failing entry fails the whole Bundle and nothing is stored.
 * - batch: each entry on its own; a failing entry gets its OperationOutcome in its response.
 */
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const ORDER: Record<Method, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3 };

interface PlannedEntry {
  index: number;
  method: Method;
  target: EntryTarget;
  fullUrl?: string;
  resource?: Resource;
  ifMatch?: string;
  ifNoneExist?: string;
  /** For creates: the id chosen up front (so references to it can be rewritten), or the match found. */
  assignedId?: string;
  existing?: boolean;
}

export async function processBundle(ctx: OperationContext, bundle: Bundle): Promise<Bundle> {
  // The Bundle's own shape first (types of type, entry, request.method/url/ifMatch, fullUrl...);
  // each entry's resource is checked with its entry (planEntry), so a bad one fails only its entry of a batch.
  const shape = structureIssues(withoutEntryResources(bundle), { expectedType: 'Bundle' });
  if (shape.length) throw invalidResource(shape);
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw badRequest(`Bundle.type must be batch or transaction, got '${String(bundle.type)}'`, 'Bundle.type');
  }
  const entries = bundle.entry ?? [];
  const max = ctx.config.limits.bundleMaxEntries;
  if (entries.length > max)
    throw new FhirError(
      413,
      issuesOutcome([
        {
          severity: 'error',
          code: 'too-costly',
          details: { text: `A Bundle may have at most ${max} entries` },
          expression: ['Bundle.entry'],
        },
      ]),
    );
  if (bundle.type === 'batch') return runBatch(ctx, entries);
  const planned = entries.map((entry, index) => planEntry(ctx, entry, index));
  return ctx.repo.transaction((tx) => runTransaction(ctx, tx, planned));
}

function planEntry(ctx: OperationContext, entry: BundleEntry, index: number): PlannedEntry {
  const at = `Bundle.entry[${index}]`;
  const method = entry.request?.method as Method | undefined;
  if (!method || !Object.hasOwn(ORDER, method))
    throw badRequest(`request.method must be GET, POST, PUT, PATCH or DELETE`, `${at}.request.method`);
  if (!entry.request?.url) throw badRequest('request.url is required', `${at}.request.url`);
  const target = parseEntryUrl(entry.request.url, ctx.config.fhirBaseUrl, at);
  if (entry.resource !== undefined) {
    const issues = structureIssues(entry.resource, { path: `${at}.resource` });
    if (issues.length) throw invalidResource(issues);
  }
  const planned: PlannedEntry = {
    index,
    method,
    target,
    fullUrl: entry.fullUrl,
    ifMatch: entry.request.ifMatch,
    ifNoneExist: entry.request.ifNoneExist,
  };
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    if (!entry.resource) throw badRequest(`A ${method} entry needs a resource`, `${at}.resource`);
    if (method !== 'PATCH' && entry.resource.resourceType !== target.type) {
      throw badRequest(
        `resourceType '${entry.resource.resourceType}' does not match request.url`,
        `${at}.resource.resourceType`,
      );
    }
    planned.resource = entry.resource;
  }
  if (method === 'POST' && (target.id || target.hasQuery))
    throw badRequest('POST entries take a type URL', `${at}.request.url`);
  if ((method === 'PUT' || method === 'PATCH' || method === 'DELETE') && !target.id && !target.hasQuery)
    throw badRequest(`${method} entries need an id or search criteria`, `${at}.request.url`);
  if (target.versionId && method !== 'GET')
    throw badRequest(`Only GET entries may name a version (_history)`, `${at}.request.url`);
  return planned;
}

async function runTransaction(ctx: OperationContext, tx: Repository, planned: PlannedEntry[]): Promise<Bundle> {
  const ids = new Map<string, string>();
  await assignIds(ctx, tx, planned, ids);
  const resolveReference = conditionalResolver(ctx, tx, ids);
  for (const entry of planned) {
    if (entry.resource) entry.resource = await rewriteAll(entry.resource, resolveReference, entry.index);
  }
  const responses = new Array<BundleEntry>(planned.length);
  const ordered = [...planned].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
  for (const entry of ordered) {
    try {
      responses[entry.index] = await runEntry(ctx, tx, entry);
    } catch (err) {
      throw atEntry(err, entry.index);
    }
  }
  return { resourceType: 'Bundle', type: 'transaction-response', entry: responses };
}

/** Chooses every created resource's id before anything is written, so references can point at it. */
async function assignIds(
  ctx: OperationContext,
  tx: Repository,
  planned: PlannedEntry[],
  ids: Map<string, string>,
): Promise<void> {
  for (const entry of planned) {
    const { type } = entry.target;
    try {
      if (entry.method === 'POST') {
        const match = entry.ifNoneExist
          ? await singleMatch(ctx, tx, type, queryFromHeader(entry.ifNoneExist), 'ifNoneExist')
          : undefined;
        entry.existing = match !== undefined;
        entry.assignedId = match ?? randomUUID();
      } else if (entry.method === 'PUT' && entry.target.hasQuery) {
        entry.assignedId =
          (await singleMatch(ctx, tx, type, entry.target.query, 'request.url')) ?? entry.resource?.id ?? randomUUID();
      } else if (entry.method === 'PUT') {
        entry.assignedId = entry.target.id;
      }
    } catch (err) {
      throw atEntry(err, entry.index);
    }
    if (entry.fullUrl && entry.assignedId) {
      if (ids.has(entry.fullUrl))
        throw badRequest(`Duplicate fullUrl '${entry.fullUrl}'`, `Bundle.entry[${entry.index}].fullUrl`);
      ids.set(entry.fullUrl, `${type}/${entry.assignedId}`);
    }
  }
}

/** At most one match; more is 412. Returns the id of the match, or undefined for none. */
async function singleMatch(
  ctx: OperationContext,
  tx: Repository,
  type: string,
  query: Query,
  what: string,
): Promise<string | undefined> {
  const page = await tx.search({ ...strictSearch(ctx, type, query, what), count: 2 });
  if (page.versions.length > 1) throw preconditionFailed(`${what} matched more than one ${type}`);
  return page.versions[0]?.id;
}

function strictSearch(ctx: OperationContext, type: string, query: Query, what: string): SearchRequest {
  const { request } = parseSearch(type, query, {
    defaultCount: 2,
    maxCount: 2,
    maxOrValues: ctx.config.limits.searchMaxOrValues,
    baseUrl: ctx.config.fhirBaseUrl,
    strict: true,
  });
  if (request.filters.length === 0) throw badRequest(`${what} needs at least one search criterion`);
  return request;
}

type Resolver = (reference: string) => Promise<string | undefined>;

/** fullUrls map to assigned ids; `Type?criteria` references resolve to their single match. */
function conditionalResolver(ctx: OperationContext, tx: Repository, ids: Map<string, string>): Resolver {
  const cache = new Map<string, string>();
  return async (reference) => {
    const mapped = ids.get(reference);
    if (mapped) return mapped;
    if (reference.startsWith('urn:uuid:') || reference.startsWith('urn:oid:')) {
      throw badRequest(`Reference '${reference}' names no entry of this Bundle`);
    }
    const conditional = /^([A-Z][A-Za-z]+)\?(.+)$/.exec(reference);
    if (!conditional) return undefined;
    let resolved = cache.get(reference);
    if (!resolved) {
      const [, type, search] = conditional as unknown as [string, string, string];
      const id = await singleMatch(ctx, tx, type, queryFromText(search), `Conditional reference '${reference}'`);
      if (!id) throw preconditionFailed(`Conditional reference '${reference}' matched nothing`);
      resolved = `${type}/${id}`;
      cache.set(reference, resolved);
    }
    return resolved;
  };
}

async function rewriteAll(resource: Resource, resolve: Resolver, index: number): Promise<Resource> {
  // Resolve asynchronously first (searches), then rewrite synchronously from the results.
  const found = new Map<string, string>();
  const pending: string[] = [];
  rewriteReferences(resource, (ref) => {
    pending.push(ref);
    return undefined;
  });
  for (const ref of pending) {
    try {
      const to = await resolve(ref);
      if (to) found.set(ref, to);
    } catch (err) {
      throw atEntry(err, index);
    }
  }
  return rewriteReferences(resource, (ref) => found.get(ref));
}

async function runEntry(ctx: OperationContext, tx: Repository, entry: PlannedEntry): Promise<BundleEntry> {
  const { type, id } = entry.target;
  switch (entry.method) {
    case 'POST':
      if (entry.existing) return written({ resource: await tx.read(type, entry.assignedId as string), created: false });
      return written(await tx.update({ ...(entry.resource as Resource), id: entry.assignedId }));
    case 'PUT':
      return written(
        await tx.update({ ...(entry.resource as Resource), id: entry.assignedId }, { ifMatch: entry.ifMatch }),
      );
    case 'PATCH':
      return written(
        await tx.patch(type, await patchTargetId(ctx, tx, entry), jsonPatchOf(ctx, entry.resource as Resource), {
          ifMatch: entry.ifMatch,
        }),
      );
    case 'DELETE':
      if (entry.target.hasQuery) await tx.conditionalDelete(strictSearch(ctx, type, entry.target.query, 'request.url'));
      else await tx.delete(type, id as string, { ifMatch: entry.ifMatch });
      return { response: { status: '204 No Content' } };
    case 'GET':
      return readEntry(ctx, tx, entry);
  }
}

async function patchTargetId(ctx: OperationContext, tx: Repository, entry: PlannedEntry): Promise<string> {
  if (entry.target.id) return entry.target.id;
  const id = await singleMatch(ctx, tx, entry.target.type, entry.target.query, 'request.url');
  if (!id)
    throw new FhirError(
      404,
      issuesOutcome([{ severity: 'error', code: 'not-found', details: { text: 'PATCH criteria matched nothing' } }]),
    );
  return id;
}

/** In a Bundle a JSON Patch travels as a Binary of contentType application/json-patch+json. */
function jsonPatchOf(ctx: OperationContext, resource: Resource): unknown {
  const binary = resource as Binary;
  if (binary.resourceType !== 'Binary' || binary.contentType !== 'application/json-patch+json' || !binary.data) {
    throw badRequest('A PATCH entry carries a Binary with contentType application/json-patch+json');
  }
  // The same checks as a PATCH body over HTTP: depth, keys, then the operations' types.
  return jsonPatchOperations(
    parseJsonBody(Buffer.from(binary.data, 'base64').toString('utf8'), ctx.config.limits.jsonDepth),
  );
}

async function readEntry(ctx: OperationContext, repo: Repository, entry: PlannedEntry): Promise<BundleEntry> {
  const { type, id, versionId, query, hasQuery } = entry.target;
  if (id) {
    const resource = versionId ? await repo.vread(type, id, versionId) : await repo.read(type, id);
    return {
      resource,
      response: { status: '200 OK', etag: `W/"${resource.meta?.versionId}"`, lastModified: resource.meta?.lastUpdated },
    };
  }
  const parsed = parseSearch(type, hasQuery ? query : {}, {
    defaultCount: ctx.config.limits.searchDefaultCount,
    maxCount: ctx.config.limits.searchMaxCount,
    maxOrValues: ctx.config.limits.searchMaxOrValues,
    baseUrl: ctx.config.fhirBaseUrl,
    strict: false,
  });
  return {
    resource: await searchBundle(repo, ctx.config.fhirBaseUrl, `/${type}`, query, parsed),
    response: { status: '200 OK' },
  };
}

function written(result: WriteResult<Resource>): BundleEntry {
  const r = result.resource;
  return {
    fullUrl: undefined,
    resource: r,
    response: {
      status: result.created ? '201 Created' : '200 OK',
      location: `${r.resourceType}/${r.id}/_history/${r.meta?.versionId}`,
      etag: `W/"${r.meta?.versionId}"`,
      lastModified: r.meta?.lastUpdated,
    },
  };
}

async function runBatch(ctx: OperationContext, entries: BundleEntry[]): Promise<Bundle> {
  const responses: BundleEntry[] = [];
  for (const [index, entry] of entries.entries()) {
    try {
      const planned = planEntry(ctx, entry, index);
      // Batch entries are independent: each runs in its own transaction.
      responses.push(
        await ctx.repo.transaction(async (tx) => {
          await assignIds(ctx, tx, [planned], new Map());
          return runEntry(ctx, tx, planned);
        }),
      );
    } catch (err) {
      const e = atEntry(err, index);
      if (!(e instanceof FhirError)) throw e;
      responses.push({ response: { status: `${e.status} ${STATUS_TEXT[e.status] ?? ''}`.trim(), outcome: e.outcome } });
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: responses };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  422: 'Unprocessable Entity',
};

/** Prefixes an entry's problems with its place in the Bundle (`Patient.birthDate` → `Bundle.entry[3].resource.birthDate`). */
function atEntry(err: unknown, index: number): unknown {
  if (!(err instanceof FhirError) || err.outcome.issue?.some((i) => i.diagnostics?.startsWith('Bundle.entry[')))
    return err;
  const outcome: OperationOutcome = {
    ...err.outcome,
    issue: (err.outcome.issue ?? []).map((issue) => ({
      ...issue,
      diagnostics: `Bundle.entry[${index}]`,
      expression: issue.expression?.map((e) =>
        e.startsWith('Bundle.') ? e : `Bundle.entry[${index}].resource${e.replace(/^[A-Z][A-Za-z]+/, '')}`,
      ),
    })),
  };
  return new FhirError(err.status, outcome);
}

/** The Bundle with its entries' resources left out (they are checked entry by entry). */
function withoutEntryResources(bundle: Bundle): unknown {
  const entries: unknown = bundle.entry;
  if (!Array.isArray(entries)) return bundle;
  return {
    ...bundle,
    entry: entries.map((e: unknown) => {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) return e;
      const { resource: _checkedWithItsEntry, ...rest } = e as Record<string, unknown>;
      return rest;
    }),
  };
}
