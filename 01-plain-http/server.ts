/**
 * Stage 01 server: MCP as plain JSON-RPC over HTTP. One POST carries one
 * message; the answer is one JSON body.
 *
 * Teaches: what request/response gives (simple, sessionless, any instance can
 * answer any request) and what it cannot give: the response body is the only
 * way back, and it carries exactly one message, so a running tool has nowhere
 * to send progress. From 2025-03-26 on, such a server is also a valid,
 * progress-less Streamable HTTP server: one that always answers
 * `application/json` and refuses GET with 405.
 * Implements: "Streamable HTTP", revisions 2025-03-26 to 2026-07-28, JSON
 * answers only (a custom transport in 2024-11-05 terms).
 * Read next: ../shared/http/post-rules.ts (the rules every POST passes), client.ts,
 * then ../docs/01-plain-http.md.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#sending-messages-to-the-server
 * @module
 */
import express, { type Request, type Response } from 'express';
import { closeOnSignals, isEntryPoint, portFromEnv } from '../shared/cli.ts';
import { limitsWith, type Limits } from '../shared/limits.ts';
import { abortWhenClosed } from '../shared/protocol/cancellation.ts';
import { serveOnLoopback } from '../shared/http/loopback-server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import type { Tool } from '../shared/protocol/tools.ts';
import {
  answerUnexpectedErrors,
  httpStatusFor,
  rejectRequest,
  sendJsonRpcError,
} from '../shared/http/errors.ts';
import { readJsonBody } from '../shared/http/body.ts';
import { checkPost } from '../shared/http/post-rules.ts';
import { HandshakeState } from '../shared/protocol/handshake-state.ts';
import { isRequest, type JsonRpcResponse } from '../shared/protocol/jsonrpc.ts';
import { McpServer, type MessageContext } from '../shared/protocol/mcp-server.ts';
import {
  rejectForeignHost,
  rejectForeignOrigin,
  type HostPolicy,
  type OriginPolicy,
} from '../shared/http/origin.ts';
import { DEFAULT_HTTP_VERSION } from '../shared/protocol/versions.ts';

/** Where stage 01 listens unless `PORT` says otherwise. */
export const DEFAULT_PORT = 3001;

/** Options for {@link createPlainHttpServer}. */
export interface PlainHttpServerOptions extends OriginPolicy, HostPolicy {
  /** Limits on what a client may make the server hold (see shared/limits.ts); the defaults by default. */
  limits?: Partial<Limits>;
  /** The tools to serve; the course's demo tools by default. */
  tools?: ReadonlyArray<Tool<never>>;
  /** Called with unexpected errors (bugs), never with bad input. Defaults to `console.error`. */
  onError?: (error: unknown) => void;
}

/** A running stage 01 server. */
export interface PlainHttpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`. */
  url: string;
  /** TCP connections accepted so far: what keep-alive saves is visible here. */
  readonly connections: number;
  /** TCP connections open right now. */
  readonly openSockets: number;
  /** Stops accepting, aborts running tools, closes every connection. */
  close(): Promise<void>;
}

/**
 * Starts stage 01 on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await createPlainHttpServer({ port: 0 }); // tests: any free port
 * console.log(server.url); // http://127.0.0.1:41234/mcp
 * await server.close();
 * ```
 */
export async function createPlainHttpServer(
  options: PlainHttpServerOptions & { port: number },
): Promise<PlainHttpServer> {
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  const mcp = new McpServer({
    serverInfo: { name: 'mcp-transports-course/01-plain-http', version: '1.0.0' },
    tools: options.tools ?? createDemoTools().tools,
    onError,
    limits: options.limits,
  });
  // Aborted on close, so tools still running stop instead of holding the process open.
  const shutdown = new AbortController();
  const limits = limitsWith(options.limits);

  const app = express();
  app.disable('x-powered-by');
  // ETags help caches of GET responses; every answer here is to a POST, so they would only cost CPU.
  app.set('etag', false);

  // ── Routes: the whole transport on one screen ──
  app.use(rejectForeignHost(options), rejectForeignOrigin(options));
  app.post('/mcp', readJsonBody(limits), (req: Request, res: Response) =>
    handlePost(req, res, mcp, shutdown.signal, limits),
  );
  app.all('/mcp', (_req: Request, res: Response) => {
    // [spec] The server MUST answer GET with text/event-stream or 405; with no stream to offer, 405.
    rejectRequest(res, 405, 'Method not allowed: this endpoint only takes POST', {
      headers: { Allow: 'POST' },
    });
  });
  app.use((_req: Request, res: Response) =>
    rejectRequest(res, 404, 'Not found: the MCP endpoint is /mcp'),
  );
  app.use(answerUnexpectedErrors(onError));

  const server = await serveOnLoopback(app, options.port);
  const { connections, port } = server;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get connections() {
      return connections.accepted;
    },
    get openSockets() {
      return connections.open;
    },
    async close() {
      shutdown.abort('server closing');
      await server.close();
    },
  };
}

/**
 * POST /mcp: the shared POST rules decide what the request is (or answer it
 * when it breaks one), the core answers it, and the answer goes back as one JSON body.
 */
async function handlePost(
  req: Request,
  res: Response,
  mcp: McpServer,
  shutdown: AbortSignal,
  limits: Limits,
): Promise<void> {
  const post = checkPost(req, mcp, limits);
  if (!post.ok) {
    sendJsonRpcError(res, post.status, post.error);
    return;
  }
  // The response body is the only way back, so a client that hangs up takes
  // the result with it: stop the tool instead of finishing work nobody will read.
  const signal = abortWhenClosed(res, shutdown);
  // Sessionless: a fresh handshake state per POST, so nothing survives between requests.
  const context: MessageContext =
    post.era === 'per-request'
      ? { send: ignoreProgress, signal, era: 'per-request' }
      : {
          send: ignoreProgress,
          signal,
          era: 'handshake',
          // No header: a client older than 2025-06-18, so assume 2025-03-26.
          handshake: new HandshakeState(post.version ?? DEFAULT_HTTP_VERSION),
        };

  if (post.batch) {
    // Entries run concurrently; JSON-RPC lets the answers come back in any order (ids match them up).
    const answers = (
      await Promise.all(
        post.entries.map(async (entry) =>
          entry.ok ? mcp.handle(entry.message, context) : entry.error,
        ),
      )
    ).filter((answer): answer is JsonRpcResponse => answer !== undefined);
    // A batch of notifications and responses is accepted like a single one: 202, no body.
    if (answers.length === 0) res.status(202).end();
    else res.json(answers);
    return;
  }

  const { message } = post;
  const response = await mcp.handle(message, context);
  if (!isRequest(message)) {
    // [spec] "If the input is a JSON-RPC response or notification: the server MUST return 202 Accepted with no body."
    res.status(202).end();
    return;
  }
  if (!response) {
    // Cancelled: the client hung up, or the server is shutting down. Nobody is left to answer.
    res.destroy();
    return;
  }
  res.status(httpStatusFor(response, post.era)).json(response);
}

/**
 * Where progress would go, if there were a way. The core calls this when the
 * client asked for progress; plain HTTP has no channel for it, so it is dropped.
 */
function ignoreProgress(): void {}

if (isEntryPoint(import.meta.url)) {
  const server = await createPlainHttpServer({ port: portFromEnv(DEFAULT_PORT) });
  console.log(`listening on ${server.url}`);
  closeOnSignals(() => server.close());
}
