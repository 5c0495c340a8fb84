// Interop in revision 2026-07-28, both ways, with the official SDK v2
// (@modelcontextprotocol/client and @modelcontextprotocol/server 2.4): the SDK v2
// client, pinned to 2026-07-28 or in 'auto' mode, against the stage 03 server; and
// the stage 03 client against the SDK's own 2026 entry (createMcpHandler). Both ways:
// no initialize, no session, the version on every request; errors to requests the
// stage 03 server understands leave the SDK client modern; and against the SDK
// server, a cut stream is a cancellation and the client re-sends the call.
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectEveryProgressDespiteSdkRace,
  watchProgress,
} from '../lab/support/sdk-progress-race.fixture.ts';
import { runStreamableHttpClient } from './client.ts';
import {
  exchangeLine,
  startSdk2026Server,
  type Sdk2026Server,
} from '../lab/support/sdk-2026-server.fixture.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import type { Tool } from '../shared/protocol/tools.ts';

const SEARCH = { query: 'stream', pages: 5, delayMs: 20 };

/** Every test here ends within this bound, pass or fail. */
const TIMEOUT_MS = 10_000;

/** What a 2026-07-28 client put on one request, and what came back. */
interface SentRequest {
  line: string;
  sessionId: string | null;
  /** `params._meta["io.modelcontextprotocol/protocolVersion"]` of the body. */
  metaVersion: unknown;
}

/** A fetch that logs each exchange, with the session header and the body's `_meta` version. */
function headerRecordingFetch(log: SentRequest[]) {
  return async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    const headers = new Headers(init?.headers);
    const sent =
      typeof init?.body === 'string'
        ? (JSON.parse(init.body) as { method?: string; params?: { _meta?: object } })
        : {};
    log.push({
      line: exchangeLine(
        init?.method ?? 'GET',
        sent.method,
        (name) => headers.get(name),
        response.status,
        response.headers.get('content-type'),
      ),
      sessionId: headers.get('mcp-session-id'),
      metaVersion: (sent.params?._meta as Record<string, unknown> | undefined)?.[
        'io.modelcontextprotocol/protocolVersion'
      ],
    });
    return response;
  };
}

