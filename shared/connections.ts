/**
 * Counting a server's TCP connections: the ones it has accepted, and the ones
 * open right now.
 *
 * Teaches: where two of the course's figures come from. Connections accepted
 * show what keep-alive saves (one connection for many requests, or one per
 * request); connections open show what idle clients pin on the server. Both
 * are counted where connections are made, on the server's `connection` event,
 * not guessed from the number of requests.
 * @module
 */
import type { Server } from 'node:http';

/** Live connection counts of one server. */
export interface ConnectionCount {
  /** Connections accepted since the server started. */
  readonly accepted: number;
  /** Connections open right now. */
  readonly open: number;
}

/**
 * Starts counting a server's connections.
 *
 * @example
 * ```ts
 * const connections = countConnections(server);
 * // … later
 * console.log(connections.accepted, connections.open);
 * ```
 */
export function countConnections(server: Server): ConnectionCount {
  const count = { accepted: 0, open: 0 };
  server.on('connection', (socket) => {
    count.accepted += 1;
    count.open += 1;
    socket.on('close', () => (count.open -= 1));
  });
  return count;
}
