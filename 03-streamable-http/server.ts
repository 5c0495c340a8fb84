/**
 * Stage 03 server: Streamable HTTP. One endpoint, `/mcp`, for everything:
 * POST carries each client message, GET opens a stream for the server's own
 * messages or resumes a broken one, DELETE ends a session.
 *
 * Teaches: how one endpoint solves stage 02's problems. The answer to a POST
 * comes back on that POST, as plain JSON when it is immediate or as an SSE
 * stream when there is something to say first (progress); every event has an
 * id, so a dropped stream is resumed, not lost; and a stateless mode lets any
 * instance answer any request.
 * Implements: Streamable HTTP in the handshake era, revisions 2025-03-26 to
 * 2025-11-25 (sessions, resumability, 2025-11-25 SSE polling), and beside it
 * revision 2026-07-28 (revision-2026.ts), on the same endpoint.
 * Read next: sessions.ts, event-store.ts and stream.ts; revision-2026.ts;
 * then client.ts; then ../docs/03-streamable-http.md.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#streamable-http
 * @module
 */
import { createServer, type Server } from 'node:http';
import { parseArgs } from 'node:util';
import express, { type Request, type Response } from 'express';
import {
  answerDiagnostics,
  closeOnSignals,
  isEntryPoint,
  listenOnLoopback,
  portFromEnv,
} from '../shared/cli.ts';
import { createDemoTools, type DemoToolStats } from '../shared/demo-tools.ts';
import { rejectRequest, sendJsonRpcError } from '../shared/errors.ts';
import { HandshakeState } from '../shared/handshake-state.ts';
import { bodyText, handleBodyErrors, readJsonBody } from '../shared/http-body.ts';
import {
  ErrorCode,
  errorResponse,
  isRequest,
  parseJsonRpc,
  type CheckedMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../shared/jsonrpc.ts';
import { McpServer, requestMeta } from '../shared/mcp-server.ts';
import {
  rejectForeignHost,
  rejectForeignOrigin,
  type HostPolicy,
  type OriginPolicy,
} from '../shared/origin.ts';
import type { Tool } from '../shared/tools.ts';
import {
  DEFAULT_HTTP_VERSION,
  isHandshakeVersion,
  type HandshakeVersion,
} from '../shared/versions.ts';
import { InMemoryEventStore, type EventStore } from './event-store.ts';
import { InMemorySessionStore, type Session, type SessionStore } from './sessions.ts';
import { handleRevision2026Post, isRevision2026Post } from './revision-2026.ts';
import { ResumableStream, abortWhenClosed, type StreamOptions } from './stream.ts';

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
  port: number;
  /** No sessions: every POST is self-contained, GET and DELETE get 405, streams are not resumable. */
  stateless?: boolean;
  /** SSE polling: close a stream's connection this long after it opened; the client resumes. */
  pollAfterMs?: number;
  retryMs?: number;
  keepAliveMs?: number;
  /** The tools to serve; the course's demo tools by default. */
  tools?: ReadonlyArray<Tool<never>>;
  /** Share these between instances to let any of them serve any session (in one process). */
  sessionStore?: SessionStore;
  eventStore?: EventStore;
  /** Called with unexpected errors (bugs), never with bad input. Defaults to `console.error`. */
  onError?: (error: unknown) => void;
}

/** A running stage 03 server. */
export interface StreamableHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3003/mcp`. */
  url: string;
  /** Sessions open right now (always 0 in stateless mode). */
  readonly sessions: number;
  /** TCP connections open right now. */
  readonly openSockets: number;
  /** The demo tools' counters. */
  stats: DemoToolStats;
  close(): Promise<void>;
}

/** Everything a handler needs, built once per server. */
interface Context {
  mcp: McpServer;
  sessions: SessionStore | undefined;
  eventStore: EventStore;
  options: StreamableHttpServerOptions;
  /** Aborted on close: work still running stops instead of holding the process open. */
  shutdown: AbortSignal;
}

/**
 * Starts stage 03 on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await createStreamableHttpServer({ port: 0 });           // sessions, resumable streams
 * const stateless = await createStreamableHttpServer({ port: 0, stateless: true });
 * ```
 */
