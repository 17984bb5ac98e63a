import { parseFhirPath, toTypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { onSearchParametersChanged, searchParametersFor } from '../definitions.ts';
import { compositeRows, compositesFor } from './composite-index.ts';
import { contentRows } from './content-index.ts';
import { evaluate, termsFor } from './expressions.ts';
import type { IndexRow } from './index-rows.ts';
import { CONVERTERS } from './index-values.ts';
import { compileSimplePath } from './simple-path.ts';
import type { PathEvaluator } from './simple-path.ts';
import type { Converter } from './index-values.ts';

/**
 * Computes the search index rows of a resource once, at write time, by evaluating every standard
 * SearchParameter's FHIRPath expression and normalising the values per parameter type.
 * `_id` and `_lastUpdated` are columns of the stored version, not rows.
 */
export function extractIndexRows(resource: Resource, baseUrl: string): IndexRow[] {
  const rows: IndexRow[] = [];
  const typed = [toTypedValue(resource)];
  for (const { code, convert, values } of compiledParametersFor(resource.resourceType)) {
    for (const value of values(typed)) convert(code, value, rows, baseUrl);
  }
  for (const composite of compositesFor(resource.resourceType)) compositeRows(composite, typed, rows, baseUrl);
  const unique = dedupe(rows);
  // The words are distinct per parameter already and no other row has their parameters: they skip
  // the dedupe, which costs a JSON key per row (they were ~37 of a Synthea resource's ~50 rows).
  if (!NO_FULL_TEXT.has(resource.resourceType)) contentRows(resource, unique);
  return unique;
}

/**
 * Only the rows of the parameters named in `codes` (no composites, no full text): for callers that
 * need a few parameters' values before a write (access control's compartment references).
 */
export function extractIndexRowsOf(resource: Resource, baseUrl: string, codes: ReadonlySet<string>): IndexRow[] {
  const rows: IndexRow[] = [];
  const typed = [toTypedValue(resource)];
  for (const { code, convert, values } of compiledParametersFor(resource.resourceType)) {
    if (codes.has(code)) for (const value of values(typed)) convert(code, value, rows, baseUrl);
  }
  return dedupe(rows);
}

/**
 * Types without `_content`/`_text` rows. AuditEvent: the server writes one per FHIR request, and its
 * searches are by agent, entity, date, patient, outcome and the like (access reviews: "who read this
 * patient's record", "what did this client do"), never by free text. Its words (a request id, a
 * client id, `HTTP 200`, the observer's name) were ~37 of its ~50 index rows and about half of the
 * cost of indexing and writing it (docs/benchmarks.md, audit trail). `AuditEvent?_content=…` and
 * `_text=…` therefore match nothing; the parameters work as before for every other type.
 */
export const NO_FULL_TEXT: ReadonlySet<string> = new Set(['AuditEvent']);

interface CompiledParameter {
  code: string;
  convert: Converter;
  /** The expression's values: a direct property walk for plain paths (simple-path.ts), else FHIRPath. */
  values: PathEvaluator;
}

const compiled = new Map<string, CompiledParameter[]>();
onSearchParametersChanged(() => compiled.clear());

/**
 * The indexable parameters of a type with their FHIRPath parsed once. Standard expressions are
 * unions over many types (`AllergyIntolerance.recordedDate | CarePlan.period | ...`); only the
 * terms that apply to this type are kept, which makes indexing several times faster; plain paths
 * skip the FHIRPath engine altogether (simple-path.ts).
 * `_id` and `_lastUpdated` are columns of the stored version; composite parameters are indexed by
 * composite-index.ts, `_text` and `_content` by content-index.ts.
 */
function compiledParametersFor(resourceType: string): CompiledParameter[] {
  let list = compiled.get(resourceType);
  if (!list) {
    list = [];
    for (const [code, sp] of searchParametersFor(resourceType)) {
      const convert = CONVERTERS[sp.type as keyof typeof CONVERTERS];
      if (!convert || code === '_id' || code === '_lastUpdated') continue;
      const expression = termsFor(resourceType, sp.expression as string);
      if (expression) list.push({ code, convert, values: valuesOf(resourceType, expression) });
    }
    compiled.set(resourceType, list);
  }
  return list;
}

function valuesOf(resourceType: string, expression: string): PathEvaluator {
  const simple = compileSimplePath(resourceType, expression);
  if (simple) return simple;
  const atom = parseFhirPath(expression);
  return (typed) => evaluate(atom, typed);
}

function dedupe(rows: IndexRow[]): IndexRow[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const key = JSON.stringify(row);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
