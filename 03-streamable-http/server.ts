/**
 * Stage 03 server: Streamable HTTP. One endpoint, `/mcp`, for everything:
 * POST carries each client message, GET opens a stream for the server's own
 * messages or resumes a broken one, DELETE ends a session.
 *
 * Teaches: how one endpoint solves stage 02's problems. The answer to a POST
 * comes back on that POST, as plain JSON when it is immediate or as an SSE
 * stream when there is something to say first (progress); every event has an
 * id, so a dropped stream is resumed, not lost; and a sessionless mode lets any
 * instance answer any request.
 * Implements: Streamable HTTP in the handshake era, revisions 2025-03-26 to
 * 2025-11-25 (sessions, resumability, 2025-11-25 SSE polling), and beside it
 * revision 2026-07-28 (revision-2026.ts), on the same endpoint.
 * Read next: ../shared/http/post-rules.ts (what every POST is checked for);
 * handshake-era.ts (with sessions.ts, event-store.ts, stream.ts)
 * and revision-2026.ts, the two eras; then client.ts; then ../docs/03-streamable-http.md.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @module
 */
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import express, { type NextFunction, type Request, type Response } from 'express';
import { closeOnSignals, isEntryPoint, portFromEnv } from '../shared/cli.ts';
import { limitsWith, type Limits } from '../shared/limits.ts';
import { HeldCounts } from '../shared/held-counts.ts';
import { serveOnLoopback } from '../shared/http/loopback-server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import { answerUnexpectedErrors, rejectRequest, sendJsonRpcError } from '../shared/http/errors.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { checkPost } from '../shared/http/post-rules.ts';
import { ErrorCode, errorResponse } from '../shared/protocol/jsonrpc.ts';
import { McpServer } from '../shared/protocol/mcp-server.ts';
import {
  rejectForeignHost,
  rejectForeignOrigin,
  type HostPolicy,
  type OriginPolicy,
} from '../shared/http/origin.ts';
import type { Tool } from '../shared/protocol/tools.ts';
import { InMemoryEventStore, type EventStore } from './event-store.ts';
import {
  handleDelete,
  handleGet,
  handleHandshakePost,
  type HandshakeEraContext,
} from './handshake-era.ts';
import { handleRevision2026Post, type Revision2026Context } from './revision-2026.ts';
import {
  InMemorySessionStore,
  SESSION_IDLE_TIMEOUT_MS,
  StoreUnavailableError,
  type SessionStore,
} from './sessions.ts';

/** Where stage 03 listens unless `PORT` says otherwise. */
export const DEFAULT_PORT = 3003;

/** How long a client waits before resuming a dropped stream (the SSE `retry` field). */
export const RETRY_MS = 1_000;

/** How often an idle SSE connection gets a comment line, so proxies keep it open. */
export const KEEP_ALIVE_MS = 15_000;

/** How long a finished stream's events stay available to a client that comes back late. */
export const STREAM_RETENTION_MS = 5 * 60_000;

/** Options for {@link createStreamableHttpServer}. */
export interface StreamableHttpServerOptions extends OriginPolicy, HostPolicy {
  /** Limits on what a client may make the server hold (see shared/limits.ts); the defaults by default. */
  limits?: Partial<Limits>;
  /** Where to listen on 127.0.0.1; 0 picks a free port. */
  port: number;
  /** No sessions: every POST is self-contained, GET and DELETE get 405, streams are not resumable. */
  sessionless?: boolean;
  /** SSE polling: close a stream's connection this long after it opened; the client resumes. */
  pollAfterMs?: number;
  /** The SSE `retry` (ms) sent before a client should resume (default {@link RETRY_MS}). */
  retryMs?: number;
  /** How often an idle SSE connection gets a comment line (default {@link KEEP_ALIVE_MS}). */
  keepAliveMs?: number;
  /** How long a finished stream's events stay available to a late resume (default 5 minutes). */
  streamRetentionMs?: number;
  /** The tools to serve; the course's demo tools by default. */
  tools?: ReadonlyArray<Tool<never>>;
  /**
   * Where sessions live; in this process's memory by default. A store shared
   * by every instance (scale-out/server.ts passes Redis) lets any instance
   * serve any session. Ignored in sessionless mode, which keeps no sessions.
   */
  sessionStore?: SessionStore;
  /**
   * How long an in-memory session may sit idle (no request, no running tool,
   * no open stream) before it ends and its id gets 404 (default
   * {@link SESSION_IDLE_TIMEOUT_MS}, 30 minutes). A `sessionStore` given as an
   * option keeps its own expiry.
   */
  sessionIdleTimeoutMs?: number;
  /** Where events are kept for a resume, beside `sessionStore`; in memory by default. */
  eventStore?: EventStore;
  /** Called with unexpected errors (bugs), never with bad input. Defaults to `console.error`. */
  onError?: (error: unknown) => void;
}

/** A running stage 03 server. */
export interface StreamableHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3003/mcp`. */
  url: string;
  /** Sessions open right now (always 0 in sessionless mode). */
  readonly sessions: number;
  /** TCP connections open right now. */
  readonly openSockets: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Stops accepting, aborts running work, and ends the sessions it keeps in memory. */
  close(): Promise<void>;
}

/** Everything the handlers need, built once per server: one part per era. */
interface Context {
  handshakeEra: HandshakeEraContext;
  revision2026: Revision2026Context;
}

/**
 * Starts stage 03 on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await createStreamableHttpServer({ port: 0 });           // sessions, resumable streams
 * const sessionless = await createStreamableHttpServer({ port: 0, sessionless: true });
 * ```
 */
