/**
 * Test fixture: a server built with the official SDK v2 (@modelcontextprotocol/server 2.4)
 * serving revision 2026-07-28 the way the SDK intends: createMcpHandler, a fresh
 * McpServer from a factory for every request, no session, no event store.
 * It records every HTTP exchange and every tool run, so a test can see what the
 * SDK really did. A client that hangs up cancels the response body (see
 * fetch-bridge.fixture.ts), which the SDK takes as the exchange closing.
 * Read next: ../../03-streamable-http/interop-2026.test.ts, which uses it.
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer, createMcpHandler } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { listenOnLoopback } from '../../shared/cli.ts';
import { serveFetch } from './fetch-bridge.fixture.ts';
import { progressMessage } from './sdk-servers.fixture.ts';

/** One HTTP exchange: what the client sent, and what the SDK answered. */
export interface Exchange {
  /** See {@link exchangeLine}. */
  line: string;
  httpMethod: string;
  /** The JSON-RPC method and id of the POSTed message. */
  method: string | undefined;
  id: string | number | undefined;
  /** `Mcp-Session-Id` on the request, and on the SDK's answer. */
  sessionIdSent: string | undefined;
  sessionIdReturned: string | undefined;
}

/**
 * One exchange as `METHOD jsonrpc-method [request metadata headers] → status
 * media-type`, e.g. `POST tools/list [MCP-Protocol-Version: 2026-07-28,
 * Mcp-Method: tools/list] → 200 application/json`.
 */
export function exchangeLine(
  httpMethod: string,
  method: string | undefined,
  header: (name: string) => string | null | undefined,
  status: number,
  contentType: string | null,
): string {
  const metadata = ['MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name']
    .filter((name) => header(name) != null)
    .map((name) => `${name}: ${header(name)}`);
  const type = contentType?.split(';')[0];
  return [httpMethod, method, `[${metadata.join(', ')}]`, '→', status, type]
    .filter(Boolean)
    .join(' ');
}

/** One run of `search_issues`: how many pages it searched, and how it ended. */
export interface ToolRun {
  pages: number;
  outcome: 'running' | 'finished' | 'aborted';
  /** The reason of the signal that stopped it (the SDK's own error). */
  abortReason: string | undefined;
}

/** What the tests read from the SDK's 2026-07-28 server. */
export interface Sdk2026Server {
  url: string;
  exchanges: Exchange[];
  /** The era the SDK asked the factory for, once per server instance it built. */
  instances: Array<'legacy' | 'modern'>;
  runs: ToolRun[];
  /** What the SDK reported to `onerror` (rejected requests, out-of-band errors). */
  errors: string[];
  close(): Promise<void>;
}

/**
 * The tool the SDK server serves. It tells a finished run from an aborted one
 * by how its own loop ended, not by an abort listener: the SDK aborts a
 * request's signal whenever its per-request instance closes, after a normal
 * finish too.
 */
function registerTools(mcp: McpServer, runs: ToolRun[]): void {
  mcp.registerTool(
    'search_issues',
    {
      description: 'Searches page by page, reporting progress after every page.',
      inputSchema: z.object({
        query: z.string(),
        pages: z.number().int().min(1).max(100).default(10),
        delayMs: z.number().int().min(0).max(10_000).default(300),
      }),
    },
    async ({ query, pages, delayMs }, ctx) => {
      const run: ToolRun = { pages: 0, outcome: 'running', abortReason: undefined };
      runs.push(run);
      const { signal } = ctx.mcpReq;
      const token = ctx.mcpReq._meta?.progressToken;
      try {
        for (let page = 1; page <= pages; page += 1) {
          await sleep(delayMs, undefined, { signal });
          run.pages = page;
          // On this path notify() writes to the request's own response: it becomes an SSE stream.
          if (token !== undefined) await ctx.mcpReq.notify(progressMessage(token, page, pages));
        }
      } catch (error) {
        if (signal.aborted) {
          run.outcome = 'aborted';
          run.abortReason = String(signal.reason);
        }
        throw error;
      }
      run.outcome = 'finished';
      return { content: [{ type: 'text', text: `searched ${pages} page(s) for "${query}"` }] };
    },
  );
  mcp.registerTool(
    'echo',
    { description: 'Returns the text.', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
}

/**
 * Starts the SDK v2 server on 127.0.0.1 serving 2026-07-28 only: `legacy:
 * 'reject'` answers any handshake-era request (an `initialize` first of all)
 * with an error, so a client that falls back to the handshake fails here.
 */
export async function startSdk2026Server(): Promise<Sdk2026Server> {
  const state: Sdk2026Server = {
    url: '',
    exchanges: [],
    instances: [],
    runs: [],
    errors: [],
    close: () => Promise.resolve(),
  };
  const handler = createMcpHandler(
    ({ era }) => {
      state.instances.push(era);
      const mcp = new McpServer({ name: 'sdk-v2-2026-server', version: '1.0.0' });
      registerTools(mcp, state.runs);
      return mcp;
    },
    { legacy: 'reject', onerror: (error) => state.errors.push(error.message) },
  );

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body: unknown = chunks.length
      ? JSON.parse(Buffer.concat(chunks).toString('utf8'))
      : undefined;
    const message = (typeof body === 'object' && body !== null ? body : {}) as {
      method?: string;
      id?: string | number;
    };
    await serveFetch(req, res, body, async (request) => {
      const response = await handler.fetch(request);
      const httpMethod = req.method ?? 'GET';
      state.exchanges.push({
        line: exchangeLine(
          httpMethod,
          message.method,
          (name) => request.headers.get(name),
          response.status,
          response.headers.get('content-type'),
        ),
        httpMethod,
        method: message.method,
        id: message.id,
        sessionIdSent: request.headers.get('mcp-session-id') ?? undefined,
        sessionIdReturned: response.headers.get('mcp-session-id') ?? undefined,
      });
      return response;
    });
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      state.errors.push(error instanceof Error ? error.message : String(error));
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });
  const port = await listenOnLoopback(http, 0);
  state.url = `http://127.0.0.1:${port}/mcp`;
  state.close = async () => {
    await handler.close();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return state;
}
