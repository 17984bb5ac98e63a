import fc from 'fast-check';

/**
 * Wrongly-typed JSON: hostile values, and mutations that put them into valid resources (anywhere in
 * the tree, and most often where code reads a body before validation: id, resourceType, meta and
 * its tag/security/profile lists, references). Everything here is a pure function of the values
 * fast-check draws, so a seed reproduces the same bodies.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

const HUGE = 'x'.repeat(20_000);

/** Keys that look like FHIR elements, or like an object's own machinery. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'reference',
      'system',
      'code',
      'value',
      'id',
      'resourceType',
      'extension',
      'url',
      'valueString',
      '_value',
      'div',
      'status',
      'tag',
      'profile',
      'security',
      'meta',
      'entry',
      'resource',
      'request',
      'method',
      'display',
      'valueReference',
      'valueQuantity',
      '_id',
      '_birthDate',
      'contained',
      'subject',
      'link',
      'target',
      'given',
      'family',
      'text',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
      'length',
      '0',
      '',
      ' ',
      'fhir_comments',
      '\u0000',
      '🙂',
      'ünïcode',
    ),
  },
  // Rejected by the JSON guard (a 400 naming the key): kept rare so most bodies reach further.
  { weight: 1, arbitrary: fc.constantFrom('$where', '$ne', 'a.b', '__proto__', 'constructor', 'prototype') },
  { weight: 2, arbitrary: fc.string({ maxLength: 8 }) },
);

const leaf: fc.Arbitrary<Json> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom<Json>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0.000001,
      1e308,
      2 ** 53 + 2,
      '',
      ' ',
      'x',
      'true',
      '1',
      'NaN',
      'Patient/',
      'Patient/fz-patient',
      'Patient/fz-patient-2',
      'Patient/does-not-exist',
      'Patient?name=Fuzz',
      'Observation?code=x',
      'Organization/',
      'Practitioner/fz-prac',
      'urn:uuid:00000000-0000-0000-0000-000000000000',
      '#',
      '#g1',
      '#nope',
      'http://evil.example/fhir/Patient/1',
      '../Patient/1',
      'Patient/../Organization/x',
      'Patient/a/_history/1',
      '\u0000',
      '\ud800',
      '🙂🙂',
      'ü',
      '2020-13-45',
      '2020-02-30T25:61:00Z',
      '0000-00-00',
      '-1',
      '%00',
      '$where',
      '__proto__',
      'https://patient-portal.example.org/fhir/CodeSystem/owning-practice',
      'listed',
      'https://patient-portal.example.org/fhir/CodeSystem/directory',
    ),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constant(HUGE) },
);

/** Strings of every odd kind, for a string element (references, dates, codes, ids, urls). */
export const leafString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: leaf.filter((v): v is string => typeof v === 'string') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'Patient/fz-patient',
      'Patient/fz-patient-2',
      'Patient/fz-obs',
      'Observation/fz-obs',
      'Practitioner/fz-prac',
      'Organization/fz-patient',
      'Patient',
      'Patient/',
      'Patient/fz-patient/_history/1',
      'Patient/fz-patient/_history/x',
      'http://127.0.0.1/fhir/R4/Patient/fz-patient',
      'https://other.example/fhir/Patient/fz-patient',
      'Patient?identifier=x',
      'Patient?identifier=http://example.org/mrn|MRN-1',
      'Patient?name=Fuzz',
      'Patient?_id=fz-patient',
      '?',
      '/',
      '//',
      'urn:uuid:',
      'urn:uuid:11111111-1111-1111-1111-111111111111',
      'urn:uuid:22222222-2222-2222-2222-222222222222',
      'urn:oid:1',
      '#',
      '#x',
      'Binary/x',
      'Group/fz',
      'a'.repeat(64),
      'a'.repeat(65),
      '-',
      '.',
      '..',
      '2024',
      '2024-02',
      '2024-02-30',
      '2024-01-01T00:00:00',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00+14:01',
      '9999-12-31T23:59:59.9999999Z',
      '0001-01-01',
      'T00:00',
      '10:61:00',
      'final',
      'booked',
      'active',
      'batch',
      'transaction',
      'DELETE',
      'application/json-patch+json',
      'W/"1"',
      'aGVsbG8',
      '====',
      '<div>x</div>',
      '<div xmlns="http://www.w3.org/1999/xhtml"><script>x</script></div>',
      'http://unitsofmeasure.org',
      'mg',
      '%',
      'admin',
      'https://patient-portal.example.org/fhir/StructureDefinition/portal-patient',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
);

