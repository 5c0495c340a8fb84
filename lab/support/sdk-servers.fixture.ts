/**
 * Test fixture: servers built with the official SDKs in their handshake-era,
 * stateful shape (McpServer + Streamable HTTP transport + an event store, a
 * session per initialize), serving a `search_issues` that reports progress.
 * Read next: ../../03-streamable-http/interop-sdk-servers.test.ts, its user.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  McpServer as McpServerV2,
  WebStandardStreamableHTTPServerTransport,
  type JSONRPCMessage as JSONRPCMessageV2,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import { listenOnLoopback } from '../../shared/cli.ts';
import { serveFetch } from './fetch-bridge.fixture.ts';

/**
 * A minimal event store for the SDK servers: ids are `<streamId>_<n>` with a
 * counter, so replay order is exact. (SDK v1 ships an example store,
 * `@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js`, but it
 * replays in the order of ids built from `Date.now()` and a random suffix, so
 * two events minted in the same millisecond can be replayed out of order.)
 */
class SequencedEventStore<Message> {
  readonly #events: Array<{ id: string; streamId: string; message: Message }> = [];
  #next = 0;

  storeEvent(streamId: string, message: Message): Promise<string> {
    this.#next += 1;
    const id = `${streamId}_${this.#next}`;
    this.#events.push({ id, streamId, message });
    return Promise.resolve(id);
  }

  getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return Promise.resolve(this.#events.find((event) => event.id === eventId)?.streamId);
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: Message) => Promise<void> },
  ): Promise<string> {
    const at = this.#events.findIndex((event) => event.id === lastEventId);
    const streamId = this.#events[at]?.streamId;
    if (streamId === undefined) return '';
    for (const event of this.#events.slice(at + 1)) {
      if (event.streamId === streamId) await send(event.id, event.message);
    }
    return streamId;
  }
}

/** What the tests read from an SDK server. */
export interface SdkServer {
  url: string;
  /** Open sessions: one SDK transport (and McpServer) each. */
  sessions: Map<string, SdkSession>;
  /** How many times the tool started: a resume must not run it again. */
  starts: number;
  /** When (performance.now()) the tool sent each progress event, and when it returned. */
  progressSentAt: number[];
  finishedAt: number | undefined;
  /** Each GET with Last-Event-ID: a client resuming a stream. */
  resumes: Array<{ at: number; lastEventId: string }>;
  close(): Promise<void>;
}

/** One session's SDK transport, whichever SDK made it. */
export interface SdkSession {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /** The `retry` (ms) the SDK sends with its priming event; without it our client waits 1 s. */
  retryInterval: number | undefined;
  onsessioninitialized: (sessionId: string) => void;
  onclose: () => void;
}

/** The tool both SDK servers serve: `pages` pages of `delayMs`, a progress report after each. */
async function searchIssues(
  state: SdkServer,
  { query, pages, delayMs }: { query: string; pages: number; delayMs: number },
  signal: AbortSignal,
  report: ((progress: number, total: number) => Promise<void>) | undefined,
): Promise<{ content: Array<{ type: 'text'; text: string }> }> {
  state.starts += 1;
  for (let page = 1; page <= pages; page += 1) {
    await sleep(delayMs, undefined, { signal });
    if (report) {
      await report(page, pages);
      state.progressSentAt.push(performance.now());
    }
  }
  state.finishedAt = performance.now();
  return { content: [{ type: 'text', text: `searched ${pages} page(s) for "${query}"` }] };
}

export const progressMessage = (progressToken: string | number, progress: number, total: number) =>
  ({
    method: 'notifications/progress',
    params: { progressToken, progress, total, message: `page ${progress} of ${total}` },
  }) as const;

