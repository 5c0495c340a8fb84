// Interop, both ways, in the handshake era (revision 2025-11-25): the official SDK
// clients (v1 @modelcontextprotocol/sdk 1.32 and v2 @modelcontextprotocol/client 2.4)
// against the stage 03 server, and the stage 03 client against stateful servers built
// with each SDK (McpServer + Streamable HTTP transport + an event store).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import {
  McpServer as McpServerV2,
  WebStandardStreamableHTTPServerTransport,
  type JSONRPCMessage as JSONRPCMessageV2,
} from '@modelcontextprotocol/server';
import { afterAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { listenOnLoopback } from '../shared/cli.ts';
import { runStreamableHttpClient } from './client.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

const SEARCH = { query: 'stream', pages: 5, delayMs: 20 };

/** A fetch that logs each exchange as `METHOD jsonrpc-method → status media-type`. */
function recordingFetch(log: string[]) {
  return async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    const sent =
      typeof init?.body === 'string' ? (JSON.parse(init.body) as { method?: string }) : {};
    const type = response.headers.get('content-type')?.split(';')[0] ?? '';
    log.push(
      [init?.method ?? 'GET', sent.method, '→', response.status, type].filter(Boolean).join(' '),
    );
    return response;
  };
}

describe('official SDK clients against the stage 03 server', () => {
  // A server per test, so that each test's session count starts at 0.
  const servers: StreamableHttpServer[] = [];
  const start = async (): Promise<StreamableHttpServer> => {
    const server = await createStreamableHttpServer({ port: 0 });
    servers.push(server);
    return server;
  };
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  it('the SDK v1 client initializes on 2025-11-25, gets JSON for tools/list and an SSE stream with every progress event and the result for the call, and its terminateSession() (DELETE) ends the session', async () => {
    const server = await start();
    const client = new Client({ name: 'sdk-v1-streamable', version: '1.0.0' });
    const exchanges: string[] = [];
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      fetch: recordingFetch(exchanges),
    });
    await client.connect(transport);
    // Count what arrives on the wire, below the SDK's protocol layer.
    const onWire: number[] = [];
    const deliver = transport.onmessage!;
    transport.onmessage = (message) => {
      if ('method' in message && message.method === 'notifications/progress') {
        onWire.push(message.params?.progress as number);
      }
      deliver(message);
    };
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    try {
      expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
      expect(transport.protocolVersion).toBe('2025-11-25');
      expect(server.sessions).toBe(1);

      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['echo', 'search_issues']);

      const seen: number[] = [];
      const result = await client.callTool(
        { name: 'search_issues', arguments: SEARCH },
        undefined,
        { onprogress: ({ progress }) => seen.push(progress) },
      );
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ query: 'stream', pagesSearched: 5 });
      // The POST's SSE stream carried all five, each before the result.
      expect(onWire).toEqual([1, 2, 3, 4, 5]);
      // SDK v1 hands responses over at once but notifications a microtask later, so
      // the last progress, read together with the result, can miss its handler
      // (typescript-sdk issue #2580). Everything before it reaches onprogress.
      expect(seen).toEqual(onWire.slice(0, seen.length));
      expect(seen.length).toBeGreaterThanOrEqual(4);
      // A progress that missed its handler is reported to onerror, and nothing else is.
      expect(errors).toHaveLength(onWire.length - seen.length);
      for (const error of errors) expect(error.message).toMatch(/progress .* unknown token/);

      await transport.terminateSession();
      expect(transport.sessionId).toBeUndefined();
      expect(server.sessions).toBe(0);
      // JSON when there is nothing to say first, SSE for the call that reports progress.
      expect(exchanges.filter((exchange) => !exchange.startsWith('GET'))).toEqual([
        'POST initialize → 200 application/json',
        'POST notifications/initialized → 202',
        'POST tools/list → 200 application/json',
        'POST tools/call → 200 text/event-stream',
        'DELETE → 204',
      ]);
      // The SDK also opened the session's standalone stream, and the server accepted it.
      expect(exchanges).toContain('GET → 200 text/event-stream');
    } finally {
      await client.close();
    }
  });

  it('the SDK v2 client in its handshake-era mode (versionNegotiation: legacy) initializes on 2025-11-25, gets JSON for tools/list and an SSE stream with the progress and the result for the call, and its terminateSession() (DELETE) ends the session', async () => {
    // v2 picks the era per client: versionNegotiation.mode 'legacy' (also the default) runs the
    // 2025 initialize handshake offering the first pre-2026 entry of supportedProtocolVersions;
    // 'auto' probes with server/discover and { pin: '2026-07-28' } requires the stateless revision.
    const server = await start();
    const client = new ClientV2(
      { name: 'sdk-v2-streamable', version: '1.0.0' },
      { versionNegotiation: { mode: 'legacy' }, supportedProtocolVersions: ['2025-11-25'] },
    );
    const exchanges: string[] = [];
    const transport = new StreamableHTTPClientTransportV2(new URL(server.url), {
      fetch: recordingFetch(exchanges),
    });
    await client.connect(transport);
    const onWire: number[] = [];
    const deliver = transport.onmessage!;
    transport.onmessage = (message) => {
      if ('method' in message && message.method === 'notifications/progress') {
        onWire.push(message.params?.progress as number);
      }
      deliver(message);
    };
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    try {
      expect(client.getProtocolEra()).toBe('legacy');
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
      expect(server.sessions).toBe(1);

      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['echo', 'search_issues']);

      const seen: number[] = [];
      const result = await client.callTool(
        { name: 'search_issues', arguments: SEARCH },
        { onprogress: ({ progress }) => seen.push(progress) },
      );
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ query: 'stream', pagesSearched: 5 });
      expect(onWire).toEqual([1, 2, 3, 4, 5]);
      // SDK v2 also dispatches notifications a microtask after responses: the same race.
      expect(seen).toEqual(onWire.slice(0, seen.length));
      expect(seen.length).toBeGreaterThanOrEqual(4);
      expect(errors).toHaveLength(onWire.length - seen.length);
      for (const error of errors) expect(error.message).toMatch(/progress .* unknown token/);

      await transport.terminateSession();
      expect(transport.sessionId).toBeUndefined();
      expect(server.sessions).toBe(0);
      // JSON when there is nothing to say first, SSE for the call that reports progress.
      expect(exchanges.filter((exchange) => !exchange.startsWith('GET'))).toEqual([
        'POST initialize → 200 application/json',
        'POST notifications/initialized → 202',
        'POST tools/list → 200 application/json',
        'POST tools/call → 200 text/event-stream',
        'DELETE → 204',
      ]);
      // The SDK also opened the session's standalone stream, and the server accepted it.
      expect(exchanges).toContain('GET → 200 text/event-stream');
    } finally {
      await client.close();
    }
  });
});

