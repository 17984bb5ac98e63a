import type { Request, Response } from 'express';
import type { Resource } from '@medplum/fhirtypes';
import { allOk } from '../outcomes.ts';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export interface Prefer {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
}

/** Parses `Prefer: return=minimal, handling=strict` (RFC 7240), ignoring what it does not know. */
export function parsePrefer(req: Request): Prefer {
  const prefer: Prefer = {};
  for (const part of (req.get('prefer') ?? '').split(/[,;]/)) {
    const [name, value] = part
      .trim()
      .split('=')
      .map((s) => s.trim().replace(/^"|"$/g, ''));
    if (name === 'return' && (value === 'minimal' || value === 'representation' || value === 'OperationOutcome'))
      prefer.return = value;
    if (name === 'handling' && (value === 'strict' || value === 'lenient')) prefer.handling = value;
  }
  return prefer;
}

export function etagOf(resource: Resource): string {
  return `W/"${resource.meta?.versionId ?? ''}"`;
}

export function setVersionHeaders(res: Response, resource: Resource): void {
  res.set('ETag', etagOf(resource));
  if (resource.meta?.lastUpdated) res.set('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
}

export function sendJson(res: Response, status: number, body: unknown): void {
  res.status(status).type(FHIR_JSON).send(JSON.stringify(body));
}

/** Sends the result of a write the way the client's Prefer header asks. */
export function sendWritten(req: Request, res: Response, status: number, resource: Resource, location?: string): void {
  setVersionHeaders(res, resource);
  if (location) res.set('Location', location);
  const prefer = parsePrefer(req).return ?? 'representation';
  if (prefer === 'minimal') res.status(status).end();
  else if (prefer === 'OperationOutcome') sendJson(res, status, allOk(`${resource.resourceType}/${resource.id} saved`));
  else sendJson(res, status, resource);
}

/** True when the client's cached copy (If-None-Match / If-Modified-Since) is still current. */
export function notModified(req: Request, resource: Resource): boolean {
  const ifNoneMatch = req.get('if-none-match');
  if (ifNoneMatch) return ifNoneMatch.split(',').some((tag) => tag.trim() === etagOf(resource) || tag.trim() === '*');
  const since = req.get('if-modified-since');
  const updated = resource.meta?.lastUpdated;
  if (since && updated) {
    const sinceMs = Date.parse(since);
    // HTTP dates have whole seconds; the resource is unmodified if it changed within that second or before.
    return !Number.isNaN(sinceMs) && Math.floor(Date.parse(updated) / 1000) * 1000 <= sinceMs;
  }
  return false;
}