export async function createStreamableHttpServer(
  options: StreamableHttpServerOptions,
): Promise<StreamableHttpServer> {
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const demo = createDemoTools();
  const mcp = new McpServer({
    serverInfo: { name: 'mcp-transports-course/03-streamable-http', version: '1.0.0' },
    tools: options.tools ?? demo.tools,
    onError,
  });
  const ownSessions =
    options.stateless || options.sessionStore ? undefined : new InMemorySessionStore();
  const shutdown = new AbortController();
  const context: Context = {
    mcp,
    sessions: options.stateless ? undefined : (options.sessionStore ?? ownSessions),
    eventStore: options.eventStore ?? new InMemoryEventStore(),
    options,
    shutdown: shutdown.signal,
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // ── Routes: the whole transport on one screen ──
  app.use(rejectForeignHost(options), rejectForeignOrigin(options));
  app.post(
    '/mcp',
    requireAccept('application/json', 'text/event-stream'),
    ...readJsonBody,
    (req, res) => handlePost(req, res, context),
  );
  app.get('/mcp', (req, res) => handleGet(req, res, context));
  app.delete('/mcp', (req, res) => handleDelete(req, res, context));
  app.all('/mcp', (_req: Request, res: Response) => {
    rejectRequest(res, 405, 'Method not allowed', { Allow: allowedMethods(context) });
  });
  app.use((_req: Request, res: Response) =>
    rejectRequest(res, 404, 'Not found: the MCP endpoint is /mcp'),
  );
  app.use(handleBodyErrors(onError));

  const server: Server = createServer(app);
  let openSockets = 0;
  server.on('connection', (socket) => {
    openSockets += 1;
    socket.on('close', () => (openSockets -= 1));
  });
  const port = await listenOnLoopback(server, options.port);

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get sessions() {
      return context.sessions?.size ?? 0;
    },
    get openSockets() {
      return openSockets;
    },
    stats: demo.stats,
    async close() {
      shutdown.abort('server closing');
      await ownSessions?.clear('server closing');
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function allowedMethods(context: Context): string {
  return context.sessions ? 'GET, POST, DELETE' : 'POST';
}

// ── POST /mcp ─────────────────────────────────────────────────────────────────

/**
 * POST: one JSON-RPC message (a batch only in 2025-03-26). Notifications and
 * responses get 202; a request gets JSON, or an SSE stream when it asked for progress.
 */
async function handlePost(req: Request, res: Response, context: Context): Promise<void> {
  const parsed = parseJsonRpc(bodyText(req), { allowBatch: true });
  if (!parsed.ok) {
    sendJsonRpcError(res, 400, parsed.error);
    return;
  }
  if (!parsed.batch && isRevision2026Post(req, parsed.message)) {
    // The current revision: no session, no handshake. Mcp-Session-Id is ignored, never minted.
    const { keepAliveMs = KEEP_ALIVE_MS } = context.options;
    await handleRevision2026Post(req, res, parsed.message, {
      mcp: context.mcp,
      shutdown: context.shutdown,
      keepAliveMs,
    });
    return;
  }
  if (!parsed.batch && isRequest(parsed.message) && parsed.message.method === 'initialize') {
    await handleInitialize(res, parsed.message, context);
    return;
  }
  const handshake = await resolveHandshake(req, res, context);
  if (!handshake) return; // rejected: 400 or 404 already sent
  const { state, session } = handshake;

  if (parsed.batch) {
    // [spec 2025-03-26] Batches MUST be accepted; 2025-06-18 removed them.
    if (state.protocolVersion !== '2025-03-26') {
      sendJsonRpcError(
        res,
        400,
        errorResponse(
          null,
          ErrorCode.InvalidRequest,
          'Invalid Request: batches exist only in 2025-03-26',
        ),
      );
      return;
    }
    await answerBatch(res, parsed.entries, state, context);
    return;
  }

  const { message } = parsed;
  if (!isRequest(message)) {
    await context.mcp.handle(message, {
      send: () => {},
      signal: context.shutdown,
      handshake: state,
    });
    // [spec] "If the server accepts the input, the server MUST return HTTP status code 202 Accepted with no body."
    res.status(202).end();
    return;
  }
  if (answersWithStream(message, context.mcp))
    await answerWithStream(req, res, message, state, session, context);
  else await answerWithJson(req, res, message, state, session, context);
}

/** `initialize` opens a session (unless stateless) and names it in `Mcp-Session-Id`. */
async function handleInitialize(
  res: Response,
  request: JsonRpcRequest,
  context: Context,
): Promise<void> {
  const session = context.sessions?.create();
  const state = session?.handshake ?? new HandshakeState();
  const response = await context.mcp.handle(request, {
    send: () => {},
    signal: context.shutdown,
    handshake: state,
  });
  // [spec] "A server using the Streamable HTTP transport MAY assign a session ID at initialization
  // time, by including it in an Mcp-Session-Id header on the HTTP response containing the InitializeResult."
  if (session && response && 'result' in response) res.setHeader('Mcp-Session-Id', session.id);
  else if (session) await context.sessions?.delete(session.id, 'initialize failed');
  res.status(200).json(response);
}

/**
 * Finds the state a request runs under: its session's (stateful), or a fresh
 * one from the version header (stateless). Sends the rejection when there is none.
 */
async function resolveHandshake(
  req: Request,
  res: Response,
  context: Context,
): Promise<{ state: HandshakeState; session: Session | undefined } | undefined> {
  const header = req.get('mcp-protocol-version')?.trim();
  let session: Session | undefined;
  if (context.sessions) {
    session = await findSession(req, res, context.sessions);
    if (!session) return undefined;
  }
  // [spec 2025-06-18+] No header and no session to ask: assume 2025-03-26. A header we do not speak: 400.
  const version: HandshakeVersion | undefined =
    header === undefined
      ? (session?.handshake.protocolVersion ?? DEFAULT_HTTP_VERSION)
      : isHandshakeVersion(header)
        ? header
        : undefined;
  if (
    !version ||
    (session && header !== undefined && header !== session.handshake.protocolVersion)
  ) {
    rejectRequest(
      res,
      400,
      `Bad Request: unsupported or mismatched MCP-Protocol-Version: ${header}`,
    );
    return undefined;
  }
  return { state: session?.handshake ?? new HandshakeState(version), session };
}

/** 400 without `Mcp-Session-Id`, 404 for a session that does not exist (any more). */
async function findSession(
  req: Request,
  res: Response,
  sessions: SessionStore,
): Promise<Session | undefined> {
  const id = req.get('mcp-session-id');
  if (!id) {
    // [spec] "Servers that require a session ID SHOULD respond to requests without an Mcp-Session-Id
    // header (other than initialization) with HTTP 400 Bad Request."
    rejectRequest(res, 400, 'Bad Request: Mcp-Session-Id header is required');
    return undefined;
  }
  const session = sessions.get(id);
  if (!session) {
    // [spec] "The server MUST respond to requests containing that session ID with HTTP 404 Not Found."
    rejectRequest(res, 404, 'Not Found: session not found or ended; initialize again');
    return undefined;
  }
  session.lastActive = Date.now();
  return Promise.resolve(session);
}

/**
 * The server's choice of answer. A stream when there is something to say
 * before the result (the caller asked for progress), or when the tool is slow
 * enough that its answer should survive a dropped connection; JSON otherwise.
 */
function answersWithStream(request: JsonRpcRequest, mcp: McpServer): boolean {
  const token = requestMeta(request)?.progressToken;
  if (typeof token === 'string' || typeof token === 'number') return true;
  const name = request.method === 'tools/call' ? request.params?.name : undefined;
  return typeof name === 'string' && mcp.findTool(name)?.longRunning === true;
}

/**
 * The immediate answer: one JSON body. A client that hangs up does not cancel
 * the request (in the handshake era a disconnect is not a cancellation), but
 * a JSON answer has no event id, so nothing can deliver it later.
 */
async function answerWithJson(
  req: Request,
  res: Response,
  request: JsonRpcRequest,
  state: HandshakeState,
  session: Session | undefined,
  context: Context,
): Promise<void> {
  const response = await context.mcp.handle(request, {
    send: () => {},
    signal: requestSignal(res, session, context),
    handshake: state,
  });
  if (response) res.status(200).json(response);
  else if (!res.writableEnded) res.status(204).end(); // cancelled: "the receiver SHOULD NOT send a response"
}

/**
 * The streamed answer: progress first, then the response, each an SSE event
 * with an id (when the session can resume), on a stream the client can resume
 * after a drop.
 */
async function answerWithStream(
  req: Request,
  res: Response,
  request: JsonRpcRequest,
  state: HandshakeState,
  session: Session | undefined,
  context: Context,
): Promise<void> {
  const stream = new ResumableStream(streamOptions(state, session, context));
  session?.streams.set(stream.id, stream);
  await stream.open(res);
  const response = await context.mcp.handle(request, {
    send: (notification) => void stream.send(notification),
    signal: requestSignal(res, session, context),
    handshake: state,
  });
  if (response) await stream.finish(response);
  else await stream.close(); // cancelled: end the stream without an answer
}

/**
 * The signal a request runs under. With a session, only the session's end or
 * the server's shutdown stops it: a dropped connection can be resumed. Without
 * one (stateless mode) nothing can ever deliver the result once the
 * connection is gone, so the connection's close stops the work too.
 */
function requestSignal(res: Response, session: Session | undefined, context: Context): AbortSignal {
  return session ? context.shutdown : abortWhenClosed(res, context.shutdown);
}

function streamOptions(
  state: HandshakeState,
  session: Session | undefined,
  context: Context,
): StreamOptions {
  const { pollAfterMs, retryMs = RETRY_MS, keepAliveMs = KEEP_ALIVE_MS } = context.options;
  return {
    // Event ids must be unique across the session; without a session there is nothing to resume in.
    eventStore: session ? context.eventStore : undefined,
    priming: state.protocolVersion === '2025-11-25',
    retryMs,
    pollAfterMs,
    keepAliveMs,
    retentionMs: STREAM_RETENTION_MS,
  };
}

/** A 2025-03-26 batch: answered as one JSON array; progress is not streamed for batches. */
async function answerBatch(
  res: Response,
  entries: CheckedMessage[],
  state: HandshakeState,
  context: Context,
): Promise<void> {
  const answers = await Promise.all(
    entries.map(async (entry): Promise<JsonRpcResponse | undefined> => {
      if (!entry.ok) return entry.error;
      const { message } = entry;
      if (isRequest(message) && message.method === 'initialize') {
        // [spec 2025-03-26] "The initialize request MUST NOT be part of a JSON-RPC batch."
        return errorResponse(
          message.id,
          ErrorCode.InvalidRequest,
          'Invalid Request: initialize must not be part of a batch',
        );
      }
      return context.mcp.handle(message, {
        send: () => {},
        signal: context.shutdown,
        handshake: state,
      });
    }),
  );
  const responses = answers.filter((answer): answer is JsonRpcResponse => answer !== undefined);
  if (responses.length === 0) res.status(202).end();
  else res.status(200).json(responses);
}

// ── GET /mcp ──────────────────────────────────────────────────────────────────

/**
 * GET: with `Last-Event-ID`, resume the stream that event belongs to (replay,
 * then live); without, open the session's standalone stream.
 */
async function handleGet(req: Request, res: Response, context: Context): Promise<void> {
  if (!context.sessions || !req.get('mcp-session-id')) {
    // [spec] The server MUST either return text/event-stream or 405. Without a handshake-era
    // session there is no stream to offer: revision 2026-07-28 has no GET at all.
    rejectRequest(res, 405, 'Method not allowed: GET needs a handshake-era session', {
      Allow: 'POST',
    });
    return;
  }
  if (!acceptList(req).includes('text/event-stream')) {
    rejectRequest(res, 406, 'Not Acceptable: Accept must list text/event-stream');
    return;
  }
  const session = await findSession(req, res, context.sessions);
  if (!session) return;

  const lastEventId = req.get('last-event-id');
  if (lastEventId !== undefined) {
    const streamId = await context.eventStore.streamIdOf(lastEventId);
    const stream = streamId === undefined ? undefined : session.streams.get(streamId);
    // [spec] The server MUST NOT replay messages that would have been delivered on a different stream;
    // an id from another session, or one whose events are gone, resumes nothing.
    if (!stream) {
      rejectRequest(
        res,
        400,
        'Bad Request: Last-Event-ID names no stream of this session that can be resumed',
      );
      return;
    }
    await stream.resume(res, lastEventId);
    return;
  }
  // One standalone stream per session; a new GET takes it over (see the chapter for why).
  session.standalone ??= new ResumableStream(streamOptions(session.handshake, session, context));
  session.streams.set(session.standalone.id, session.standalone);
  await session.standalone.open(res);
}

// ── DELETE /mcp ───────────────────────────────────────────────────────────────

/** DELETE: the client is done; end the session and abort its work. */
async function handleDelete(req: Request, res: Response, context: Context): Promise<void> {
  if (!context.sessions || !req.get('mcp-session-id')) {
    // Nothing to delete: no session was named (and revision 2026-07-28 has none).
    rejectRequest(res, 405, 'Method not allowed: DELETE needs a handshake-era session', {
      Allow: 'POST',
    });
    return;
  }
  const session = await findSession(req, res, context.sessions);
  if (!session) return;
  await context.sessions.delete(session.id, 'client sent DELETE');
  res.status(204).end();
}

// ── Helpers ───────────────────────────────────────────────────────────────────

/** The media types the client listed in `Accept`, without parameters. */
function acceptList(req: Request): string[] {
  return (req.get('accept') ?? '')
    .split(',')
    .map((type) => type.split(';')[0]!.trim().toLowerCase());
}

/**
 * 406 unless `Accept` lists every one of these types. [spec] "The client MUST
 * include an Accept header, listing both application/json and
 * text/event-stream"; the 406 is the SDK's answer, the spec names none.
 */
function requireAccept(...types: string[]) {
  return (req: Request, res: Response, next: () => void): void => {
    const accepted = acceptList(req);
    if (types.every((type) => accepted.includes(type))) {
      next();
      return;
    }
    rejectRequest(res, 406, `Not Acceptable: Accept must list ${types.join(' and ')}`);
  };
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({
    options: { stateless: { type: 'boolean', default: false }, 'poll-after': { type: 'string' } },
  });
  const stateless = values.stateless || process.env.STATELESS === '1';
  const pollAfter = values['poll-after'];
  const server = await createStreamableHttpServer({
    port: portFromEnv(DEFAULT_PORT),
    stateless,
    ...(pollAfter === undefined ? {} : { pollAfterMs: Number(pollAfter) }),
  });
  console.log(`listening on ${server.url}`);
  closeOnSignals(() => server.close());
  answerDiagnostics(() => ({ sessions: server.sessions, openSockets: server.openSockets }));
}
