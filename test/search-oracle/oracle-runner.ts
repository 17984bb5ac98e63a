import type { Resource } from '@medplum/fhirtypes';
import type { FeatureName, GeneratedQuery } from './query-generators.ts';
import { queryString } from './query-generators.ts';
import type { ReferenceModel } from './reference-evaluator.ts';
import { authedFetch } from '../support/test-server.ts';

/** Runs generated queries against an engine and compares with the reference evaluator. */

export interface EngineResult {
  ids: string[];
  /** Bundle.total of the first page, when asked for. */
  total?: number;
  pages: number;
  /** Sizes of the pages, in order (every page but the last must be full). */
  pageSizes: number[];
}

/** Runs a query with `_count=count`, following pages to the end (or up to `maxPages`). */
export type Engine = (g: GeneratedQuery, count: number, maxPages: number) => Promise<EngineResult>;

export const MAX_COUNT = 1000;

/**
 * `_count` for a query: its expected results split into about `g.pages` pages. Every page costs a
 * search over all matches (keyset seek, and the sort when there is one), so large result sets are
 * split into fewer pages (at least 2 beyond MAX_COUNT) to keep the run within its time budget.
 */
export function pageSize(g: GeneratedQuery, expected: number): number {
  const sorted = g.query.params.some(([key]) => key === '_sort');
  const pages = Math.min(g.pages, Math.max(1, Math.floor((sorted ? 1000 : 1500) / Math.max(1, expected))));
  return Math.min(MAX_COUNT, Math.max(1, Math.ceil(expected / pages)));
}

/** The SQLite engine through the real HTTP server: follows `next` links to the end. */
export function httpEngine(fhirUrl: string): Engine {
  return async (g, count, maxPages) => {
    const extra: Array<[string, string]> = [['_count', String(count)]];
    if (g.total) extra.push(['_total', 'accurate']);
    let url: string | undefined = `${fhirUrl}/${g.query.resourceType}?${queryString(g.query, extra)}`;
    const result: EngineResult = { ids: [], pages: 0, pageSizes: [] };
    while (url && result.pages < maxPages) {
      const res = await authedFetch(url, { headers: { accept: 'application/fhir+json', prefer: 'handling=strict' } });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET ${url} → HTTP ${res.status}: ${text.slice(0, 600)}`);
      const body = JSON.parse(text) as {
        total?: number;
        entry?: Array<{ resource?: Resource; search?: { mode?: string } }>;
        link?: Array<{ relation: string; url: string }>;
      };
      let size = 0;
      for (const e of body.entry ?? []) {
        if (e.search?.mode !== 'match')
          throw new Error(`GET ${url}: unexpected ${e.search?.mode} entry ${JSON.stringify(e.resource).slice(0, 400)}`);
        result.ids.push(e.resource?.id as string);
        size++;
      }
      if (result.pages === 0 && body.total !== undefined) result.total = body.total;
      result.pages++;
      result.pageSizes.push(size);
      url = body.link?.find((l) => l.relation === 'next')?.url;
    }
    return result;
  };
}

export interface Stats {
  queries: number;
  empty: number;
  nonEmpty: number;
  /** Queries that matched every resource of their type. */
  everything: number;
  requests: number;
  maxPages: number;
  features: Map<FeatureName, number>;
}

export function newStats(): Stats {
  return { queries: 0, empty: 0, nonEmpty: 0, everything: 0, requests: 0, maxPages: 0, features: new Map() };
}

export function formatStats(name: string, s: Stats): string {
  const features = [...s.features]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([f, n]) => `${f}=${n}`)
    .join(' ');
  return `${name}: ${s.queries} queries, ${s.nonEmpty} with results, ${s.empty} empty, ${s.everything} matching every resource of their type; ${s.requests} page requests (at most ${s.maxPages} pages); features: ${features}`;
}

/**
 * Runs one generated query on an engine and throws a descriptive error when its ids (in order,
 * across all pages), its page sizes or its total differ from the reference evaluation.
 */
export async function checkQuery(
  model: ReferenceModel,
  engine: Engine,
  g: GeneratedQuery,
  stats: Stats,
  label: string,
): Promise<void> {
  const expected = model.evaluate(g.query);
  const count = pageSize(g, expected.length);
  // A few pages more than expected is enough to show a difference (and ends a runaway paging).
  const actual = await engine(g, count, Math.ceil(expected.length / count) + 3);
  stats.queries++;
  stats.requests += actual.pages;
  stats.maxPages = Math.max(stats.maxPages, actual.pages);
  if (expected.length === 0) stats.empty++;
  else stats.nonEmpty++;
  if (expected.length > 0 && expected.length === model.resources(g.query.resourceType).length) stats.everything++;
  for (const f of g.features) stats.features.set(f, (stats.features.get(f) ?? 0) + 1);

  const problems: string[] = [];
  if (JSON.stringify(actual.ids) !== JSON.stringify(expected)) {
    const want = new Set(expected);
    const got = new Set(actual.ids);
    const missing = expected.filter((id) => !got.has(id));
    const extra = actual.ids.filter((id) => !want.has(id));
    problems.push(
      missing.length || extra.length || actual.ids.length !== expected.length
        ? `ids differ: expected ${expected.length}, got ${actual.ids.length}; missing ${JSON.stringify(missing.slice(0, 5))}, unexpected ${JSON.stringify(extra.slice(0, 5))}`
        : `order differs: expected ${JSON.stringify(expected.slice(0, 8))}…, got ${JSON.stringify(actual.ids.slice(0, 8))}…`,
    );
    const culprit = missing[0] ?? extra[0] ?? firstDifference(expected, actual.ids);
    if (culprit) problems.push(explain(model, g, culprit));
  }
  const full = actual.pageSizes.slice(0, -1).every((n) => n === count);
  if (!full) problems.push(`pages not full: _count=${count}, sizes ${JSON.stringify(actual.pageSizes)}`);
  if (g.total && actual.total !== expected.length)
    problems.push(`Bundle.total ${actual.total}, expected ${expected.length}`);
  if (problems.length) {
    throw new Error(
      `${label}: ${g.query.resourceType}?${decodeURIComponent(new URLSearchParams(g.query.params).toString())} (_count=${count})\n  ${problems.join('\n  ')}`,
    );
  }
}

function firstDifference(a: string[], b: string[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] ?? b[i];
  return undefined;
}

/** The resource and the reference evaluator's values of each queried parameter, for a report. */
function explain(model: ReferenceModel, g: GeneratedQuery, id: string): string {
  const type = g.query.resourceType;
  const resource = model.byKey.get(`${type}/${id}`);
  const lines = [`resource ${type}/${id}: ${JSON.stringify(resource).slice(0, 1500)}`];
  const codes = new Set<string>();
  for (const [key, value] of g.query.params) {
    if (key === '_sort') for (const k of value.split(',')) codes.add(k.replace(/^-/, ''));
    else if (!key.startsWith('_has') && !key.includes('.')) codes.add(key.split(':')[0] as string);
  }
  for (const code of codes) {
    if (code === '_id') continue;
    try {
      const values = model.values(type, code).get(id);
      lines.push(
        `reference values of ${code}: ${JSON.stringify(values, (_k, x) => (typeof x === 'bigint' ? x.toString() : x))}`,
      );
    } catch {
      // not a parameter of this type
    }
  }
  return lines.join('\n  ');
}
