/**
 * Stage 02 server: MCP's first HTTP transport. `GET /sse` opens a stream that
 * carries every message to the client; `POST /message?sessionId=…` carries
 * every message from it, and is answered `202 Accepted` with no body.
 *
 * Teaches: what a stream gives (progress, any time, as it happens) and what
 * two endpoints cost. The answer to a POST does not come back on the POST: it
 * goes to the stream, which lives in one process's memory. So the stream, the
 * session and the work are tied together: drop the stream and the result is
 * lost; send the POST to another instance and it finds no session.
 * Implements: "HTTP with SSE", revision 2024-11-05 (deprecated since 2025-03-26).
 * The `?sessionId=` query and the `202` are the official SDK's conventions: the
 * spec only says the `endpoint` event carries "a URI" for POSTs.
 * Read next: sessions.ts, then client.ts, then ../docs/02-http-sse.md.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 * @module
 */
import express, { type Request, type Response } from 'express';
import { closeOnSignals, isEntryPoint, portFromEnv } from '../shared/cli.ts';
import { limitRefusal, limitsWith, type Limits } from '../shared/limits.ts';
import { clientAddress } from '../shared/held-counts.ts';
import { handshakeStateBytes } from '../shared/protocol/handshake-state.ts';
import { serveOnLoopback } from '../shared/http/loopback-server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import type { Tool } from '../shared/protocol/tools.ts';
import {
  answerUnexpectedErrors,
  rejectRequest,
  sendJsonRpcError,
  sendLimitRefusal,
} from '../shared/http/errors.ts';
import { bodyText, readJsonBody } from '../shared/http/body.ts';
import { isRequest, parseJsonRpc, type JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import { McpServer } from '../shared/protocol/mcp-server.ts';
import {
  rejectForeignHost,
  rejectForeignOrigin,
  type HostPolicy,
  type OriginPolicy,
} from '../shared/http/origin.ts';
import { SessionTable, type SseSession } from './sessions.ts';

/** Where stage 02 listens unless `PORT` says otherwise. */
export const DEFAULT_PORT = 3002;

/**
 * How often an idle stream gets a comment line. Proxies and load balancers
 * commonly close connections idle for 60 s (AWS ALB's default); 15 s stays well inside.
 */
export const KEEP_ALIVE_MS = 15_000;

/** Options for {@link createHttpSseServer}. */
export interface HttpSseServerOptions extends OriginPolicy, HostPolicy {
  /** Limits on what a client may make the server hold (see shared/limits.ts); the defaults by default. */
  limits?: Partial<Limits>;
  /** The loopback port to listen on; 0 lets the system pick one, as the tests do. */
  port: number;
  /**
   * How often an idle stream gets an SSE comment, in ms (default {@link KEEP_ALIVE_MS}),
   * so that proxies and balancers do not close it for silence.
   */
  keepAliveMs?: number;
  /** The tools to serve; the course's demo tools by default. */
  tools?: ReadonlyArray<Tool<never>>;
  /** Called with unexpected errors (bugs), never with bad input. Defaults to `console.error`. */
  onError?: (error: unknown) => void;
}

/** A running stage 02 server. */
export interface HttpSseServer {
  /** The SSE endpoint, e.g. `http://127.0.0.1:3002/sse`. */
  url: string;
  /** Sessions (open streams) this process holds. */
  readonly sessions: number;
  /** TCP connections open right now. */
  readonly openSockets: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Ends every session, aborts running tools, closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts stage 02 on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await createHttpSseServer({ port: 0 });
 * console.log(server.url); // http://127.0.0.1:41234/sse
 * ```
 */
export async function createHttpSseServer(options: HttpSseServerOptions): Promise<HttpSseServer> {
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const limits = limitsWith(options.limits);
  const mcp = new McpServer({
    serverInfo: { name: 'mcp-transports-course/02-http-sse', version: '1.0.0' },
    tools: options.tools ?? createDemoTools().tools,
    onError,
    limits,
  });
  const sessions = new SessionTable(limits);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // ── Routes: the whole transport on one screen ──
  const streamOnlyByGet = (_req: Request, res: Response) =>
    rejectRequest(res, 405, 'Method not allowed: open the stream with GET', {
      headers: { Allow: 'GET' },
    });
  app.use(rejectForeignHost(options), rejectForeignOrigin(options));
  // Before GET: express answers HEAD with the GET route, which would open a session for nothing.
  app.head('/sse', streamOnlyByGet);
  app.get('/sse', (req: Request, res: Response) => handleGet(req, res, sessions, keepAliveMs));
  app.post(
    '/message',
    requireSession(sessions),
    readJsonBody(limits),
    (req: Request, res: Response) => handlePost(req, res, mcp, limits, onError),
  );
  app.all('/sse', streamOnlyByGet);
  app.all('/message', (_req: Request, res: Response) =>
    rejectRequest(res, 405, 'Method not allowed: send messages with POST', {
      headers: { Allow: 'POST' },
    }),
  );
  app.use((_req: Request, res: Response) =>
    rejectRequest(res, 404, 'Not found: open the stream at /sse'),
  );
  app.use(answerUnexpectedErrors(onError));

  const server = await serveOnLoopback(app, options.port);
  const { connections, port } = server;

  return {
    url: `http://127.0.0.1:${port}/sse`,
    get sessions() {
      return sessions.size;
    },
    get openSockets() {
      return connections.open;
    },
    get connections() {
      return connections.accepted;
    },
    async close() {
      sessions.endAll('server closing');
      await server.close();
    },
  };
}

