import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFhirPath } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { isKnownResourceType, searchParametersFor } from './definitions.ts';

/**
 * Our own SearchParameters, one JSON file each in fhir-profiles/search-parameters/. They are
 * checked at start-up, and a bad one stops the server with the file's name: a parameter that
 * silently indexed nothing would make searches quietly wrong.
 */
const INDEXABLE_TYPES = new Set(['string', 'token', 'reference', 'date', 'number', 'quantity', 'uri']);

export function loadCustomSearchParameters(dir: string): SearchParameter[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    return [];
  }
  return files.map((file) => checkSearchParameter(JSON.parse(readFileSync(join(dir, file), 'utf8')), file));
}

export function checkSearchParameter(json: unknown, source: string): SearchParameter {
  const sp = json as SearchParameter;
  const fail = (why: string): never => {
    throw new Error(`Custom SearchParameter ${source}: ${why}`);
  };
  if (sp?.resourceType !== 'SearchParameter') fail('resourceType must be SearchParameter');
  if (typeof sp.url !== 'string' || !/^https?:\/\/\S+$/.test(sp.url)) fail('needs an absolute url');
  if (sp.url.startsWith('http://hl7.org/')) fail('may not reuse an HL7 url');
  if (typeof sp.code !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(sp.code))
    fail('code must be lower-case letters, digits and hyphens');
  if (!INDEXABLE_TYPES.has(sp.type as string)) fail(`type must be one of ${[...INDEXABLE_TYPES].join(', ')}`);
  if (!Array.isArray(sp.base) || sp.base.length === 0 || !sp.base.every((b) => isKnownResourceType(b)))
    fail('base must list R4 resource types');
  if (typeof sp.expression !== 'string') fail('needs a FHIRPath expression');
  try {
    parseFhirPath(sp.expression as string);
  } catch (err) {
    fail(`expression does not parse: ${(err as Error).message}`);
  }
  for (const base of sp.base) {
    const existing = searchParametersFor(base).get(sp.code as string);
    if (existing && existing.url !== sp.url) fail(`code '${sp.code}' is already defined on ${base} by ${existing.url}`);
  }
  return sp;
}
