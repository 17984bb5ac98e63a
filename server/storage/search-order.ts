import type { SearchRequest, SortKey } from '../fhir/search/search-request.ts';

/**
 * The order a search page is read in, shared by both engines. A `before` page (a `previous`
 * link) is read in the reverse order, from the position backwards, and then reversed back, so
 * that it too is a keyset seek rather than an offset scan.
 */
export interface OrderKey {
  source: SortKey['source'];
  /** Direction in which this page is read (flipped for a `before` page). */
  descending: boolean;
  /** The key's value is the resource's largest (requested descending) or smallest value. */
  byLargest: boolean;
  /** Resources without a value come last in the requested order, so first when reading backwards. */
  nullsFirst: boolean;
}

export interface EffectiveOrder {
  keys: OrderKey[];
  /** The id breaks ties ascending in the requested order. */
  idDescending: boolean;
  /** True for a `before` page: the engine reverses the rows it read. */
  reversed: boolean;
}

export function effectiveOrder(request: SearchRequest): EffectiveOrder {
  const reversed = request.page?.direction === 'before';
  const keys = request.sort.map((k) => ({ source: k.source, descending: k.descending !== reversed, byLargest: k.descending, nullsFirst: reversed }));
  return { keys, idDescending: reversed, reversed };
}
