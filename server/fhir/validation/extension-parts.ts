import type { ElementDefinition, OperationOutcomeIssue, StructureDefinition } from '@medplum/fhirtypes';
import { isExtensionPart } from './snapshot.ts';

/**
 * The parts of a complex extension (its sub-extensions, e.g. `emergency-contact`'s `relationship`,
 * `name`, `telecom`): the slices of `Extension.extension` by url in an Extension definition's
 * differential, which snapshot.ts leaves out of the snapshot. Checked here, for extensions.ts, with
 * the path of each problem below the extension (`extension[1].value[x]`):
 *
 * - the slicing is closed: a part whose url is not one of the slices is refused;
 * - each slice's `min`/`max` (how many parts of that url);
 * - each part's `value[x]`: its types and whether it is required.
 *
 * Bindings of parts are not enforced (only required bindings are, and a part with a required
 * binding stops the start-up rather than being half-enforced), nor are nested parts.
 */
export interface Part {
  url: string;
  min: number;
  max: number;
  /** The JSON keys allowed for the value (`valueHumanName`). */
  keys: Set<string>;
  valueRequired: boolean;
}

type Problem = [string, string, OperationOutcomeIssue['code']];

const capitalized = (code: string): string => `${code.charAt(0).toUpperCase()}${code.slice(1)}`;
const cardinality = (max: string | undefined): number => (max === undefined || max === '*' ? Infinity : Number(max));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The parts of the definition, if it slices its sub-extensions (undefined: a simple extension). */
export function compileParts(definition: StructureDefinition): Part[] | undefined {
  const where = `Extension definition ${definition.url}`;
  const elements = (definition.differential?.element ?? []).filter(isExtensionPart);
  if (!elements.length) return undefined;
  const slices = elements.filter((e) => e.path === 'Extension.extension');
  return slices.map((slice): Part => {
    const name = slice.sliceName;
    if (!name || slice.id !== `Extension.extension:${name}`)
      throw new Error(`${where}: a part is a slice of Extension.extension named by sliceName (${slice.id})`);
    const child = (path: string): ElementDefinition | undefined =>
      elements.find((e) => e.id === `Extension.extension:${name}.${path}`);
    const url = child('url')?.fixedUri;
    if (url !== name) throw new Error(`${where}: part ${name} needs url fixed to its slice name`);
    const value = child('value[x]');
    if (value?.binding?.strength === 'required')
      throw new Error(`${where}: a required binding on part ${name} is not supported`);
    const nested = child('extension');
    if (nested && nested.max !== '0') throw new Error(`${where}: nested parts (${name}) are not supported`);
    return {
      url,
      min: slice.min ?? 0,
      max: cardinality(slice.max),
      keys: new Set((value?.type ?? []).map((t) => `value${capitalized(t.code)}`)),
      valueRequired: (value?.min ?? 0) > 0,
    };
  });
}

/** The problems of the parts of `extension` (an instance of the definition `parts` came from). */
export function partProblems(parts: Part[], extension: Record<string, unknown>): Problem[] {
  const problems: Problem[] = [];
  const list: unknown = extension.extension;
  const items = Array.isArray(list) ? list : [];
  const counts = new Map<Part, number>();
  items.forEach((item, i) => {
    if (!isObject(item)) return;
    const part = parts.find((p) => p.url === item.url);
    if (!part) {
      const urls = parts.map((p) => p.url).join(', ');
      problems.push([`extension[${i}]`, `Unknown part ${String(item.url)}: the parts are ${urls}`, 'structure']);
      return;
    }
    counts.set(part, (counts.get(part) ?? 0) + 1);
    const present = Object.keys(item).filter((k) => k.startsWith('value'));
    const allowed = [...part.keys].join(' or ');
    if (!present.length && part.valueRequired)
      problems.push([`extension[${i}].value[x]`, `Part ${part.url} needs a value (${allowed})`, 'required']);
    for (const key of present)
      if (!part.keys.has(key))
        problems.push([`extension[${i}].value[x]`, `Part ${part.url}: expected ${allowed}, got ${key}`, 'structure']);
  });
  for (const part of parts) {
    const count = counts.get(part) ?? 0;
    if (count < part.min)
      problems.push(['extension', `Part ${part.url} is required (at least ${part.min})`, 'required']);
    if (count > part.max)
      problems.push([
        'extension',
        `Part ${part.url} may appear at most ${part.max} time(s), found ${count}`,
        'structure',
      ]);
  }
  return problems;
}
