import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface Listening {
  server: Server;
  baseUrl: string;
  close(): Promise<void>;
}

/** Listens on an ephemeral loopback port, as the API tests do. */
export async function listen(app: Express): Promise<Listening> {
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    server,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The parsed JSON body of a response. Typed `any` on purpose: tests assert
 * on the shape field by field, and the OpenAPI document is the typed contract.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export async function json(res: Response): Promise<any> {
  return res.json();
}
