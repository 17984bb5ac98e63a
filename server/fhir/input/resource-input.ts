import type { Resource } from '@medplum/fhirtypes';
import { badRequest, invalidResource, unprocessable } from '../outcomes.ts';
import { structureIssues } from '../validation/structure.ts';

/** Checks on a resource or JSON Patch a client sent, whatever carried it (an HTTP body, a Bundle entry). */

/** The body's resourceType is the type in the URL (400 naming `resourceType` otherwise). */
export function ofType(resource: Resource, type: string, expression = 'resourceType'): Resource {
  if (resource.resourceType !== type) {
    throw badRequest(`resourceType ${shown(resource.resourceType)} does not match '${type}' in the URL`, expression);
  }
  return resource;
}

/**
 * A resource of the given type whose JSON shape is right (validation/structure.ts), so that the
 * handlers and the repository may read its id and meta before the full validation runs. Shape
 * problems are a 400 naming every path.
 */
export function shapedResource(resource: Resource, type: string): Resource {
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
    if (typeof operation !== 'object' || operation === null || Array.isArray(operation))
      throw badRequest(`JSON Patch operation ${i} must be an object`);
    const { op, path, from } = operation as Record<string, unknown>;
    if (typeof op !== 'string' || !PATCH_OPS.has(op))
      throw badRequest(`JSON Patch operation ${i}: op must be one of ${[...PATCH_OPS].join(', ')}`);
    if (typeof path !== 'string') throw badRequest(`JSON Patch operation ${i}: path must be a string`);
    if ((op === 'move' || op === 'copy') && typeof from !== 'string')
      throw badRequest(`JSON Patch operation ${i}: from must be a string`);
    if ((path === '' && op !== 'test') || (op === 'move' && from === '')) {
      throw unprocessable(`JSON Patch operation ${i} may not ${op} the whole resource (use PUT or DELETE)`);
    }
  });
  return patch;
}