// ── The stage 03 client against servers built with the official SDKs ─────────

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
interface SdkServer {
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
interface SdkSession {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  close(): Promise<void>;
}

interface SessionOptions {
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

const progressMessage = (progressToken: string | number, progress: number, total: number) =>
  ({
    method: 'notifications/progress',
    params: { progressToken, progress, total, message: `page ${progress} of ${total}` },
  }) as const;

/** SDK v1: McpServer + the Node StreamableHTTPServerTransport, stateful, with an event store. */
async function openSdkV1Session(state: SdkServer, options: SessionOptions): Promise<SdkSession> {
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
async function openSdkV2Session(state: SdkServer, options: SessionOptions): Promise<SdkSession> {
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

/** Serves a fetch-style handler on node:http, streaming its body; a client that hangs up cancels it. */
async function serveFetch(
  req: IncomingMessage,
  res: ServerResponse,
  body: unknown,
  handler: (request: Request) => Promise<Response>,
): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
  }
  const response = await handler(
    new Request(new URL(req.url ?? '/', 'http://127.0.0.1'), {
      method: req.method ?? 'GET',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  res.on('close', () => void reader.cancel().catch(() => {}));
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      res.write(chunk.value);
    }
  } finally {
    res.end();
  }
}

/**
 * An SDK server in its stateful shape, as the SDK examples build it: a session
 * (transport + McpServer) per `initialize`, found again by `Mcp-Session-Id`.
 */
async function startSdkServer(
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

/** The same three tests against either SDK's server. */
function describeAgainstSdkServer(
  sdk: string,
  openSession: (state: SdkServer, options: SessionOptions) => Promise<SdkSession>,
): void {
  describe(`the stage 03 client against the ${sdk}`, () => {
    const servers: SdkServer[] = [];
    const start = async (options?: { retryInterval?: number }): Promise<SdkServer> => {
      const server = await startSdkServer(openSession, options);
      servers.push(server);
      return server;
    };
    afterAll(() => Promise.all(servers.map((server) => server.close())));

    it('initializes on 2025-11-25, lists the tools, receives every progress event and the result, and its DELETE ends the SDK session', async () => {
      const server = await start();
      const run = await runStreamableHttpClient({ url: server.url, ...SEARCH });
      expect(run.failure).toBeUndefined();
      expect(run.protocolVersion).toBe('2025-11-25');
      expect(run.sessionId).toMatch(/^[0-9a-f-]{36}$/);
      expect(run.tools).toEqual(['search_issues', 'echo']);
      expect(run.progress.map(({ progress, total }) => [progress, total])).toEqual([
        [1, 5],
        [2, 5],
        [3, 5],
        [4, 5],
        [5, 5],
      ]);
      expect(run.resultText).toBe('searched 5 page(s) for "stream"');
      expect(run.resumes).toEqual([]);
      expect(server.starts).toBe(1);
      expect(server.sessions.size).toBe(0);
    });

    it('resumes after a cut: GET with Last-Event-ID replays the progress sent while disconnected, the rest arrives live, and the tool runs once', async () => {
      // retry: 150 ms in the SDK's priming event; the tool takes 8 × 80 ms, so the client is away
      // while pages 3 and 4 are reported, and back before the result.
      const server = await start({ retryInterval: 150 });
      const run = await runStreamableHttpClient({
        url: server.url,
        query: 'stream',
        pages: 8,
        delayMs: 80,
        dropAfter: 2,
      });
      expect(run.failure).toBeUndefined();
      expect(run.progress.map(({ progress }) => progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(run.resultText).toBe('searched 8 page(s) for "stream"');
      expect(run.resumes).toHaveLength(1);
      expect(server.resumes.map(({ lastEventId }) => lastEventId)).toEqual([
        run.resumes[0]!.lastEventId,
      ]);
      const resumedAt = server.resumes[0]!.at;
      // Sent while no connection was attached: stored by the SDK, replayed on the GET.
      expect(server.progressSentAt.filter((at) => at < resumedAt).length).toBeGreaterThan(2);
      // The result came after the resume: written live to the resumed connection.
      expect(server.finishedAt).toBeGreaterThan(resumedAt);
      expect(server.starts).toBe(1);
      expect(server.sessions.size).toBe(0);
    });

    it('resumes after the tool finished: the result stored while the client was disconnected is replayed on GET with Last-Event-ID', async () => {
      const server = await start({ retryInterval: 200 });
      const run = await runStreamableHttpClient({
        url: server.url,
        query: 'stream',
        pages: 3,
        delayMs: 20,
        dropAfter: 2,
      });
      expect(run.failure).toBeUndefined();
      expect(run.progress.map(({ progress }) => progress)).toEqual([1, 2, 3]);
      expect(run.resultText).toBe('searched 3 page(s) for "stream"');
      expect(run.resumes).toHaveLength(1);
      // The tool had returned before the client came back: only the event store had the result.
      expect(server.finishedAt).toBeLessThan(server.resumes[0]!.at);
      expect(server.starts).toBe(1);
      expect(server.sessions.size).toBe(0);
    });
  });
}

describeAgainstSdkServer(
  'SDK v1 server (@modelcontextprotocol/sdk 1.32: McpServer + StreamableHTTPServerTransport)',
  openSdkV1Session,
);
describeAgainstSdkServer(
  'SDK v2 server (@modelcontextprotocol/server 2.4: McpServer + WebStandardStreamableHTTPServerTransport)',
  openSdkV2Session,
);
