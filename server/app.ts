import { join } from 'node:path';
import cors from 'cors';
import express from 'express';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { apiAuditTarget } from './audit/audit-interaction.ts';
import { auditMiddleware } from './audit/audit-middleware.ts';
import { AuditTrail } from './audit/audit-trail.ts';
import { trailStore } from './audit/trail-store.ts';
import { indexWithAccess, tombstoneRows } from './access/access-index.ts';
import { extractIndexRowsOf } from './fhir/search/extract-index.ts';
import { bumpOnAccessWrites } from './access/access-epoch.ts';
import type { PasswordAccountService } from './auth/accounts/account-service.ts';
import { createAuth } from './auth/create-auth.ts';
import type { SmartFederation } from './auth/federation/smart-federation.ts';
import type { SmartAuth } from './auth/smart/smart-auth.ts';
import { ehrLaunchRouter } from './console-api/ehr-launch-route.ts';
import { practiceClientsRouter } from './console-api/practice-clients-routes.ts';
import { loadFhirDefinitions } from './fhir/load-fhir-definitions.ts';
import { checkStoredBinary } from './fhir/binary/binary-content.ts';
import { sweepBlobs } from './storage/blob-sweep.ts';
import { buildCapabilityStatement } from './fhir/operations/capability-statement.ts';
import { FhirError, outcome } from './fhir/outcomes.ts';
import { fhirErrorHandler } from './fhir/rest/error-handler.ts';
import { fhirRouter } from './fhir/rest/fhir-router.ts';
import { SERVED } from './fhir/rest/routes.ts';
import { loadProfiles, ResourceValidator } from './fhir/validation/validator.ts';
import { errorPage, notFoundPage } from './ops/error-pages.ts';
import { fhirRateLimits } from './ops/fhir-rate-limits.ts';
import { healthRouter } from './ops/health.ts';
import { requestLogger } from './ops/logging.ts';
import { securityHeaders } from './ops/security-headers.ts';
import { staticApps } from './ops/static-apps.ts';
import { createMailer } from './mail/mailer.ts';
import { VersionedRepository } from './storage/repository.ts';
import type { Repository, RepositoryDeps } from './storage/repository.ts';
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
  /** The unscoped repository: the server's own work (seeding, operations); never a caller's. */
  repo: Repository;
  accounts: PasswordAccountService;
  smart: SmartAuth;
  /** Sign-in through practices' own OpenID providers: provider settings, enrolments, identity links. */
  federation: SmartFederation;
  audit: AuditTrail;
  /** Call once the HTTP server has stopped: writes the queued audit records, stops timers, closes the mailer; the engine belongs to the caller. */
  close(): Promise<void>;
}

