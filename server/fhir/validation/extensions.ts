import { OperationOutcomeError, tryGetDataType, validateTypedValue } from '@medplum/core';
import type { InternalSchemaElement } from '@medplum/core';
import type { ElementDefinition, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { bindingProblem } from './bindings.ts';
import type { Part } from './extension-parts.ts';
import { compileParts, partProblems } from './extension-parts.ts';
import { valueSetCodes } from './value-set-codes.ts';

/**
 * Our extensions, checked wherever they appear in a resource (not only when a profile names them):
 * every `extension` / `modifierExtension` whose url is one of the Extension StructureDefinitions of
 * fhir-profiles/ is checked against that definition. The definitions are found by their type
 * (`Extension`), so a new file in that folder is enforced with no list to keep in sync.
 *
 * What is checked, with the FHIRPath of each problem (`Organization.extension[0].value[x]`):
 * - where it may be used: the definition's `context` (type `element`: the element path, e.g.
 *   `Organization` or `Patient.name`, or a data type, e.g. `HumanName`; `Element` anywhere; type
 *   `extension`: inside the extension of that url); as `modifierExtension` only when it is a modifier;
 * - how often on one element: the `max` of the definition's root element;
 * - its value: `value[x]`'s types, its cardinality (`min: 1`: required; `max: 0`: none), a required
 *   binding (to a value set of R4 or of fhir-profiles/terminology/), `minValue[x]` / `maxValue[x]` of
 *   numbers, `maxLength` of strings. @medplum/core checks none of these for an extension: it is
 *   given the definition as a profile only for the rest (the fixed url, sub-extension cardinality,
 *   fixed and pattern values, the invariants ext-1 and ele-1).
 *
 * - a complex extension's parts (sub-extensions sliced by url): extension-parts.ts.
 *
 * Extensions of other urls (other systems', or ours without a definition) are not checked here.
 * A definition this code cannot enforce fully (a context of type `fhirpath`, a binding whose value
 * set cannot be expanded, no context at all) stops the server at start-up with a clear error rather
 * than being half-enforced, like slicing in snapshot.ts.
 */
export const MAX_EXTENSION_ISSUES = 20;

type CodedKind = 'code' | 'Coding' | 'CodeableConcept';
const CODED = new Set(['code', 'Coding', 'CodeableConcept']);
const NUMBER_TYPES = new Set(['decimal', 'integer', 'integer64', 'positiveInt', 'unsignedInt']);

interface Rule {
  url: string;
  name: string;
  definition: StructureDefinition;
  contexts: Array<{ type: 'element' | 'extension'; expression: string }>;
  /** How often it may appear on one element. */
  max: number;
  isModifier: boolean;
  /** A complex extension's parts (sub-extensions by url: extension-parts.ts); undefined for a simple one. */
  parts?: Part[];
  value: {
    /** The JSON keys allowed for the value (`valueBoolean`), each with its type code. */
    keys: Map<string, string>;
    min: number;
    max: number;
    binding?: { kind: CodedKind; valueSet: string };
    minValue?: number;
    maxValue?: number;
    maxLength?: number;
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const cardinality = (max: string | undefined): number => (max === undefined || max === '*' ? Infinity : Number(max));
const capitalized = (code: string): string => `${code.charAt(0).toUpperCase()}${code.slice(1)}`;

/** The Extension definitions of `profiles` (by url), compiled once, at start-up. */
export class ExtensionRules {
  readonly #rules = new Map<string, Rule>();
  /** Element path (`Patient.name`) → its data type (`HumanName`), resolved when a context needs it. */
  readonly #types = new Map<string, string | undefined>();

  constructor(profiles: Iterable<StructureDefinition>) {
    for (const definition of profiles) {
      if (definition.type === 'Extension' && definition.url) this.#rules.set(definition.url, compile(definition));
    }
  }

  get urls(): string[] {
    return [...this.#rules.keys()];
  }

  /** The problems of our extensions anywhere in `resource` (its shape must already be right: structure.ts). */
  issues(resource: Record<string, unknown>): OperationOutcomeIssue[] {
    const issues: OperationOutcomeIssue[] = [];
    if (this.#rules.size && typeof resource.resourceType === 'string')
      this.#walk(resource, resource.resourceType, resource.resourceType, issues);
    return issues.slice(0, MAX_EXTENSION_ISSUES);
  }

  /** `path`: the FHIRPath of `value`; `element`: the same without indices, from the nearest resource. */
  #walk(value: Record<string, unknown>, path: string, element: string, issues: OperationOutcomeIssue[]): void {
    if (issues.length >= MAX_EXTENSION_ISSUES) return;
    for (const key in value) {
      const child = value[key];
      if (typeof child !== 'object' || child === null) continue;
      // `_birthDate` holds the extensions of `birthDate`: FHIRPath names the element.
      const name = key.startsWith('_') ? key.slice(1) : key;
      if ((key === 'extension' || key === 'modifierExtension') && Array.isArray(child))
        this.#extensions(value, key, child, path, element, issues);
      const items = Array.isArray(child) ? child : [child];
      for (let i = 0; i < items.length; i++) {
        const item: unknown = items[i];
        if (!isObject(item)) continue;
        const at = Array.isArray(child) ? `${path}.${name}[${i}]` : `${path}.${name}`;
        // A contained or entry resource is its own context: `Patient`, not `Bundle.entry.resource`.
        const type = typeof item.resourceType === 'string' ? item.resourceType : undefined;
        this.#walk(item, at, type ?? `${element}.${name}`, issues);
      }
    }
  }

  #extensions(
    parent: Record<string, unknown>,
    key: 'extension' | 'modifierExtension',
    list: unknown[],
    path: string,
    element: string,
    issues: OperationOutcomeIssue[],
  ): void {
    const counts = new Map<Rule, number>();
    list.forEach((extension, i) => {
      if (!isObject(extension) || typeof extension.url !== 'string') return;
      const rule = this.#rules.get(extension.url);
      if (!rule) return;
      counts.set(rule, (counts.get(rule) ?? 0) + 1);
      const at = `${path}.${key}[${i}]`;
      const add = (where: string, text: string, code: OperationOutcomeIssue['code'] = 'structure') =>
        issues.push({ severity: 'error', code, details: { text }, expression: [where] });
      if (!this.#allowedOn(rule, parent, element))
        add(
          at,
          `Extension ${rule.name} (${rule.url}) may not be used on ${element}: its context is ${rule.contexts.map((c) => c.expression).join(', ')}`,
        );
      if (key === 'modifierExtension' && !rule.isModifier)
        add(at, `Extension ${rule.name} is not a modifier: it belongs in extension, not modifierExtension`);
      if (key === 'extension' && rule.isModifier)
        add(at, `Extension ${rule.name} is a modifier: it belongs in modifierExtension`);
      for (const [where, text, code] of valueProblems(rule, extension)) add(`${at}.${where}`, text, code);
      if (rule.parts)
        for (const [where, text, code] of partProblems(rule.parts, extension)) add(`${at}.${where}`, text, code);
      for (const issue of profileIssues(rule, extension))
        issues.push({ ...issue, expression: issue.expression?.map((e) => e.replace(/^Extension/, at)) });
    });
    for (const [rule, count] of counts)
      if (count > rule.max)
        issues.push({
          severity: 'error',
          code: 'structure',
          details: {
            text: `Extension ${rule.name} may appear at most ${rule.max} time(s) on ${element}, found ${count}`,
          },
          expression: [`${path}.${key}`],
        });
  }

  #allowedOn(rule: Rule, parent: Record<string, unknown>, element: string): boolean {
    return rule.contexts.some(({ type, expression }) => {
      if (type === 'extension') return parent.url === expression && /\.(modifierE|e)xtension$/.test(element);
      if (expression === element || expression === 'Element') return true;
      const isResource = !element.includes('.');
      if (isResource && (expression === 'Resource' || expression === 'DomainResource')) return true;
      return this.#typeOf(element) === expression;
    });
  }

  #typeOf(element: string): string | undefined {
    if (!this.#types.has(element)) this.#types.set(element, resolveType(element));
    return this.#types.get(element);
  }
}

/** The data type of an element path (`Patient.name` → `HumanName`), via the R4 definitions. */
function resolveType(element: string): string | undefined {
  const [root, ...steps] = element.split('.');
  let type: string | undefined = root;
  for (const step of steps) {
    const elements: Record<string, InternalSchemaElement> | undefined =
      type === undefined ? undefined : tryGetDataType(type)?.elements;
    if (!elements) return undefined;
    const exact: Array<{ code: string }> | undefined = elements[step]?.type;
    if (exact) {
      type = exact.length === 1 ? exact[0]?.code : undefined;
      continue;
    }
    // A choice element's JSON key (`valueQuantity`) names its type.
    type = undefined;
    for (const [name, definition] of Object.entries(elements)) {
      if (!name.endsWith('[x]') || !step.startsWith(name.slice(0, -3))) continue;
      const code = definition.type?.find((t) => capitalized(t.code) === step.slice(name.length - 3))?.code;
      if (code) type = code;
    }
  }
  return type;
}

function compile(definition: StructureDefinition): Rule {
  const where = `Extension definition ${definition.url}`;
  const elements = definition.snapshot?.element ?? [];
  const byPath = (path: string): ElementDefinition | undefined => elements.find((e) => e.path === path);
  const root = byPath('Extension');
  const value = byPath('Extension.value[x]');
  if (!root || !value) throw new Error(`${where}: no snapshot (Extension, Extension.value[x])`);
  const contexts = (definition.context ?? []).map(({ type, expression }) => {
    if ((type !== 'element' && type !== 'extension') || !expression)
      throw new Error(`${where}: context of type ${type} is not supported (element and extension are)`);
    return { type, expression };
  });
  if (!contexts.length) throw new Error(`${where}: no context (where it may be used)`);
  const keys = new Map((value.type ?? []).map((t) => [`value${capitalized(t.code)}`, t.code]));
  let binding: Rule['value']['binding'];
  if (value.binding?.strength === 'required') {
    const codes = [...keys.values()];
    const valueSet = value.binding.valueSet;
    if (!valueSet || codes.length !== 1 || !CODED.has(codes[0] as string))
      throw new Error(`${where}: a required binding needs one value type of code, Coding or CodeableConcept`);
    const expansion = valueSetCodes(valueSet);
    if (!expansion.ok)
      throw new Error(`${where}: the value set of its binding cannot be checked (${expansion.reason})`);
    binding = { kind: codes[0] as CodedKind, valueSet };
  }
  const number = (prefix: 'minValue' | 'maxValue'): number | undefined => {
    const entry = Object.entries(value).find(([k]) => k.startsWith(prefix));
    if (!entry) return undefined;
    if (typeof entry[1] !== 'number') throw new Error(`${where}: only numeric ${prefix}[x] is supported`);
    return entry[1];
  };
  return {
    url: definition.url as string,
    name: definition.name ?? (definition.url as string),
    definition,
    contexts,
    max: cardinality(root.max),
    isModifier: root.isModifier === true,
    parts: compileParts(definition),
    value: {
      keys,
      min: value.min ?? 0,
      max: cardinality(value.max),
      binding,
      minValue: number('minValue'),
      maxValue: number('maxValue'),
      maxLength: value.maxLength,
    },
  };
}

/** [path below the extension, text, issue code] of each problem with the extension's value. */
function valueProblems(
  rule: Rule,
  extension: Record<string, unknown>,
): Array<[string, string, OperationOutcomeIssue['code']]> {
  const allowed = [...rule.value.keys.keys()].join(' or ');
  const present = Object.keys(extension).filter((k) => k.startsWith('value'));
  if (!present.length) return rule.value.min > 0 ? [['value[x]', `A value is required (${allowed})`, 'required']] : [];
  if (rule.value.max === 0) return [['value[x]', `Extension ${rule.name} has no value[x] (it has parts)`, 'structure']];
  const key = present[0] as string;
  const type = rule.value.keys.get(key);
  if (type === undefined) return [['value[x]', `Expected ${allowed}, got ${key}`, 'structure']];
  const value = extension[key];
  const { binding, minValue, maxValue, maxLength } = rule.value;
  if (binding) {
    const problem = bindingProblem(value, binding.kind, binding.valueSet);
    if (problem) return [['value[x]', problem, 'code-invalid']];
  }
  if (NUMBER_TYPES.has(type) && typeof value === 'number') {
    if (minValue !== undefined && value < minValue)
      return [['value[x]', `${value} is below the minimum ${minValue}`, 'value']];
    if (maxValue !== undefined && value > maxValue)
      return [['value[x]', `${value} is above the maximum ${maxValue}`, 'value']];
  }
  if (maxLength !== undefined && typeof value === 'string' && value.length > maxLength)
    return [['value[x]', `Longer than ${maxLength} characters`, 'value']];
  return [];
}

/** What @medplum/core finds with the definition as a profile (paths start at `Extension`). */
function profileIssues(rule: Rule, extension: Record<string, unknown>): OperationOutcomeIssue[] {
  try {
    return validateTypedValue({ type: 'Extension', value: extension }, { profile: rule.definition });
  } catch (err) {
    if (err instanceof OperationOutcomeError) return err.outcome.issue ?? [];
    throw err;
  }
}
