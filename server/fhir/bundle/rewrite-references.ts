/**
 * Replaces every `reference` string found in `map` anywhere in a resource (Reference.reference of
 * any element, at any depth), returning a new object. `resolve` handles values not in the map
 * (conditional references such as `Patient?identifier=x|1`); it returns undefined to leave a value.
 */
export function rewriteReferences<T>(value: T, resolve: (reference: string) => string | undefined): T {
  if (Array.isArray(value)) return (value as unknown[]).map((item) => rewriteReferences(item, resolve)) as T;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'reference' && typeof child === 'string') out[key] = resolve(child) ?? child;
    else out[key] = rewriteReferences(child, resolve);
  }
  return out as T;
}
