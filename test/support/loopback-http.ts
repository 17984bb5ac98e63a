import { createServer } from 'node:http';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A real HTTP server on a free loopback port, for tests that mount one piece of the app. */
export interface TestHttpServer {
  url: string;
  port: number;
  /** Replaces the request handler (for servers whose handler needs the URL first). */
  setHandler(h: RequestListener): void;
  close(): Promise<void>;
}

/** Listens on a free loopback port; `handler` may be set later (when the URL must be known first). */
export async function startHttp(handler?: RequestListener): Promise<TestHttpServer> {
  let current = handler;
  const server = createServer((req, res) => current?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    setHandler(h) {
      current = h;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
