import type { PagePosition, SearchRequest, SortKey } from '../fhir/search/search-request.ts';
import type { Comparison, Condition } from './value-conditions.ts';

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
  const keys = request.sort.map((k) => ({
    source: k.source,
    descending: k.descending !== reversed,
    byLargest: k.descending,
    nullsFirst: reversed,
  }));
  return { keys, idDescending: reversed, reversed };
}

/** What a seek compares: the value of sort key number `i` (`i`), or the resource id. */
export type SeekField = number | 'id';

/**
 * Rows strictly after `position` in the effective order, in the neutral form each engine translates:
 * lexicographic over the sort keys (with their null placement) and then the id, i.e.
 * `(k0 after v0) OR (k0 = v0 AND k1 after v1) OR ... OR (k0 = v0 AND ... AND id after position.id)`.
 * Nulls sort last in the order read, or first when reading backwards (`nullsFirst`); after a null,
 * only other nulls (and, reading backwards, every value) follow.
 */
export function seekAfter({ keys, idDescending }: EffectiveOrder, position: PagePosition): Condition<SeekField> {
  const alternatives: Array<Condition<SeekField>> = [];
  const equalSoFar: Array<Condition<SeekField>> = [];
  keys.forEach((key, i) => {
    const value = position.values[i] ?? null;
    if (value === null) {
      if (key.nullsFirst) alternatives.push({ all: [...equalSoFar, { field: i, isNull: false }] });
      equalSoFar.push({ field: i, isNull: true });
      return;
    }
    const beyond: Comparison<SeekField> = { field: i, op: key.descending ? '<' : '>', value };
    const after: Condition<SeekField> = key.nullsFirst
      ? { all: [{ field: i, isNull: false }, beyond] }
      : { any: [{ field: i, isNull: true }, beyond] };
    alternatives.push({ all: [...equalSoFar, after] });
    equalSoFar.push({ field: i, op: '=', value });
  });
  alternatives.push({ all: [...equalSoFar, { field: 'id', op: idDescending ? '<' : '>', value: position.id }] });
  return { any: alternatives };
}