/** Assembles the HTTP application from its parts; main.ts owns the process, tests call this directly. */
export async function createApp({ config, engine, logger, isShuttingDown = () => false }: AppDeps): Promise<App> {
  loadFhirDefinitions();
  const validator = new ResourceValidator(loadProfiles(join(PROJECT_ROOT, 'fhir-profiles')));
  const repoDeps: RepositoryDeps = {
    engine,
    validate: (resource) => {
      validator.validate(resource);
      // Binary content lives in the blob store, named by an extension only the server sets (decision 0022).
      checkStoredBinary(resource);
    },
    index: (resource) => indexWithAccess(resource, config.fhirBaseUrl),
    tombstoneIndex: (resource) => tombstoneRows(resource, config.fhirBaseUrl),
    indexOf: (resource, params) => extractIndexRowsOf(resource, config.fhirBaseUrl, params),
    // A write of a record entitlements read starts a new access epoch before it is acknowledged, so
    // no process answers the next request from a cached principal (decision 0017).
    afterCommit: bumpOnAccessWrites(engine.keyValue),
  };
  const repo = new VersionedRepository(repoDeps);
  const capability = buildCapabilityStatement(SERVED, {
    baseUrl: config.fhirBaseUrl,
    software: 'patient-portal-platform',
    version: VERSION,
  });

  const mailer = createMailer({ mail: config.mail, production: config.production, logger });
  const auth = await createAuth({ config, keyValue: engine.keyValue, repo, mailer, logger });
  const { bearer, accessFor } = auth;
  // The trail writes only AuditEvents it builds itself (shapes validated by its tests): it skips
  // the full validator, which would cost more than the rest of the audit together, and appends them
  // through the engine's appender (on SQLite, a thread of its own: decision 0021).
  const audit = new AuditTrail({
    repo,
    store: trailStore({ appender: engine.appender }),
    logger,
    fhirBaseUrl: config.fhirBaseUrl,
  });
  const fhirLimits = fhirRateLimits(config.rateLimits);
  // Uploads a crash cut off leave incomplete blobs: deleted at start-up and every hour after.
  const blobSweep = sweepBlobs(engine.blobs, logger);

  const app = express();
  app.disable('x-powered-by');
  // Express 5's default "simple" query parser: `name[$ne]=x` stays the literal key "name[$ne]".
  app.set('query parser', 'simple');
  app.set('trust proxy', false);
  app.use(requestLogger(logger));
  // nosniff on every response, and a Content-Security-Policy on any that does not set its own.
  app.use(securityHeaders());
  app.use(healthRouter(engine, isShuttingDown));
  // Sign-in, password reset, federation and the SMART authorization server (server/auth).
  for (const { path, router } of auth.routers) app.use(path, router);
  // The console's API changes who may reach the data (apps) or starts a launch: audited too.
  app.use('/api', auditMiddleware(audit, { logger, target: apiAuditTarget }));
  app.use(practiceClientsRouter({ bearer, accessFor, repo, clients: auth.practiceClients, logger }));
  app.use(
    ehrLaunchRouter({
      bearer,
      accessFor,
      repo,
      createLaunch: (input) => auth.smart.createLaunch(input),
      fhirBaseUrl: config.fhirBaseUrl,
      logger,
    }),
  );
  // Unknown /api paths and body errors of the /api routes (bad JSON, too large) answer like the FHIR
  // API: an OperationOutcome.
  app.use('/api', (req) => {
    throw new FhirError(404, outcome('not-found', `${req.method} /api${req.path} is not supported`));
  });
  app.use('/api', fhirErrorHandler(config.limits.bodyBytes, config.fhirBaseUrl));
  // Browser apps on other origins call the API with bearer tokens, never cookies: any origin may, and
  // preflights are answered before the audit trail and the token check (they carry no token).
  app.use('/fhir/R4', fhirCors());
  // The audit middleware comes first so that refused tokens (401) and throttled requests (429) are
  // recorded too; the per-IP limit before the token check (it counts refused tokens), the per-token
  // limit after it. Their 429s are answered by the error handler after the router.
  app.use(
    '/fhir/R4',
    auditMiddleware(audit, { logger, fhirBaseUrl: config.fhirBaseUrl }),
    fhirLimits.anonymous,
    bearer,
    fhirLimits.perToken,
    fhirRouter(
      {
        repo,
        validator,
        config,
        accessFor,
        binary: { blobs: engine.blobs, limitBytes: config.binaryLimitBytes },
        invitations: auth.invitations,
      },
      capability,
    ),
  );
  app.use('/fhir/R4', fhirErrorHandler(config.limits.bodyBytes, config.fhirBaseUrl));
  app.use(staticApps(PROJECT_ROOT));
  // Everything else: a plain 404 page, and a plain error page without internals (ops/error-pages.ts).
  app.use(notFoundPage());
  app.use(errorPage());
  return {
    express: app,
    repo,
    accounts: auth.accounts,
    smart: auth.smart,
    federation: auth.federation,
    audit,
    close: async () => {
      blobSweep.stop();
      await audit.close();
      auth.close();
      mailer.close();
    },
  };
}

/** CORS for the FHIR API: any origin, no credentials (auth is by bearer token), FHIR's headers. */
function fhirCors() {
  return cors({
    origin: '*',
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Accept',
      'If-Match',
      'If-None-Match',
      'If-None-Exist',
      'If-Modified-Since',
      'Prefer',
      'X-Request-Id',
      // A document upload's patient (R4 Binary) and file name.
      'X-Security-Context',
      'Content-Disposition',
    ],
    exposedHeaders: [
      'Location',
      'Content-Location',
      'ETag',
      'Last-Modified',
      'WWW-Authenticate',
      'Retry-After',
      'X-Request-Id',
      // A document download's file name and checksum.
      'Content-Disposition',
      'Repr-Digest',
    ],
    maxAge: 600,
  });
}
