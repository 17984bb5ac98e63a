import { tryGetDataType } from '@medplum/core';
import type { InternalTypeSchema } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { isKnownResourceType } from '../definitions.ts';

/**
 * The JSON shape of a resource against the R4 definitions, checked before any other code reads it:
 * every key is an element of its type (or a primitive's `_element`), arrays exactly where the
 * element repeats, strings / numbers / booleans / objects where its type says, no nulls (except
 * the placeholders R4 JSON allows in a repeating primitive paired with its `_element`), at most one
 * key of a choice element, a known `resourceType` on every resource, contained or in a Bundle, and
 * an R4 id (`[A-Za-z0-9\-.]{1,64}`) as the id of each (the URL and storage key of a stored one).
 *
 * Values themselves (patterns, codes, cardinality minimums, invariants, profiles) are left to the
 * full validator (validator.ts), which may then rely on the shape: `"id": []`, `meta.tag: "x"` or
 * `subject.reference: {}` never reach it, nor the access checks and indexing that run after it.
 * Issues name the FHIRPath of the value (`Observation.subject.reference`), at most MAX_ISSUES of them.
 */
export const MAX_STRUCTURE_ISSUES = 20;

type Kind = 'string' | 'number' | 'boolean' | 'resource' | 'complex';

/** One JSON key of a type: `valueQuantity` of `value[x]`, `_birthDate` of `birthDate`. */
interface Slot {
  kind: Kind;
  /** The data type to descend into (complex kinds). */
  type: string;
  isArray: boolean;
  /** For choice elements: the element's name (`value[x]`), so that two of its keys are refused. */
  choice?: string;
  /** `birthDate` ↔ `_birthDate`: the other half of a primitive element. */
  companion?: string;
}

interface Shape {
  isResource: boolean;
  slots: Map<string, Slot>;
}

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
const NUMBER_TYPES = new Set(['decimal', 'integer', 'integer64', 'positiveInt', 'unsignedInt']);
const shapes = new Map<string, Shape | null>();

function kindOf(code: string): Kind {
  if (code === 'boolean' || code === 'http://hl7.org/fhirpath/System.Boolean') return 'boolean';
  if (
    NUMBER_TYPES.has(code) ||
    code === 'http://hl7.org/fhirpath/System.Integer' ||
    code === 'http://hl7.org/fhirpath/System.Decimal'
  )
    return 'number';
  if (code === 'Resource' || code === 'DomainResource') return 'resource';
  // Primitive types start lower-case (string, code, dateTime, xhtml...); System.* are FHIRPath primitives.
  if (code.startsWith('http://hl7.org/fhirpath/System.') || /^[a-z]/.test(code)) return 'string';
  return 'complex';
}

function shapeOf(type: string): Shape | undefined {
  let shape = shapes.get(type);
  if (shape === undefined) {
    const schema = tryGetDataType(type);
    shape = schema ? buildShape(schema) : null;
    shapes.set(type, shape);
  }
  return shape ?? undefined;
}