export async function createStreamableHttpServer(
  options: StreamableHttpServerOptions,
): Promise<StreamableHttpServer> {
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const mcp = new McpServer({
    serverInfo: { name: 'mcp-transports-course/03-streamable-http', version: '1.0.0' },
    tools: options.tools ?? createDemoTools().tools,
    onError,
    limits: options.limits,
  });
  const shutdown = new AbortController();
  // Every request in flight listens for the shutdown: many listeners are the design, not a leak.
  setMaxListeners(Infinity, shutdown.signal);
  const { retryMs = RETRY_MS, keepAliveMs = KEEP_ALIVE_MS, pollAfterMs } = options;
  const retentionMs = options.streamRetentionMs ?? STREAM_RETENTION_MS;
  const limits = limitsWith(options.limits);
  // Where sessions and events live: nowhere (sessionless), the caller's stores, or this process.
  const ownSessions =
    options.sessionless || options.sessionStore
      ? undefined
      : new InMemorySessionStore(options.sessionIdleTimeoutMs ?? SESSION_IDLE_TIMEOUT_MS);
  const context: Context = {
    handshakeEra: {
      mcp,
      sessions: options.sessionless ? undefined : (options.sessionStore ?? ownSessions),
      eventStore: options.eventStore ?? new InMemoryEventStore(),
      shutdown: shutdown.signal,
      streams: {
        retryMs,
        keepAliveMs,
        pollAfterMs,
        retentionMs,
        maxBufferedBytes: limits.maxBufferedBytesPerStream,
      },
      limits,
      streamCounts: { perSession: new HeldCounts(), perClient: new HeldCounts() },
    },
    revision2026: { mcp, shutdown: shutdown.signal, keepAliveMs, limits },
  };

  // POSTs in flight: on close, each one aborted by the shutdown still sends its answer before the stores go.
  const posts = new Set<Promise<void>>();
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // ── Routes: the whole transport on one screen ──
  const methodNotAllowed = (_req: Request, res: Response) =>
    rejectRequest(res, 405, 'Method not allowed', { headers: { Allow: allowedMethods(context) } });
  app.use(rejectForeignHost(options), rejectForeignOrigin(options));
  // Before GET: express answers HEAD with the GET route, which would take the session's stream over.
  app.head('/mcp', methodNotAllowed);
  app.post('/mcp', readJsonBody(limits), async (req, res) => {
    const handling = handlePost(req, res, context);
    posts.add(handling);
    try {
      await handling;
    } finally {
      posts.delete(handling);
    }
  });
  app.get('/mcp', (req, res) => handleGet(req, res, context.handshakeEra));
  app.delete('/mcp', (req, res) => handleDelete(req, res, context.handshakeEra));
  app.all('/mcp', methodNotAllowed);
  app.use((_req: Request, res: Response) =>
    rejectRequest(res, 404, 'Not found: the MCP endpoint is /mcp'),
  );
  app.use(answerStoreUnavailable);
  app.use(answerUnexpectedErrors(onError));

  const server = await serveOnLoopback(app, options.port);
  const { connections, port } = server;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get sessions() {
      return context.handshakeEra.sessions?.size ?? 0;
    },
    get openSockets() {
      return connections.open;
    },
    get connections() {
      return connections.accepted;
    },
    async close() {
      shutdown.abort('server closing');
      await Promise.allSettled(posts);
      await ownSessions?.clear('server closing');
      await server.close();
    },
  };
}

function allowedMethods(context: Context): string {
  return context.handshakeEra.sessions ? 'GET, POST, DELETE' : 'POST';
}

// ── POST /mcp ─────────────────────────────────────────────────────────────────

/**
 * POST: one JSON-RPC message (a batch only in 2025-03-26). The shared POST
 * rules check it and say which era serves it: the 2026 `_meta` or version
 * header make it per-request; anything else is the handshake's.
 */
async function handlePost(req: Request, res: Response, context: Context): Promise<void> {
  const post = checkPost(req, context.handshakeEra.mcp, context.handshakeEra.limits);
  if (!post.ok) {
    sendJsonRpcError(res, post.status, post.error);
    return;
  }
  if (post.era === 'per-request') {
    // The current revision: no session, no handshake. Mcp-Session-Id is ignored, never minted.
    await handleRevision2026Post(res, post.message, context.revision2026);
    return;
  }
  await handleHandshakePost(req, res, post, context.handshakeEra);
}

// ── Helpers ───────────────────────────────────────────────────────────────────

/**
 * 503 with a JSON-RPC error while a shared session store cannot be reached:
 * the request was not served, and may be sent again shortly.
 */
function answerStoreUnavailable(
  error: unknown,
  _req: Request,
  res: Response,
  next: NextFunction,
): void {
  if (!(error instanceof StoreUnavailableError)) {
    next(error);
    return;
  }
  sendJsonRpcError(res, 503, errorResponse(null, ErrorCode.InternalError, error.message), {
    headers: { 'Retry-After': '1' },
  });
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      sessionless: { type: 'boolean', default: false },
      'poll-after': { type: 'string' },
      'session-idle-timeout': { type: 'string' },
    },
  });
  const sessionless = values.sessionless || process.env.SESSIONLESS === '1';
  const pollAfter = values['poll-after'];
  const idleTimeout = values['session-idle-timeout'];
  const server = await createStreamableHttpServer({
    port: portFromEnv(DEFAULT_PORT),
    sessionless,
    ...(pollAfter === undefined ? {} : { pollAfterMs: Number(pollAfter) }),
    ...(idleTimeout === undefined ? {} : { sessionIdleTimeoutMs: Number(idleTimeout) }),
  });
  console.log(`listening on ${server.url}`);
  closeOnSignals(() => server.close());
}
