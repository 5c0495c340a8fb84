/**
 * A stage's HTTP server: listening on loopback, counting its TCP connections,
 * and closing without waiting for idle keep-alive sockets.
 *
 * Teaches: where two of the course's figures come from. Connections accepted
 * show what keep-alive saves (one connection for many requests, or one per
 * request); connections open show what idle clients pin on the server. Both
 * are counted where connections are made, on the server's `connection` event,
 * not guessed from the number of requests. And one check no route can make:
 * Node keeps a request's first {@link MAX_HEADERS} headers and drops the rest
 * without a word, so an `Origin` placed after them would never be seen; such a
 * request is refused (431) before any route runs.
 * Read next: body.ts, what every POST goes through first.
 * @module
 */
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { listenOnLoopback } from '../cli.ts';
import type { Duplex } from 'node:stream';
import { rejectRequest } from './errors.ts';
import { ErrorCode, errorResponse } from '../protocol/jsonrpc.ts';

/**
 * The headers Node keeps of one request (its `maxHeadersCount`, set here to
 * its own default so that the check below states it). A request that reaches
 * this many may have had more, which Node dropped: it is refused, so it has at
 * most one fewer.
 */
export const MAX_HEADERS = 1000;

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
  // requireHostHeader off: Node would answer a request without Host with a bare 400; the Host
  // check of every stage (origin.ts) refuses it instead, with a JSON-RPC error like any other.
  const server: Server = createServer({ requireHostHeader: false }, (req, res) => {
    // rawHeaders lists names and values in turn; Node stops adding to it, too, past the limit.
    if (req.rawHeaders.length / 2 >= MAX_HEADERS) {
      rejectRequest(
        res,
        431,
        `Request Header Fields Too Large: at most ${MAX_HEADERS - 1} headers; more are not read, so the request cannot be checked`,
      );
      return;
    }
    handler(req, res);
  });
  server.maxHeadersCount = MAX_HEADERS;
  // What Node's HTTP parser refuses before any handler runs (headers over 16 KiB, bytes that
  // are not HTTP) gets the same kind of answer as everything else: a status and a JSON-RPC
  // error body, instead of Node's bare status line.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      answerOnSocket(socket, 431, 'Request Header Fields Too Large', 'the headers are too large');
    } else {
      answerOnSocket(socket, 400, 'Bad Request', 'the request is not valid HTTP');
    }
  });
  // CONNECT asks for a tunnel, which no MCP endpoint offers; without a listener Node just closes.
  // 400 rather than 405: a 405 must list the allowed methods, which depend on the path.
  server.on('connect', (_req, socket: Duplex) =>
    answerOnSocket(socket, 400, 'Bad Request', 'CONNECT opens no tunnel here'),
  );
  // An Expect header other than 100-continue: Node's own answer is a bare 417.
  server.on('checkExpectation', (_req, res: ServerResponse) =>
    rejectRequest(res, 417, 'Expectation Failed: only Expect: 100-continue is understood'),
  );
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

/**
 * Answers on a raw socket, for what Node refuses before any handler runs: a
 * status line and a JSON-RPC error body, then the connection is closed.
 */
function answerOnSocket(socket: Duplex, status: number, reason: string, why: string): void {
  const body = JSON.stringify(errorResponse(null, ErrorCode.InvalidRequest, `${reason}: ${why}`));
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
