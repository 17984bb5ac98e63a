import { join } from 'node:path';
import express from 'express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { loadCustomSearchParameters } from './fhir/custom-search-parameters.ts';
import { loadDefinitions, registerCustomSearchParameters } from './fhir/definitions.ts';
import { buildCapabilityStatement } from './fhir/operations/capability-statement.ts';
import { extractIndexRows } from './fhir/search/extract-index.ts';
import { fhirRouter } from './fhir/rest/fhir-router.ts';
import { ROUTES } from './fhir/rest/routes.ts';
import { loadProfiles, ResourceValidator } from './fhir/validation/validator.ts';
import { healthRouter } from './ops/health.ts';
import { requestLogger } from './ops/logging.ts';
import { staticApps } from './ops/static-apps.ts';
import { VersionedRepository } from './storage/repository.ts';
import type { Repository } from './storage/repository.ts';
import type { StorageEngine } from './storage/storage-engine.ts';

export const PROJECT_ROOT = join(import.meta.dirname, '..');
const VERSION = '0.1.0';

export interface AppDeps {
  config: Config;
  engine: StorageEngine;
  logger: Logger;
  /** Whether the server is draining (readiness then answers 503). */
  isShuttingDown?: () => boolean;
}

export interface App {
  express: Express;
  repo: Repository;
}

/** R4 definitions plus our own search parameters; the server, the reindex command and tests share this. */
export function loadFhirDefinitions(): void {
  loadDefinitions();
  registerCustomSearchParameters(loadCustomSearchParameters(join(PROJECT_ROOT, 'fhir-profiles', 'search-parameters')));
}

/** Assembles the HTTP application from its parts; main.ts owns the process, tests call this directly. */
export function createApp({ config, engine, logger, isShuttingDown = () => false }: AppDeps): App {
  loadFhirDefinitions();
  const validator = new ResourceValidator(loadProfiles(join(PROJECT_ROOT, 'fhir-profiles')));
  const repo = new VersionedRepository({
    engine,
    validate: (resource) => validator.validate(resource),
    index: (resource) => extractIndexRows(resource, config.fhirBaseUrl),
  });
  const capability = buildCapabilityStatement(ROUTES, { baseUrl: config.fhirBaseUrl, software: 'patient-portal-platform', version: VERSION });

  const app = express();
  app.disable('x-powered-by');
  // Express 5's default "simple" query parser: `name[$ne]=x` stays the literal key "name[$ne]".
  app.set('query parser', 'simple');
  app.set('trust proxy', false);
  app.use(requestLogger(logger));
  app.use(healthRouter(engine, isShuttingDown));
  app.use('/fhir/R4', fhirRouter({ repo, validator, config }, capability));
  app.use(staticApps(PROJECT_ROOT));
  return { express: app, repo };
}