describe('the SDK v2 client in revision 2026-07-28 against the stage 03 server', () => {
  const servers: StreamableHttpServer[] = [];
  // The demo tools' counters, read by the tests; the server carries none.
  const demo = createDemoTools();
  const start = async (): Promise<StreamableHttpServer> => {
    const server = await createStreamableHttpServer({ port: 0, tools: demo.tools });
    servers.push(server);
    return server;
  };
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  it(
    'the SDK v2 client pinned to 2026-07-28 (versionNegotiation: { pin }) connects with server/discover and never initializes, sends the version in _meta and MCP-Protocol-Version, Mcp-Method and Mcp-Name on every request, gets JSON for tools/list and an SSE stream with the progress and the result for the call, and holds no session (spec: r2026-request-json-or-sse)',
    async () => {
      // v2 selects the 2026 era per client, at connect: { pin: '2026-07-28' } probes with
      // server/discover and requires that revision in the answer's supportedVersions (no fallback).
      const server = await start();
      const before = { ...demo.stats };
      const client = new ClientV2(
        { name: 'sdk-v2-2026', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      const sent: SentRequest[] = [];
      const transport = new StreamableHTTPClientTransportV2(new URL(server.url), {
        fetch: headerRecordingFetch(sent),
      });
      await client.connect(transport);
      const progress = watchProgress(client, transport);
      try {
        expect(client.getProtocolEra()).toBe('modern');
        expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
        expect(transport.protocolVersion).toBe('2026-07-28');
        expect(client.getDiscoverResult()?.supportedVersions).toContain('2026-07-28');
        expect(transport.sessionId).toBeUndefined();

        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name)).toEqual(['echo', 'search_issues']);

        const result = await client.callTool(
          { name: 'search_issues', arguments: SEARCH },
          { onprogress: progress.onprogress },
        );
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toMatchObject({ query: 'stream', pagesSearched: 5 });
        // The same race as in the handshake era (typescript-sdk issue #2580): the last
        // progress, read together with the result, can miss its handler.
        expectEveryProgressDespiteSdkRace(progress, [1, 2, 3, 4, 5]);
        expect(demo.stats.searchIssuesStarts - before.searchIssuesStarts).toBe(1);
        expect(demo.stats.searchIssuesCompleted - before.searchIssuesCompleted).toBe(1);
      } finally {
        await client.close();
      }
      // No initialize, no GET stream, no DELETE (closing sent nothing): three self-contained POSTs.
      expect(sent.map(({ line }) => line)).toEqual([
        'POST server/discover [MCP-Protocol-Version: 2026-07-28, Mcp-Method: server/discover] → 200 application/json',
        'POST tools/list [MCP-Protocol-Version: 2026-07-28, Mcp-Method: tools/list] → 200 application/json',
        'POST tools/call [MCP-Protocol-Version: 2026-07-28, Mcp-Method: tools/call, Mcp-Name: search_issues] → 200 text/event-stream',
      ]);
      expect(sent.map(({ metaVersion }) => metaVersion)).toEqual(Array(3).fill('2026-07-28'));
      expect(sent.map(({ sessionId }) => sessionId)).toEqual([null, null, null]);
      expect(server.sessions).toBe(0);
    },
    TIMEOUT_MS,
  );

  it(
    'the SDK v2 client in auto mode (versionNegotiation: auto) probes with server/discover, and the stage 03 server answer selects 2026-07-28: no initialize, no session',
    async () => {
      // 'auto' falls back to initialize unless the probe's answer is definitive modern evidence.
      const server = await start();
      const client = new ClientV2(
        { name: 'sdk-v2-auto', version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const sent: SentRequest[] = [];
      const transport = new StreamableHTTPClientTransportV2(new URL(server.url), {
        fetch: headerRecordingFetch(sent),
      });
      await client.connect(transport);
      try {
        expect(client.getProtocolEra()).toBe('modern');
        expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
        const result = await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
        expect(result.content).toEqual([{ type: 'text', text: 'hello' }]);
      } finally {
        await client.close();
      }
      expect(sent.map(({ line }) => line)).toEqual([
        'POST server/discover [MCP-Protocol-Version: 2026-07-28, Mcp-Method: server/discover] → 200 application/json',
        'POST tools/call [MCP-Protocol-Version: 2026-07-28, Mcp-Method: tools/call, Mcp-Name: echo] → 200 application/json',
      ]);
      expect(sent.map(({ sessionId }) => sessionId)).toEqual([null, null]);
      expect(server.sessions).toBe(0);
    },
    TIMEOUT_MS,
  );
});

describe('the stage 03 server answers the SDK v2 client in auto mode so that it stays modern', () => {
  /** A tool that needs the client's `sampling` capability, which this SDK client does not declare. */
  const needsSampling: Tool<never> = {
    name: 'needs_sampling',
    description: 'Needs the client to declare sampling.',
    inputSchema: { type: 'object' },
    requiredClientCapabilities: { sampling: {} },
    run: () => Promise.resolve({ content: [{ type: 'text', text: 'sampled' }] }),
  };
  let server: StreamableHttpServer;
  afterAll(() => server.close());

  it(
    'an unknown tool, a bad cursor and a missing capability are errors to the call, not a reason to initialize: a 400 only with a modern error (2026-07-28 Backward Compatibility)',
    async () => {
      server = await createStreamableHttpServer({
        port: 0,
        tools: [...createDemoTools().tools, needsSampling],
      });
      const client = new ClientV2(
        { name: 'sdk-v2-auto', version: '1.0.0' },
        { versionNegotiation: { mode: 'auto' } },
      );
      const sent: SentRequest[] = [];
      const transport = new StreamableHTTPClientTransportV2(new URL(server.url), {
        fetch: headerRecordingFetch(sent),
      });
      await client.connect(transport);
      try {
        await expect(client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({
          code: -32602,
        });
        await expect(client.listTools({ cursor: 'page-2' })).rejects.toMatchObject({
          code: -32602,
        });
        await expect(
          client.callTool({ name: 'needs_sampling', arguments: {} }),
        ).rejects.toMatchObject({ code: -32021 });
        const { tools } = await client.listTools();
        expect(tools).toHaveLength(3);
        expect(client.getProtocolEra()).toBe('modern');
      } finally {
        await client.close();
      }
      // No initialize anywhere; the only 400 carries -32021, a recognised modern error.
      expect(sent.map(({ line }) => line.replace(/ \[.*\]/, ''))).toEqual([
        'POST server/discover → 200 application/json',
        'POST tools/call → 200 application/json',
        'POST tools/list → 200 application/json',
        'POST tools/call → 400 application/json',
        'POST tools/list → 200 application/json',
      ]);
      expect(server.sessions).toBe(0);
    },
    TIMEOUT_MS,
  );
});

describe('the stage 03 client against the SDK v2 server in revision 2026-07-28 (@modelcontextprotocol/server 2.4: createMcpHandler, legacy: reject)', () => {
  const servers: Sdk2026Server[] = [];
  const start = async (): Promise<Sdk2026Server> => {
    const server = await startSdk2026Server();
    servers.push(server);
    return server;
  };
  afterAll(() => Promise.all(servers.map((server) => server.close())));

  it(
    'speaks 2026-07-28 with no handshake and no session: server/discover, tools/list as JSON, then the call with every progress event and the result on an SSE stream, each request served by a fresh SDK server instance (spec: r2026-client-message-per-post, r2026-client-uses-post, r2026-client-no-responses, r2026-client-sends-request-metadata, r2026-version-header-on-every-post, r2026-standard-headers-required, r2026-client-reads-json-and-sse)',
    async () => {
      const server = await start();
      const run = await runStreamableHttpClient({
        url: server.url,
        protocolVersion: '2026-07-28',
        ...SEARCH,
      });
      expect(run.failure).toBeUndefined();
      expect(run.protocolVersion).toBe('2026-07-28');
      expect(run.sessionId).toBeUndefined();
      expect(run.tools).toEqual(['search_issues', 'echo']);
      expect(run.progress.map(({ progress, total }) => [progress, total])).toEqual([
        [1, 5],
        [2, 5],
        [3, 5],
        [4, 5],
        [5, 5],
      ]);
      expect(run.resultText).toBe('searched 5 page(s) for "stream"');
      expect(run.resends).toBe(0);
      expect(run.resumes).toEqual([]);

      // On the wire: three self-contained POSTs, the version and method in headers, no session either way.
      expect(server.exchanges.map((exchange) => exchange.line)).toEqual([
        'POST server/discover [MCP-Protocol-Version: 2026-07-28, Mcp-Method: server/discover] → 200 application/json',
        'POST tools/list [MCP-Protocol-Version: 2026-07-28, Mcp-Method: tools/list] → 200 application/json',
        'POST tools/call [MCP-Protocol-Version: 2026-07-28, Mcp-Method: tools/call, Mcp-Name: search_issues] → 200 text/event-stream',
      ]);
      for (const exchange of server.exchanges) {
        expect(exchange.sessionIdSent).toBeUndefined();
        expect(exchange.sessionIdReturned).toBeUndefined();
      }
      // The SDK built a modern instance per request and never needed its legacy path.
      expect(server.instances).toEqual(['modern', 'modern', 'modern']);
      expect(server.runs.map(({ outcome, pages }) => [outcome, pages])).toEqual([['finished', 5]]);
      expect(server.errors).toEqual([]);
    },
    TIMEOUT_MS,
  );

  it(
    'a cut stream is a cancellation: the SDK server aborts the tool when its SSE stream closes, and the stage 03 client re-sends the call as a new request with a new id, which runs the tool again from page 1 (spec: r2026-client-uses-post)',
    async () => {
      const server = await start();
      const run = await runStreamableHttpClient({
        url: server.url,
        protocolVersion: '2026-07-28',
        query: 'stream',
        pages: 8,
        delayMs: 80,
        dropAfter: 2,
      });
      expect(run.failure).toBeUndefined();
      expect(run.protocolVersion).toBe('2026-07-28');
      expect(run.sessionId).toBeUndefined();
      expect(run.resends).toBe(1);
      expect(run.resumes).toEqual([]);
      // Pages 1 and 2 of the first run, then all eight of the second.
      expect(run.progress.map(({ progress }) => progress)).toEqual([1, 2, 1, 2, 3, 4, 5, 6, 7, 8]);
      expect(run.resultText).toBe('searched 8 page(s) for "stream"');

      const calls = server.exchanges.filter((exchange) => exchange.method === 'tools/call');
      expect(calls).toHaveLength(2);
      expect(calls[1]!.id).not.toBe(calls[0]!.id);
      // No GET with Last-Event-ID: there is nothing to resume in 2026-07-28.
      expect(server.exchanges.every((exchange) => exchange.httpMethod === 'POST')).toBe(true);

      // The first run stopped soon after the cut, not at the end: the bridge cancelled the
      // response body when the client hung up, the SDK closed that request's transport and
      // aborted the handler's signal with its own "Connection closed" error.
      await expect.poll(() => server.runs[0]?.outcome).toBe('aborted');
      const [first, second] = server.runs;
      expect(first!.pages).toBeGreaterThanOrEqual(2);
      expect(first!.pages).toBeLessThanOrEqual(3);
      expect(first!.abortReason).toMatch(/Connection closed/);
      expect(second).toMatchObject({ outcome: 'finished', pages: 8 });
      expect(server.runs).toHaveLength(2);
      expect(server.errors).toEqual([]);
    },
    TIMEOUT_MS,
  );
});
