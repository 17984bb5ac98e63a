import type { Logger } from 'pino';
import { loadFhirDefinitions } from '../fhir/load-fhir-definitions.ts';
import { loadConfigOrExit } from '../config.ts';
import { getResourceTypes, isKnownResourceType } from '../fhir/definitions.ts';
import { indexWithAccess } from '../access/access-index.ts';
import type { PagePosition } from '../fhir/search/search-request.ts';
import { openStorage } from '../storage/open-storage.ts';
import type { StorageEngine } from '../storage/storage-engine.ts';
import { createLogger } from '../ops/logging.ts';

/**
 * `npm run reindex [-- Type ...]`: recomputes the search index of every current resource (of the
 * given types, or all), e.g. after adding a SearchParameter to fhir-profiles/search-parameters.
 * Resources are read in id order, a page at a time, and each page's index is replaced in one
 * transaction; no version is written. Safe while the server runs (each page is atomic).
 */
const PAGE = 500;

export async function reindex(
  engine: StorageEngine,
  types: readonly string[],
  baseUrl: string,
  log: (type: string, count: number) => void,
): Promise<number> {
  let total = 0;
  for (const type of types) {
    let count = 0;
    let after: PagePosition | undefined;
    for (;;) {
      const page = await engine.reader.search({
        resourceType: type,
        filters: [],
        sort: [],
        count: PAGE,
        total: 'none',
        ...(after ? { page: { direction: 'after' as const, position: after } } : {}),
      });
      await engine.transaction(async (session) => {
        for (const v of page.versions)
          if (v.resource) await session.replaceIndex(type, v.id, indexWithAccess(v.resource, baseUrl));
      });
      count += page.versions.length;
      if (!page.hasMore || !page.last) break;
      after = page.last;
    }
    if (count) log(type, count);
    total += count;
  }
  return total;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger: Logger = createLogger(config.logLevel);
  loadFhirDefinitions();
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((t) => !isKnownResourceType(t));
  if (unknown.length) {
    console.error(`Unknown resource types: ${unknown.join(', ')}`);
    process.exit(2);
  }
  const engine = await openStorage(config, logger);
  try {
    const total = await reindex(
      engine,
      wanted.length ? wanted : getResourceTypes(),
      config.fhirBaseUrl,
      (type, count) => logger.info({ type, count }, 'reindexed'),
    );
    logger.info({ total }, 'reindex done');
  } finally {
    await engine.close();
  }
}

if (import.meta.main) await main();
