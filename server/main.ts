import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { createApp } from './app.ts';
import { loadConfigOrExit } from './config.ts';
import { DEMO_PASSWORD, seedDemoData, storeIsEmpty } from './demo/demo-data.ts';
import { createLogger } from './ops/logging.ts';
import { openStorage } from './storage/open-storage.ts';

/** The process: configuration, store, HTTP server, demo data, graceful shutdown. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.logLevel);
  const engine = await openStorage(config, logger);
  let shuttingDown = false;
  const app = await createApp({ config, engine, logger, isShuttingDown: () => shuttingDown });

  if (config.seedDemo && (await storeIsEmpty(app.repo))) {
    const seed = await seedDemoData(app.repo, app.accounts, engine.blobs);
    logger.info(
      { resources: seed.resources },
      'demo data loaded into the empty store (SEED_DEMO=false turns this off)',
    );
    logger.warn(
      { accounts: seed.accounts.map((a) => `${a.email} (${a.kind})`) },
      `!!! DEMO ACCOUNTS with the password "${DEMO_PASSWORD}" were created: for trying the product only; start production stores with SEED_DEMO=false !!!`,
    );
  }

  const server = createServer(app.express);
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ host: config.host, port }, 'listening');
  const base = config.baseUrl;
  console.log(
    `\n  Practitioner console  ${base}/console/\n  Patient portal        ${base}/portal/\n  FHIR R4 API           ${base}/fhir/R4/metadata\n`,
  );

  const closeStores = async (): Promise<void> => {
    await app.close();
    await engine.close();
    logger.info('shut down cleanly');
  };
  const shutdown = (signal: string): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    // Stop accepting; idle keep-alive connections are closed now, busy ones after their response.
    server.close(() => {
      void closeStores().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
    setTimeout(() => {
      logger.error('in-flight requests did not finish in 10 s; closing connections');
      for (const socket of sockets) socket.destroy();
    }, 10_000).unref();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