/**
 * GET /sse: open the stream, create the session, tell the client where to POST;
 * or, when the client or the server holds as many streams as its limits allow,
 * refuse with the limit's status (429 for the client's share, 503 for the
 * server's), before any session exists.
 */
function handleGet(req: Request, res: Response, sessions: SessionTable, keepAliveMs: number): void {
  // The client is its TCP peer address. Behind a reverse proxy or balancer that is the proxy's
  // address, shared by every client it forwards: there, raise maxStreamsPerClient, or key the
  // count by the client address the proxy reports (X-Forwarded-For), which only a proxy you
  // control can be trusted to set.
  const client = clientAddress(req);
  const opening = sessions.open(res, client, keepAliveMs);
  if (!opening.ok) {
    sendLimitRefusal(res, opening.refusal);
    return;
  }
  const { session } = opening;
  // Relative to the stream's URL, so it stays right behind a proxy or balancer on another host.
  session.sendEndpoint(`/message?sessionId=${encodeURIComponent(session.id)}`);
}

/** Finds the POST's session: 400 without a `sessionId`, 404 for one this process does not hold. */
function requireSession(sessions: SessionTable) {
  return (req: Request, res: Response, next: () => void): void => {
    const { sessionId } = req.query;
    if (typeof sessionId !== 'string' || sessionId === '') {
      rejectRequest(res, 400, 'Bad Request: the sessionId query parameter is required');
      return;
    }
    const session = sessions.get(sessionId);
    if (!session) {
      // Ended, never existed, or (behind a balancer) held by another instance: from here they look the same.
      rejectRequest(res, 404, 'Not Found: no such session on this server');
      return;
    }
    res.locals.session = session;
    next();
  };
}

/**
 * POST /message: accept the message with 202, then let the core answer it on
 * the session's stream. The POST's own response never carries the answer.
 */
function handlePost(
  req: Request,
  res: Response,
  mcp: McpServer,
  limits: Limits,
  onError: (e: unknown) => void,
): void {
  const session = res.locals.session as SseSession;
  // 2024-11-05 has no batches: one message per POST.
  const parsed = parseJsonRpc(bodyText(req), { allowBatch: false, limits });
  if (!parsed.ok) {
    sendJsonRpcError(res, 400, parsed.error);
    return;
  }
  const { message } = parsed;
  // What the session would keep for its whole life is measured before it keeps it.
  if (isRequest(message) && message.method === 'initialize') {
    const { capabilities: clientCapabilities, clientInfo } = message.params ?? {};
    if (handshakeStateBytes({ clientCapabilities, clientInfo }) > limits.maxSessionStateBytes) {
      sendLimitRefusal(res, limitRefusal('maxSessionStateBytes', limits), message.id);
      return;
    }
  }
  res.status(202).end();
  answerOnStream(message, session, mcp).catch(onError);
}

async function answerOnStream(
  message: JsonRpcMessage,
  session: SseSession,
  mcp: McpServer,
): Promise<void> {
  const response = await mcp.handle(message, {
    send: (notification) => session.send(notification),
    // The session's end aborts the request: once the stream is gone, so is every way to deliver its result.
    signal: session.ended,
    era: 'handshake', // stage 02 predates revision 2026-07-28: every message is handshake-era
    handshake: session.handshake,
  });
  if (response) session.send(response);
}

if (isEntryPoint(import.meta.url)) {
  const server = await createHttpSseServer({ port: portFromEnv(DEFAULT_PORT) });
  console.log(`listening on ${server.url}`);
  closeOnSignals(() => server.close());
}
