/**
 * A stage's HTTP server: listening on loopback, counting its TCP connections,
 * and closing without waiting for idle keep-alive sockets.
 *
 * Teaches: where two of the course's figures come from. Connections accepted
 * show what keep-alive saves (one connection for many requests, or one per
 * request); connections open show what idle clients pin on the server. Both
 * are counted where connections are made, on the server's `connection` event,
 * not guessed from the number of requests.
 * Read next: body.ts, what every POST goes through first.
 * @module
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { listenOnLoopback } from '../cli.ts';

/** Live connection counts of one server. */
export interface ConnectionCount {
  /** Connections accepted since the server started. */
  readonly accepted: number;
  /** Connections open right now. */
  readonly open: number;
}

/** A listening server. */
export interface LoopbackServer {
  /** The port actually bound (tests ask for 0). */
  port: number;
  /** TCP connections seen by the server, which is how tests check keep-alive and idle clients. */
  connections: ConnectionCount;
  /** Closes every connection, open streams included, and stops listening. */
  close(): Promise<void>;
}

/**
 * Serves `handler` (an express app, for instance) on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await serveOnLoopback(app, 0);
 * console.log(server.port, server.connections.accepted);
 * await server.close();
 * ```
 */
export async function serveOnLoopback(
  handler: RequestListener,
  port: number,
): Promise<LoopbackServer> {
  const server: Server = createServer(handler);
  const connections = { accepted: 0, open: 0 };
  server.on('connection', (socket) => {
    connections.accepted += 1;
    connections.open += 1;
    socket.on('close', () => (connections.open -= 1));
  });
  return {
    port: await listenOnLoopback(server, port),
    connections,
    async close() {
      // An idle keep-alive socket would hold server.close() open for seconds; SSE streams forever.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
