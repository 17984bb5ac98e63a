import type { ElementDefinition, StructureDefinition } from '@medplum/fhirtypes';
import { baseDefinitionOf } from '../definitions.ts';

/**
 * Our profiles are authored as differentials (short, reviewable). The validator needs a snapshot,
 * so one is derived at start-up: the base R4 snapshot with each differential element laid over the
 * element of the same path. Slicing and profiles of profiles are not supported yet; a profile using
 * them stops the server with a clear error instead of being half-enforced.
 *
 * The one exception is a complex extension's parts: an Extension definition may slice
 * `Extension.extension` by url (`Extension.extension:name…`). Those slices stay in the differential,
 * out of the snapshot (so @medplum/core sees the parts as plain extensions), and are enforced by
 * extension-parts.ts; only that pattern is accepted.
 */
export function withSnapshot(profile: StructureDefinition, file: string): StructureDefinition {
  if (profile.snapshot?.element?.length) return profile;
  const base = profile.type ? baseDefinitionOf(profile.type) : undefined;
  if (!base?.snapshot?.element || profile.baseDefinition !== base.url) {
    throw new Error(
      `Profile ${file}: baseDefinition must be the R4 definition of its type (${base?.url ?? profile.type})`,
    );
  }
  const overrides = new Map<string, ElementDefinition>();
  for (const element of profile.differential?.element ?? []) {
    if (profile.type === 'Extension' && isExtensionPart(element)) continue;
    if (profile.type === 'Extension' && element.path === 'Extension.extension' && element.slicing) {
      overrides.set(element.path, withoutSlicing(element));
      continue;
    }
    if (element.sliceName || element.slicing)
      throw new Error(`Profile ${file}: slicing is not supported (${element.id ?? element.path})`);
    if (!base.snapshot.element.some((e) => e.path === element.path))
      throw new Error(`Profile ${file}: unknown element ${element.path}`);
    overrides.set(element.path, element);
  }
  const element = base.snapshot.element.map((e) => {
    const override = overrides.get(e.path);
    return override ? { ...e, ...override, id: e.id } : e;
  });
  return { ...profile, snapshot: { element } };
}

/** A slice of `Extension.extension` (a complex extension's part) or an element inside one. */
export function isExtensionPart(element: ElementDefinition): boolean {
  return (element.id ?? '').startsWith('Extension.extension:');
}

function withoutSlicing(element: ElementDefinition): ElementDefinition {
  const { slicing: _slicing, ...rest } = element;
  return rest;
}