/** SDK v1: McpServer + the Node StreamableHTTPServerTransport, stateful, with an event store. */
export async function openSdkV1Session(
  state: SdkServer,
  options: SessionOptions,
): Promise<SdkSession> {
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    eventStore: new SequencedEventStore<JSONRPCMessage>(),
    onsessioninitialized: options.onsessioninitialized,
    ...(options.retryInterval === undefined ? {} : { retryInterval: options.retryInterval }),
  });
  transport.onclose = options.onclose;
  const mcp = new McpServerV1({ name: 'sdk-v1-streamable-server', version: '1.0.0' });
  mcp.registerTool(
    'search_issues',
    {
      description: 'Searches page by page, reporting progress after every page.',
      inputSchema: {
        query: z.string(),
        pages: z.number().int().min(1).max(100).default(10),
        delayMs: z.number().int().min(0).max(10_000).default(300),
      },
    },
    (args, extra) => {
      const token = extra._meta?.progressToken;
      // extra.sendNotification is bound to this request: the SDK writes it on the request's SSE stream.
      const report =
        token === undefined
          ? undefined
          : (progress: number, total: number) =>
              extra.sendNotification(progressMessage(token, progress, total));
      return searchIssues(state, args, extra.signal, report);
    },
  );
  mcp.registerTool(
    'echo',
    { description: 'Returns the text.', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  await mcp.connect(transport);
  return {
    handle: (req, res, body) => transport.handleRequest(req, res, body),
    close: () => transport.close(),
  };
}

/** SDK v2: McpServer + the web-standard transport (it has no Node wrapper), stateful, with an event store. */
export async function openSdkV2Session(
  state: SdkServer,
  options: SessionOptions,
): Promise<SdkSession> {
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    eventStore: new SequencedEventStore<JSONRPCMessageV2>(),
    onsessioninitialized: options.onsessioninitialized,
    ...(options.retryInterval === undefined ? {} : { retryInterval: options.retryInterval }),
  });
  transport.onclose = options.onclose;
  const mcp = new McpServerV2({ name: 'sdk-v2-streamable-server', version: '1.0.0' });
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
    (args, ctx) => {
      const token = ctx.mcpReq._meta?.progressToken;
      const report =
        token === undefined
          ? undefined
          : (progress: number, total: number) =>
              ctx.mcpReq.notify(progressMessage(token, progress, total));
      return searchIssues(state, args, ctx.mcpReq.signal, report);
    },
  );
  mcp.registerTool(
    'echo',
    { description: 'Returns the text.', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  await mcp.connect(transport);
  return {
    handle: (req, res, body) =>
      serveFetch(req, res, body, (request) =>
        transport.handleRequest(request, body === undefined ? {} : { parsedBody: body }),
      ),
    close: () => transport.close(),
  };
}

/**
 * An SDK server in its stateful shape, as the SDK examples build it: a session
 * (transport + McpServer) per `initialize`, found again by `Mcp-Session-Id`.
 */
export async function startSdkServer(
  openSession: (state: SdkServer, options: SessionOptions) => Promise<SdkSession>,
  { retryInterval }: { retryInterval?: number } = {},
): Promise<SdkServer> {
  const sessions = new Map<string, SdkSession>();
  const state: SdkServer = {
    url: '',
    sessions,
    starts: 0,
    progressSentAt: [],
    finishedAt: undefined,
    resumes: [],
    close: () => Promise.resolve(),
  };

  const reject = (res: ServerResponse, status: number, message: string): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== '/mcp') {
      reject(res, 404, 'Not found');
      return;
    }
    const lastEventId = req.headers['last-event-id'];
    if (req.method === 'GET' && typeof lastEventId === 'string') {
      state.resumes.push({ at: performance.now(), lastEventId });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    } catch {
      reject(res, 400, 'Parse error');
      return;
    }
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId);
      if (session) await session.handle(req, res, body);
      else reject(res, 404, 'Session not found');
      return;
    }
    // No session: only a POSTed initialize may open one.
    if (req.method !== 'POST' || !isInitializeRequest(body)) {
      reject(res, 400, 'Bad Request: no valid session ID');
      return;
    }
    let id: string | undefined;
    const session = await openSession(state, {
      retryInterval,
      onsessioninitialized: (sessionId) => {
        id = sessionId;
        sessions.set(sessionId, session);
      },
      onclose: () => {
        if (id !== undefined) sessions.delete(id);
      },
    });
    await session.handle(req, res, body);
  };

  const http: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) reject(res, 500, 'Internal error');
      else res.end();
    });
  });
  const port = await listenOnLoopback(http, 0);
  state.url = `http://127.0.0.1:${port}/mcp`;
  state.close = async () => {
    await Promise.all([...sessions.values()].map((session) => session.close()));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return state;
}
