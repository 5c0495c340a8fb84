/**
 * Bench helper, not a server: what every bench server does once it has a
 * request handler. Listen on 127.0.0.1 (PORT, 0 by default), print one
 * `listening on <url>` line, close on SIGINT/SIGTERM, and answer the bench
 * runner's diagnostics over IPC. Also a small node:http → fetch bridge for the
 * SDK v2 servers, whose transports speak web-standard Request/Response.
 * Read next: ../targets.ts, which names every bench server.
 * @module
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { closeOnSignals, portFromEnv } from '../../../shared/cli.ts';
import { answerDiagnostics } from '../../deploy/diagnostics.ts';
import { pipeResponse } from '../../support/fetch-bridge.fixture.ts';
import { serveOnLoopback } from '../../../shared/http/loopback-server.ts';

export interface BenchServerOptions {
  /** The MCP endpoint the server prints: `/mcp`, or `/sse` for the HTTP+SSE transport. */
  path: '/mcp' | '/sse';
  /** Live MCP sessions (0 for a sessionless server). */
  sessions?: () => number;
  /** Ends the server's own state (open sessions) before its connections are closed. */
  close?: () => Promise<void>;
}

/** Serves `handler` until SIGTERM; resolves once the `listening on` line is printed. */
export async function serveBench(
  handler: RequestListener,
  { path, sessions = () => 0, close }: BenchServerOptions,
): Promise<void> {
  const server = await serveOnLoopback(handler, portFromEnv(0));
  console.log(`listening on http://127.0.0.1:${server.port}${path}`);
  closeOnSignals(async () => {
    await close?.();
    await server.close();
  });
  answerDiagnostics(() => ({
    sessions: sessions(),
    openSockets: server.connections.open,
    connections: server.connections.accepted,
  }));
}

/** Reads a request body as bytes. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Serves a fetch-style handler on node:http (what `toNodeHandler` from
 * `@modelcontextprotocol/node` does; that package is not installed here). The
 * body goes to the SDK as raw bytes, so the SDK parses it itself; a JSON answer
 * is written whole, an SSE answer streamed; a client that hangs up aborts the
 * Request's signal and cancels the response body.
 */
export function fetchToNode(
  handle: (request: Request) => Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => void {
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    const response = await handle(
      new Request(new URL(req.url ?? '/', 'http://127.0.0.1'), {
        method,
        headers,
        signal: aborted.signal,
        ...(body?.length ? { body } : {}),
      }),
    );
    const answerHeaders = Object.fromEntries(response.headers);
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) {
      // A JSON answer (or none): written whole, with a Content-Length, as node:http would.
      const bytes = Buffer.from(await response.arrayBuffer());
      res
        .writeHead(response.status, { ...answerHeaders, 'content-length': bytes.length })
        .end(bytes);
      return;
    }
    await pipeResponse(response, res);
  };
  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  };
}