/** Values an object may be built to trip code that trusts it: own toString/valueOf/length, empties. */
const special: fc.Arbitrary<Json> = fc.constantFrom<Json>(
  { toString: 1 },
  { valueOf: {} },
  { toString: 'x', valueOf: 'y' },
  { length: 1e9 },
  { length: -1, 0: 'a' },
  { reference: [] },
  { reference: {} },
  { reference: 5 },
  { 0: 'a' },
  [[[]]],
  [null],
  [{}],
  {},
  [],
  [[]],
  { resourceType: 'Patient' },
  { resourceType: [] },
  { resourceType: 'Nope' },
  { resourceType: 'Patient', id: [] },
  { system: [], code: {} },
  { system: 'https://patient-portal.example.org/fhir/CodeSystem/owning-practice', code: 'someone-else' },
  { url: [], valueString: 1 },
  { extension: 'x' },
  { extension: [null] },
  ['a', 1, null, {}, []],
);

export const hostileValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    { weight: 5, arbitrary: leaf },
    { weight: 3, arbitrary: special },
    { weight: 2, arbitrary: fc.array(tie('value'), { maxLength: 3 }) },
    { weight: 2, arbitrary: fc.dictionary(hostileKey, tie('value'), { maxKeys: 3 }) as fc.Arbitrary<Json> },
  ),
})).value;

/** The places where code that runs before validation has read bodies. */
export const FOCUS_PATHS: Path[] = [
  ['id'],
  ['resourceType'],
  ['meta'],
  ['meta', 'tag'],
  ['meta', 'tag', 0],
  ['meta', 'tag', 0, 'system'],
  ['meta', 'tag', 0, 'code'],
  ['meta', 'security'],
  ['meta', 'security', 0],
  ['meta', 'security', 0, 'code'],
  ['meta', 'profile'],
  ['meta', 'profile', 0],
  ['meta', 'versionId'],
  ['meta', 'lastUpdated'],
  ['meta', 'source'],
  ['subject'],
  ['subject', 'reference'],
  ['subject', 'type'],
  ['patient'],
  ['patient', 'reference'],
  ['participant', 0, 'actor', 'reference'],
  ['participant', 1, 'actor'],
  ['participant'],
  ['link'],
  ['link', 0, 'target', 'reference'],
  ['link', 0, 'other', 'reference'],
  ['link', 0, 'other'],
  ['practitioner', 'reference'],
  ['organization', 'reference'],
  ['organization'],
  ['period', 'end'],
  ['period'],
  ['active'],
  ['securityContext', 'reference'],
  ['member', 0, 'entity', 'reference'],
  ['performer', 0],
  ['performer', 0, 'reference'],
  ['contained'],
  ['contained', 0],
  ['contained', 0, 'resourceType'],
  ['contained', 0, 'subject', 'reference'],
  ['extension'],
  ['extension', 0],
  ['extension', 0, 'url'],
  ['extension', 0, 'valueReference', 'reference'],
  ['modifierExtension'],
  ['text'],
  ['text', 'div'],
  ['_birthDate'],
  ['birthDate'],
  ['_id'],
  ['identifier', 0, 'value'],
  ['name', 0, 'given'],
  ['name'],
  ['entry'],
  ['entry', 0],
  ['entry', 0, 'resource'],
  ['entry', 0, 'resource', 'id'],
  ['entry', 0, 'fullUrl'],
  ['provision', 'actor', 0, 'reference', 'reference'],
  ['code', 'coding', 0, 'code'],
  ['valueQuantity', 'value'],
  ['status'],
  ['relationship'],
  ['data'],
  ['contentType'],
  ['item', 0, 'answer', 0, 'valueReference', 'reference'],
];

/** A choice among named operations, each as often as its weight says (the order of the keys is kept: seeds stay reproducible). */
function weighted<Op extends string>(weights: Record<Op, number>): fc.Arbitrary<Op> {
  return fc.oneof(
    ...(Object.entries(weights) as Array<[Op, number]>).map(([op, weight]) => ({ weight, arbitrary: fc.constant(op) })),
  );
}