function buildShape(schema: InternalTypeSchema): Shape {
  const slots = new Map<string, Slot>();
  for (const [name, element] of Object.entries(schema.elements)) {
    const isArray = Boolean(element.isArray) || element.max > 1;
    const codes = (element.type ?? []).map((t) => t.code);
    const choice = name.endsWith('[x]') ? name : undefined;
    for (const code of codes) {
      const key = choice ? `${name.slice(0, -3)}${code.charAt(0).toUpperCase()}${code.slice(1)}` : name;
      const kind = kindOf(code);
      if (kind === 'string' || kind === 'number' || kind === 'boolean') {
        slots.set(key, { kind, type: code, isArray, choice, companion: `_${key}` });
        slots.set(`_${key}`, { kind: 'complex', type: 'Element', isArray, choice, companion: key });
      } else {
        slots.set(key, { kind, type: code, isArray, choice });
      }
    }
  }
  return { isResource: schema.kind === 'resource', slots };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

class Checker {
  readonly issues: OperationOutcomeIssue[] = [];

  get full(): boolean {
    return this.issues.length >= MAX_STRUCTURE_ISSUES;
  }

  add(path: string, text: string): void {
    if (!this.full) this.issues.push({ severity: 'error', code: 'structure', details: { text }, expression: [path] });
  }

  /** A resource: an object whose resourceType is a known type, checked as that type. */
  resource(value: unknown, path: string, expected?: string): void {
    if (!isObject(value)) return this.add(path, `Expected a resource (a JSON object), got ${describe(value)}`);
    const type = value.resourceType;
    if (typeof type !== 'string' || !isKnownResourceType(type)) {
      return this.add(
        `${path}.resourceType`,
        typeof type === 'string'
          ? `Unknown resourceType '${type.slice(0, 80)}'`
          : `resourceType must be a string, got ${describe(type)}`,
      );
    }
    if (expected !== undefined && type !== expected)
      return this.add(`${path}.resourceType`, `Expected a ${expected}, got '${type}'`);
    // A resource id names it in URLs and storage keys: R4 `id` (the definitions medplum loads say only "string").
    if (typeof value.id === 'string' && !ID_PATTERN.test(value.id))
      this.add(`${path}.id`, `Invalid id ${JSON.stringify(value.id.slice(0, 80))}: must match [A-Za-z0-9-.]{1,64}`);
    this.object(value, type, path);
  }

  object(value: Record<string, unknown>, type: string, path: string): void {
    const shape = shapeOf(type);
    if (!shape) return;
    const choices = new Map<string, string>();
    for (const [key, child] of Object.entries(value)) {
      if (this.full) return;
      if (key === 'resourceType' && shape.isResource) continue;
      const at = `${path}.${key}`;
      const slot = shape.slots.get(key);
      if (!slot) {
        this.add(at, `Unknown element '${key.slice(0, 80)}' of ${type}`);
        continue;
      }
      if (slot.choice) {
        const element = `${slot.choice}${key.startsWith('_') ? '(extension)' : ''}`;
        const other = choices.get(element);
        if (other !== undefined) this.add(at, `Only one of ${other} and ${key} may be present (${slot.choice})`);
        choices.set(element, key);
      }
      const companion = slot.companion === undefined ? undefined : value[slot.companion];
      this.slot(child, slot, at, companion);
    }
  }

  slot(value: unknown, slot: Slot, path: string, companion: unknown): void {
    if (!slot.isArray) {
      if (Array.isArray(value)) return this.add(path, `Expected a single value, got an array`);
      return this.value(value, slot, path);
    }
    if (!Array.isArray(value)) return this.add(path, `Expected an array, got ${describe(value)}`);
    value.forEach((item, i) => {
      if (this.full) return;
      // R4 JSON: a repeating primitive and its `_element` array keep their positions with nulls.
      if (
        item === null &&
        slot.companion !== undefined &&
        Array.isArray(companion) &&
        companion[i] !== null &&
        companion[i] !== undefined
      )
        return;
      this.value(item, slot, `${path}[${i}]`);
    });
  }

  value(value: unknown, slot: Slot, path: string): void {
    switch (slot.kind) {
      case 'string':
        if (typeof value !== 'string')
          this.add(
            path,
            `Expected a string${slot.type === 'string' || slot.type.includes('/') ? '' : ` (${slot.type})`}, got ${describe(value)}`,
          );
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value))
          this.add(path, `Expected a number (${slot.type}), got ${describe(value)}`);
        return;
      case 'boolean':
        if (typeof value !== 'boolean') this.add(path, `Expected true or false, got ${describe(value)}`);
        return;
      case 'resource':
        return this.resource(value, path);
      case 'complex':
        if (!isObject(value)) return this.add(path, `Expected an object (${slot.type}), got ${describe(value)}`);
        return this.object(value, slot.type, path);
    }
  }
}

/**
 * The shape problems of `value` as a resource (of `expectedType` when given), with FHIRPaths that
 * start at `path` (by default the resource type: `Patient.name[0].given`). Empty when the shape is right.
 */
export function structureIssues(
  value: unknown,
  options: { expectedType?: string; path?: string } = {},
): OperationOutcomeIssue[] {
  const checker = new Checker();
  const type =
    isObject(value) && typeof value.resourceType === 'string'
      ? value.resourceType
      : (options.expectedType ?? 'Resource');
  checker.resource(value, options.path ?? type, options.expectedType);
  return checker.issues;
}
