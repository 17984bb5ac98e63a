import express from 'express';
import type { Router } from 'express';
import type { StorageEngine } from '../storage/storage-engine.ts';

/** Liveness (the process answers) and readiness (the store answers) for orchestrators. */
export function healthRouter(engine: StorageEngine, isShuttingDown: () => boolean): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    if (isShuttingDown()) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    try {
      await engine.ping();
      res.json({ status: 'ready', store: engine.name });
    } catch (err) {
      req.log?.warn({ err }, 'store not reachable');
      res.status(503).json({ status: 'store unreachable', store: engine.name });
    }
  });
  return router;
}