const MUTATION_OPS = {
  focus: 6,
  replace: 4,
  // A value of the right JSON type but odd content: gets past the shape check to the code behind it.
  'same-type': 6,
  delete: 1,
  add: 2,
  wrap: 2,
  unwrap: 1,
  stringify: 1,
  deepen: 1,
};

export interface Mutation {
  op: keyof typeof MUTATION_OPS;
  pick: number;
  value: Json;
  key: string;
  depth: number;
  text: string;
  number: number;
}

export const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: weighted(MUTATION_OPS),
  pick: fc.nat(),
  value: hostileValue,
  key: hostileKey,
  depth: fc.integer({ min: 1, max: 70 }),
  text: leafString,
  number: fc.oneof(
    fc.constantFrom(0, -1, -0.5, 1e308, -1e308, 2 ** 53 + 1, 1e-300, 4294967296, 2147483648),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  ),
});

const isObject = (v: unknown): v is { [key: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every path in the tree (the root excluded), containers and leaves. */
function pathsOf(value: Json, prefix: Path = [], out: Path[] = []): Path[] {
  const visit = (child: Json, key: string | number): void => {
    out.push([...prefix, key]);
    pathsOf(child, [...prefix, key], out);
  };
  // forEach, not map + for…of: mutated arrays may have holes, which are not paths.
  if (Array.isArray(value)) value.forEach(visit);
  else if (isObject(value)) for (const [key, child] of Object.entries(value)) visit(child, key);
  return out;
}

function getAt(root: Json, path: Path): Json | undefined {
  let node: Json | undefined = root;
  for (const step of path) {
    if (Array.isArray(node) && typeof step === 'number') node = node[step];
    else if (isObject(node) && typeof step === 'string') node = Object.hasOwn(node, step) ? node[step] : undefined;
    else return undefined;
  }
  return node;
}

/** Sets a value, creating (or overwriting with) the containers on the way. */
function setAt(root: { [key: string]: Json }, path: Path, value: Json): void {
  let node: Json = root;
  for (const [i, step] of path.entries()) {
    const last = i === path.length - 1;
    const next = path[i + 1];
    const container = (): Json => (typeof next === 'number' ? [] : {});
    if (Array.isArray(node)) {
      const index = typeof step === 'number' ? step : 0;
      if (last) node[index] = value;
      else if (typeof node[index] !== 'object' || node[index] === null) node[index] = container();
      node = last ? node : (node[index] as Json);
    } else if (isObject(node)) {
      const key = String(step);
      if (last) node[key] = value;
      else if (typeof node[key] !== 'object' || node[key] === null) node[key] = container();
      node = last ? node : (node[key] as Json);
    }
  }
}

function deleteAt(root: Json, path: Path): void {
  const parent = getAt(root, path.slice(0, -1));
  const step = path.at(-1);
  if (Array.isArray(parent) && typeof step === 'number') parent.splice(step, 1);
  else if (isObject(parent) && typeof step === 'string') delete parent[step];
}

function nest(value: Json, depth: number, arrays: boolean): Json {
  let out = value;
  for (let i = 0; i < depth; i++) out = arrays ? [out] : { extension: out };
  return out;
}

/** Applies the mutations in order to a copy of `resource`. */
export function mutate(resource: { [key: string]: Json }, mutations: Mutation[]): { [key: string]: Json } {
  const root = structuredClone(resource);
  for (const drawn of mutations) {
    // Drawn values may be shared (constants): the tree gets its own copy.
    const m = { ...drawn, value: structuredClone(drawn.value) };
    const paths = pathsOf(root);
    const path =
      m.op === 'focus' ? (FOCUS_PATHS[m.pick % FOCUS_PATHS.length] as Path) : paths[m.pick % Math.max(paths.length, 1)];
    if (!path) continue;
    const current = getAt(root, path);
    switch (m.op) {
      case 'focus':
      case 'replace':
        setAt(root, path, m.value);
        break;
      case 'same-type':
        if (typeof current === 'string') setAt(root, path, m.text);
        else if (typeof current === 'number') setAt(root, path, m.number);
        else if (typeof current === 'boolean') setAt(root, path, !current);
        else if (Array.isArray(current))
          setAt(root, path, m.pick % 3 === 0 ? [] : m.pick % 3 === 1 ? [...current, ...current] : current.slice(1));
        else if (isObject(current))
          setAt(root, path, m.pick % 2 ? {} : Object.fromEntries(Object.entries(current).slice(1)));
        break;
      case 'delete':
        deleteAt(root, path);
        break;
      case 'add': {
        // A new key in the object at (or holding) the path.
        const target = isObject(current) ? path : path.slice(0, -1);
        setAt(root, [...target, m.key], m.value);
        break;
      }
      case 'wrap':
        if (current !== undefined) setAt(root, path, m.pick % 2 ? [current] : { value: current });
        break;
      case 'unwrap':
        if (Array.isArray(current)) setAt(root, path, current[0] ?? null);
        else if (isObject(current)) setAt(root, path, Object.values(current)[0] ?? null);
        break;
      case 'stringify':
        if (current !== undefined) setAt(root, path, JSON.stringify(current));
        break;
      case 'deepen':
        if (current !== undefined) setAt(root, path, nest(current, m.depth, m.pick % 2 === 0));
        break;
    }
  }
  return root;
}

const DUPLICATE = '\u0001duplicate\u0001';

/**
 * Text-level changes JSON.stringify cannot make: a duplicated key (JSON.parse keeps the last one),
 * truncation, trailing bytes, a BOM, literals JSON does not have, a deep wrapper.
 */
const TEXT_MUTATION_OPS = { none: 20, duplicate: 4, truncate: 1, trailing: 1, bom: 1, literal: 1, 'wrap-deep': 1 };

export interface TextMutation {
  op: keyof typeof TEXT_MUTATION_OPS;
  pick: number;
  value: Json;
  depth: number;
}

export const textMutation: fc.Arbitrary<TextMutation> = fc.record({
  op: weighted(TEXT_MUTATION_OPS),
  pick: fc.nat(),
  value: hostileValue,
  depth: fc.integer({ min: 30, max: 80 }),
});

const LITERALS = [
  'NaN',
  'Infinity',
  '-Infinity',
  'undefined',
  '1e99999',
  '-0',
  '0x10',
  "'single'",
  '"\\ud800"',
  '"\\u0000"',
  '00',
  '.5',
];

export function serialize(value: { [key: string]: Json }, m: TextMutation): string {
  switch (m.op) {
    case 'none':
      return JSON.stringify(value);
    case 'duplicate': {
      // A sentinel key in some object, then renamed to a key that object already has.
      const objects = [[] as Path, ...pathsOf(value).filter((p) => isObject(getAt(value, p)))];
      const path = objects[m.pick % objects.length] as Path;
      const copy = structuredClone(value);
      const target = getAt(copy, path) as { [key: string]: Json };
      const keys = Object.keys(target);
      const key = keys.length ? (keys[m.pick % keys.length] as string) : 'id';
      const early = m.pick % 3 === 0;
      // The duplicate goes first (the original wins) or last (the duplicate wins).
      const rebuilt = early
        ? { [DUPLICATE]: structuredClone(m.value), ...target }
        : { ...target, [DUPLICATE]: structuredClone(m.value) };
      for (const k of Object.keys(target)) delete target[k];
      Object.assign(target, rebuilt);
      return JSON.stringify(copy).replace(JSON.stringify(DUPLICATE), JSON.stringify(key));
    }
    case 'truncate': {
      const text = JSON.stringify(value);
      return text.slice(0, m.pick % Math.max(text.length, 1));
    }
    case 'trailing':
      return `${JSON.stringify(value)}${['x', ',', '}', ']', '\u0000', ' {}'][m.pick % 6]}`;
    case 'bom':
      return `\ufeff${JSON.stringify(value)}`;
    case 'literal': {
      const text = JSON.stringify(value);
      return text.replace(/:(\d+|true|false|null|"[^"]*")/, `:${LITERALS[m.pick % LITERALS.length]}`);
    }
    case 'wrap-deep':
      return JSON.stringify({ ...value, extension: nest(m.value, m.depth, m.pick % 2 === 0) });
  }
}
