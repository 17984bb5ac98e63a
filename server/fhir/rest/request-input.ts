import type { Request } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { isKnownResourceType } from '../definitions.ts';
import { badRequest, FhirError, invalidResource, outcome, unprocessable, unsupportedMediaType } from '../outcomes.ts';
import { structureIssues } from '../validation/structure.ts';
import { parseJsonBody, queryKeyProblem } from './json-guard.ts';
import type { FhirContext } from './fhir-context.ts';
import { parsePrefer } from './http.ts';
import { parseSearch } from '../search/parse-search.ts';
import type { ParsedSearch, Query } from '../search/parse-search.ts';

/** Turns the parts of a request the handlers need into checked values, or throws a FhirError. */

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function resourceTypeParam(req: Request): string {
  const type = String(req.params.type);
  if (!isKnownResourceType(type)) throw new FhirError(404, outcome('not-supported', `Unknown resource type '${type}'`));
  return type;
}

export function idParam(req: Request, name = 'id'): string {
  const id = String(req.params[name]);
  if (!ID_PATTERN.test(id)) throw badRequest(`Invalid ${name} '${id.slice(0, 80)}': must match [A-Za-z0-9\\-.]{1,64}`);
  return id;
}

const JSON_TYPES = ['application/fhir+json', 'application/json'];

function mediaType(req: Request): string {
  return (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

function bodyText(req: Request): string {
  const body = req.body as Buffer | undefined;
  if (!Buffer.isBuffer(body) || body.length === 0) throw badRequest('A request body is required');
  return body.toString('utf8');
}

/** A FHIR JSON body that passed the content-type, depth and key checks, as a resource. */
export function jsonResourceBody(req: Request, ctx: FhirContext): Resource {
  if (!JSON_TYPES.includes(mediaType(req))) {
    throw unsupportedMediaType(`Content-Type must be application/fhir+json, got '${req.get('content-type') ?? 'none'}'`);
  }
  const value = parseJsonBody(bodyText(req), ctx.config.limits.jsonDepth);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badRequest('The body must be a JSON object');
  return value as Resource;
}

/** The body's resourceType is the type in the URL (400 naming `resourceType` otherwise). */
export function ofType(resource: Resource, type: string, expression = 'resourceType'): Resource {
  if (resource.resourceType !== type) {
    throw badRequest(`resourceType ${shown(resource.resourceType)} does not match '${type}' in the URL`, expression);
  }
  return resource;
}

/**
 * The JSON body of a create or update: a resource of the type in the URL whose JSON shape is right
 * (validation/structure.ts), so that the handlers and the repository may read its id and meta
 * before the full validation runs. Shape problems are a 400 naming every path.
 */
export function resourceBody(req: Request, ctx: FhirContext, type: string, resource = jsonResourceBody(req, ctx)): Resource {
  ofType(resource, type);
  const issues = structureIssues(resource);
  if (issues.length) throw invalidResource(issues);
  return resource;
}

/** A value from a request body, quoted for a message whatever its JSON type (never via its own toString). */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

export function patchBody(req: Request, ctx: FhirContext): unknown[] {
  if (mediaType(req) !== 'application/json-patch+json') {
    throw unsupportedMediaType('PATCH supports JSON Patch only: Content-Type must be application/json-patch+json');
  }
  return jsonPatchOperations(parseJsonBody(bodyText(req), ctx.config.limits.jsonDepth));
}

const PATCH_OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/**
 * A JSON Patch document (RFC 6902) whose operations have the right types, and that targets parts of
 * the resource, never the whole of it (`"path": ""`: removing or replacing the resource itself is
 * what DELETE and PUT are for, and would leave no resource to check). The patched resource is then
 * validated like any other write.
 */
export function jsonPatchOperations(patch: unknown): unknown[] {
  if (!Array.isArray(patch)) throw badRequest('A JSON Patch body must be an array of operations');
  patch.forEach((operation: unknown, i) => {
    if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) throw badRequest(`JSON Patch operation ${i} must be an object`);
    const { op, path, from } = operation as Record<string, unknown>;
    if (typeof op !== 'string' || !PATCH_OPS.has(op)) throw badRequest(`JSON Patch operation ${i}: op must be one of ${[...PATCH_OPS].join(', ')}`);
    if (typeof path !== 'string') throw badRequest(`JSON Patch operation ${i}: path must be a string`);
    if ((op === 'move' || op === 'copy') && typeof from !== 'string') throw badRequest(`JSON Patch operation ${i}: from must be a string`);
    if ((path === '' && op !== 'test') || (op === 'move' && from === '')) {
      throw unprocessable(`JSON Patch operation ${i} may not ${op} the whole resource (use PUT or DELETE)`);
    }
  });
  return patch;
}

/** Query parameters of the URL, and for POST _search the form body too (they are merged). */
export function queryOf(req: Request): Query {
  // No prototype: a parameter named `toString` or `hasOwnProperty` is only ever a parameter.
  const query: Query = Object.assign(Object.create(null) as Query, req.query as Query);
  if (req.method === 'POST' && Buffer.isBuffer(req.body) && req.body.length) {
    if (mediaType(req) !== 'application/x-www-form-urlencoded') {
      throw unsupportedMediaType('POST _search takes an application/x-www-form-urlencoded body');
    }
    for (const [key, value] of new URLSearchParams(req.body.toString('utf8'))) {
      const prior = query[key];
      query[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
  }
  for (const key of Object.keys(query)) {
    const problem = queryKeyProblem(key);
    if (problem) throw badRequest(`Invalid query parameter '${key.slice(0, 80)}': ${problem}`, key);
  }
  return query;
}

export function searchOf(req: Request, ctx: FhirContext, type: string, query: Query = queryOf(req)): ParsedSearch {
  return parseSearch(type, query, {
    ...searchLimits(ctx),
    baseUrl: ctx.config.fhirBaseUrl,
    strict: parsePrefer(req).handling === 'strict',
  });
}

/** A conditional operation's criteria (`Patient?identifier=...`): always strict, never empty. */
export function conditionalSearch(ctx: FhirContext, type: string, query: Query, header: string) {
  const { request } = parseSearch(type, query, { ...searchLimits(ctx), baseUrl: ctx.config.fhirBaseUrl, strict: true });
  if (request.filters.length === 0) throw badRequest(`${header} needs at least one search criterion`);
  return request;
}

function searchLimits(ctx: FhirContext) {
  const l = ctx.config.limits;
  return { defaultCount: l.searchDefaultCount, maxCount: l.searchMaxCount, maxOrValues: l.searchMaxOrValues };
}

/** `If-None-Exist: identifier=x|1` (or `Patient?identifier=x|1`) → its query. */
export function queryFromHeader(value: string): Query {
  return queryFromText(value.replace(/^[^?]*\?/, ''));
}

/**
 * A query string (`a=1&a=2&b=3`) → its query, repeated names as arrays; names are checked like a
 * URL's. The object has no prototype, so no name (`__proto__`, `toString`) can mean anything else.
 */
export function queryFromText(text: string): Query {
  const query: Query = Object.create(null) as Query;
  for (const [key, v] of new URLSearchParams(text)) {
    const problem = queryKeyProblem(key);
    if (problem) throw badRequest(`Invalid search parameter '${key.slice(0, 80)}': ${problem}`, key);
    const prior = query[key];
    query[key] = prior === undefined ? v : [...(Array.isArray(prior) ? prior : [prior]), v];
  }
  return query;
}
