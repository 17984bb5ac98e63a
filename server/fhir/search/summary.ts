import type { Resource } from '@medplum/fhirtypes';
import { baseDefinitionOf } from '../definitions.ts';
import type { ResultShaping } from './parse-search.ts';

/**
 * `_summary` and `_elements`: the subset of each resource a client asked for. Subsetted resources
 * carry the SUBSETTED tag so that nobody mistakes them for whole resources (and writes them back).
 */
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = ['resourceType', 'id', 'meta'];

interface ElementInfo {
  /** Top-level element names (choice elements as their `[x]` stem) marked isSummary. */
  summary: string[];
  /** Top-level element names with min >= 1. */
  mandatory: string[];
}

const elementInfo = new Map<string, ElementInfo>();

function infoOf(type: string): ElementInfo {
  let info = elementInfo.get(type);
  if (!info) {
    info = { summary: [], mandatory: [] };
    for (const element of baseDefinitionOf(type)?.snapshot?.element ?? []) {
      const parts = element.path?.split('.') ?? [];
      if (parts.length !== 2) continue;
      const name = parts[1] as string;
      if (element.isSummary) info.summary.push(name);
      if ((element.min ?? 0) >= 1) info.mandatory.push(name);
    }
    elementInfo.set(type, info);
  }
  return info;
}

/** Whether a JSON key is one of the element names (`value[x]` covers `valueQuantity`, ...). */
function matches(names: string[], jsonKey: string): boolean {
  const key = jsonKey.startsWith('_') ? jsonKey.slice(1) : jsonKey; // primitive extensions follow their element
  return names.some((n) =>
    n.endsWith('[x]') ? key.startsWith(n.slice(0, -3)) && /^[A-Z]/.test(key.slice(n.length - 3)) : key === n,
  );
}

/** The resource as `_summary` / `_elements` ask; undefined when nothing is to be removed. */
export function subsetOf(resource: Resource, shaping: Pick<ResultShaping, 'summary' | 'elements'>): Resource {
  const keep = keptElements(resource.resourceType, shaping);
  if (!keep) return resource;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) if (ALWAYS.includes(k) || keep(k)) out[k] = v;
  const meta = (out.meta ?? {}) as NonNullable<Resource['meta']>;
  out.meta = { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] };
  return out as unknown as Resource;
}

function keptElements(
  type: string,
  { summary, elements }: Pick<ResultShaping, 'summary' | 'elements'>,
): ((key: string) => boolean) | undefined {
  const info = infoOf(type);
  if (summary === 'true') return (k) => matches(info.summary, k) || matches(info.mandatory, k);
  if (summary === 'text') return (k) => k === 'text' || matches(info.mandatory, k);
  if (summary === 'data') return (k) => k !== 'text';
  if (elements?.length) return (k) => matches(elements, k) || matches(info.mandatory, k);
  return undefined;
}
