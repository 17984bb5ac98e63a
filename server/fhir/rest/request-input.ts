import type { Request } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { isKnownResourceType } from '../definitions.ts';
import { badRequest, FhirError, outcome, unsupportedMediaType } from '../outcomes.ts';
import { parseJsonBody, queryKeyProblem } from '../input/json-guard.ts';
import { jsonPatchOperations, shapedResource } from '../input/resource-input.ts';
import type { FhirContext } from './fhir-context.ts';
import { parsePrefer } from './http.ts';
import { parseSearch } from '../search/parse-search.ts';
import type { ParsedSearch, Query } from '../search/parse-search.ts';

/**
 * Turns the parts of a request the handlers need into checked values, or throws a FhirError. The
 * checks that do not depend on HTTP (JSON guard, resource shape, JSON Patch, query text) are in ../input/.
 */

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
    throw unsupportedMediaType(
      `Content-Type must be application/fhir+json, got '${req.get('content-type') ?? 'none'}'`,
    );
  }
  const value = parseJsonBody(bodyText(req), ctx.config.limits.jsonDepth);
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badRequest('The body must be a JSON object');
  return value as Resource;
}

/** The JSON body of a create or update: a resource of the type in the URL whose JSON shape is right (input/resource-input.ts). */
export function resourceBody(
  req: Request,
  ctx: FhirContext,
  type: string,
  resource = jsonResourceBody(req, ctx),
): Resource {
  return shapedResource(resource, type);
}

export function patchBody(req: Request, ctx: FhirContext): unknown[] {
  if (mediaType(req) !== 'application/json-patch+json') {
    throw unsupportedMediaType('PATCH supports JSON Patch only: Content-Type must be application/json-patch+json');
  }
  return jsonPatchOperations(parseJsonBody(bodyText(req), ctx.config.limits.jsonDepth));
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
