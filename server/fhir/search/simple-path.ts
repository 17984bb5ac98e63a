import { getTypedPropertyValue } from '@medplum/core';
import type { TypedValue } from '@medplum/core';

/**
 * A faster evaluator for the common shape of standard search expressions: a plain path such as
 * `Patient.name`, `Observation.subject` or `Patient.meta.tag` (or a union of such paths). Walking
 * the properties directly gives the same typed values as the FHIRPath engine (each step is the
 * engine's own `getTypedPropertyValue`, so choice types and primitive types come out the same) without
 * parsing and interpreting an expression tree per resource: indexing a write evaluates ~20–40 such
 * expressions, and access control evaluates the compartment ones again for every request it audits.
 *
 * `compileSimplePath` answers undefined for anything else (functions, `where`, `as`, indexers,
 * literals), which keeps the FHIRPath engine; the equivalence is tested over the Synthea data
 * (simple-path.test.ts).
 */
export type PathEvaluator = (typed: TypedValue[]) => TypedValue[];

const SIMPLE_TERM = /^\s*([A-Z][A-Za-z]*)((?:\.[a-z][A-Za-z0-9]*)+)\s*$/;

export function compileSimplePath(resourceType: string, expression: string): PathEvaluator | undefined {
  const terms = expression.split('|');
  const paths: string[][] = [];
  for (const term of terms) {
    const match = SIMPLE_TERM.exec(term);
    if (!match) return undefined;
    const [, head, rest] = match;
    // FHIRPath reads a leading type name as a filter on the context's type; other heads (another
    // type, `Resource`) stay with the engine, which decides what they match.
    if (head !== resourceType) return undefined;
    paths.push(rest.slice(1).split('.'));
  }
  return (typed) => {
    const out: TypedValue[] = [];
    for (const steps of paths) walk(typed, steps, 0, out);
    return terms.length > 1 ? distinct(out) : out;
  };
}

function walk(values: TypedValue[], steps: string[], index: number, out: TypedValue[]): void {
  if (index === steps.length) {
    for (const v of values) if (v.value !== undefined && v.value !== null) out.push(v);
    return;
  }
  const next: TypedValue[] = [];
  for (const value of values) {
    const result = getTypedPropertyValue(value, steps[index]);
    if (Array.isArray(result)) {
      for (const r of result) if (r.value !== undefined && r.value !== null) next.push(r);
    } else if (result && result.value !== undefined && result.value !== null) next.push(result);
  }
  if (next.length) walk(next, steps, index + 1, out);
}

/** FHIRPath's `|` removes duplicate values (the engine compares them deeply; JSON is enough here). */
function distinct(values: TypedValue[]): TypedValue[] {
  const seen = new Set<string>();
  return values.filter((v) => {
    const key = `${v.type}:${JSON.stringify(v.value)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
