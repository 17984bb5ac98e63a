import { parseFhirPath } from '@medplum/core';
import type { FhirPathAtom, TypedValue } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { onSearchParametersChanged, searchParameterByUrl, searchParametersFor } from '../definitions.ts';
import { evaluate, termsFor } from './expressions.ts';
import type { IndexKind, IndexRow } from './index-rows.ts';
import { CONVERTERS } from './index-values.ts';

/**
 * Composite parameters (`Observation?code-value-quantity=http://loinc.org|8480-6$gt100`) need both
 * components to match *the same element*. Every R4 composite we support has two components and a
 * first component that is a token or a reference, i.e. an exact key. So the first component's value
 * is folded into the parameter name of the second component's row:
 *
 *   quantity row, param `code-value-quantity$http://loinc.org|8480-6`, low = high = 120
 *
 * and the search becomes an ordinary quantity search on that name, answered by the same index as
 * every other parameter on both engines. Token keys are written three ways so that `code`,
 * `system|code` and `|code` all find them: `$system|code`, `$*|code` (any system) and, for codes
 * without a system, `$|code`. Three-component parameters (MolecularSequence) are not supported.
 *
 * One marker row (token, param = the composite's name, no code) records that the resource has a
 * value at all, for `:missing`.
 */
export interface CompiledComposite {
  code: string;
  expression: FhirPathAtom;
  first: { kind: 'token' | 'reference'; expression: FhirPathAtom };
  second: { kind: IndexKind; expression: FhirPathAtom };
}

const compiled = new Map<string, CompiledComposite[]>();
onSearchParametersChanged(() => compiled.clear());

/** The supported composite parameters of a type, with their expressions parsed once. */
export function compositesFor(resourceType: string): CompiledComposite[] {
  let list = compiled.get(resourceType);
  if (!list) {
    list = [];
    for (const [code, sp] of searchParametersFor(resourceType)) {
      const composite = sp.type === 'composite' ? compileComposite(resourceType, code, sp) : undefined;
      if (composite) list.push(composite);
    }
    compiled.set(resourceType, list);
  }
  return list;
}

/** The kinds of a supported composite's components, or undefined when it is not supported. */
export function compositeShape(sp: SearchParameter): { first: 'token' | 'reference'; second: IndexKind } | undefined {
  if (sp.type !== 'composite' || sp.component?.length !== 2) return undefined;
  const [a, b] = sp.component.map((c) => searchParameterByUrl(c.definition as string)?.type);
  if ((a !== 'token' && a !== 'reference') || !b || !(b in CONVERTERS)) return undefined;
  return { first: a, second: b as IndexKind };
}

function compileComposite(resourceType: string, code: string, sp: SearchParameter): CompiledComposite | undefined {
  const shape = compositeShape(sp);
  const expression = termsFor(resourceType, sp.expression as string);
  const [a, b] = sp.component ?? [];
  if (!shape || !expression || !a?.expression || !b?.expression) return undefined;
  return {
    code,
    expression: parseFhirPath(expression),
    first: { kind: shape.first, expression: parseFhirPath(a.expression) },
    second: { kind: shape.second, expression: parseFhirPath(b.expression) },
  };
}

export function compositeRows(
  composite: CompiledComposite,
  typed: TypedValue[],
  rows: IndexRow[],
  baseUrl: string,
): void {
  let any = false;
  for (const element of evaluate(composite.expression, typed)) {
    const keys = firstKeys(composite, element, baseUrl);
    if (!keys.length) continue;
    const values: IndexRow[] = [];
    for (const value of evaluate(composite.second.expression, [element]))
      CONVERTERS[composite.second.kind]('', value, values, baseUrl);
    for (const key of keys) {
      for (const row of values) rows.push({ ...row, param: `${composite.code}$${key}` });
    }
    any ||= values.length > 0;
  }
  if (any) rows.push({ kind: 'token', param: composite.code, system: null, code: null, text: null });
}

/** The keys the first component's values are written under (see the comment at the top). */
function firstKeys(composite: CompiledComposite, element: TypedValue, baseUrl: string): string[] {
  const firstRows: IndexRow[] = [];
  for (const value of evaluate(composite.first.expression, [element]))
    CONVERTERS[composite.first.kind]('', value, firstRows, baseUrl);
  const keys: string[] = [];
  for (const row of firstRows) {
    if (row.kind === 'reference') keys.push(row.target);
    if (row.kind === 'token' && row.code !== null) keys.push(...tokenKeys(row.system, row.code));
  }
  return keys;
}

export function tokenKeys(system: string | null, code: string): string[] {
  return system === null ? [`|${code}`, `*|${code}`] : [`${system}|${code}`, `*|${code}`];
}
