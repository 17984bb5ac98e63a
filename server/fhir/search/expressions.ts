import { evalFhirPathTyped } from '@medplum/core';
import type { FhirPathAtom, TypedValue } from '@medplum/core';

/** Helpers for evaluating the standard SearchParameter FHIRPath expressions. */

/** Keeps the top-level union terms of `expression` that start with this type (or Resource). */
export function termsFor(resourceType: string, expression: string): string | undefined {
  const terms = splitTopLevelUnion(expression);
  const applies = (term: string): boolean => {
    const head = term.trim().replace(/^\(+/, '');
    return (
      head.startsWith(`${resourceType}.`) ||
      head.startsWith('Resource.') ||
      head === resourceType ||
      !/^[A-Z]/.test(head)
    );
  };
  const kept = terms.filter(applies);
  return kept.length ? kept.join(' | ') : undefined;
}

function splitTopLevelUnion(expression: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quote = !quote;
    else if (!quote && c === '(') depth++;
    else if (!quote && c === ')') depth--;
    else if (!quote && depth === 0 && c === '|') {
      terms.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(expression.slice(start));
  return terms;
}

export function evaluate(expression: FhirPathAtom, typed: TypedValue[]): TypedValue[] {
  try {
    return evalFhirPathTyped(expression, typed).filter((v) => v.value !== undefined && v.value !== null);
  } catch {
    // A few standard expressions use functions FHIRPath engines implement differently
    // (e.g. resolve()); such a parameter simply contributes no rows for this resource.
    return [];
  }
}
