// The official SDK clients against the stage 03 server in the handshake era
// (revision 2025-11-25): the SDK v1 client (@modelcontextprotocol/sdk 1.32) and the
// SDK v2 client (@modelcontextprotocol/client 2.4) initialize, get a session, see
// JSON or an SSE stream as the server chooses, and end the session with DELETE.
// (The SDK v2 client in revision 2026-07-28: interop-2026.test.ts.)
import {
  Client as ClientV2,
  StreamableHTTPClientTransport as StreamableHTTPClientTransportV2,
} from '@modelcontextprotocol/client';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectEveryProgressDespiteSdkRace,
  watchProgress,
} from '../lab/support/sdk-progress-race.fixture.ts';
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

  it('the SDK v1 client initializes on 2025-11-25, gets JSON for tools/list and an SSE stream with every progress event and the result for the call, and its terminateSession() (DELETE) ends the session (spec: shttp-single-endpoint, shttp-post-request-json-or-sse)', async () => {
    const server = await start();
    const client = new Client({ name: 'sdk-v1-streamable', version: '1.0.0' });
    const exchanges: string[] = [];
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      fetch: recordingFetch(exchanges),
    });
    await client.connect(transport);
    // Count what arrives on the wire, below the SDK's protocol layer, and what reaches onerror.
    const progress = watchProgress(client, transport);
    try {
      expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
      expect(transport.protocolVersion).toBe('2025-11-25');
      expect(server.sessions).toBe(1);

      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['echo', 'search_issues']);

      const result = await client.callTool(
        { name: 'search_issues', arguments: SEARCH },
        undefined,
        { onprogress: progress.onprogress },
      );
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ query: 'stream', pagesSearched: 5 });
      // The POST's SSE stream carried all five, each before the result. SDK v1 hands
      // responses over at once but notifications a microtask later, so the last progress,
      // read together with the result, can miss its handler and go to onerror
      // (typescript-sdk issue #2580).
      expectEveryProgressDespiteSdkRace(progress, [1, 2, 3, 4, 5]);

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

  it('the SDK v2 client in its handshake-era mode (versionNegotiation: legacy) initializes on 2025-11-25, gets JSON for tools/list and an SSE stream with the progress and the result for the call, and its terminateSession() (DELETE) ends the session (spec: shttp-single-endpoint, shttp-post-request-json-or-sse)', async () => {
    // v2 picks the era per client: versionNegotiation.mode 'legacy' (also the default) runs the
    // 2025 initialize handshake offering the first pre-2026 entry of supportedProtocolVersions;
    // 'auto' probes with server/discover and { pin: '2026-07-28' } requires revision 2026-07-28.
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
    const progress = watchProgress(client, transport);
    try {
      expect(client.getProtocolEra()).toBe('legacy');
      expect(client.getNegotiatedProtocolVersion()).toBe('2025-11-25');
      expect(transport.sessionId).toMatch(/^[\x21-\x7e]+$/);
      expect(server.sessions).toBe(1);

      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(['echo', 'search_issues']);

      const result = await client.callTool(
        { name: 'search_issues', arguments: SEARCH },
        { onprogress: progress.onprogress },
      );
      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toMatchObject({ query: 'stream', pagesSearched: 5 });
      // SDK v2 also dispatches notifications a microtask after responses: the same race.
      expectEveryProgressDespiteSdkRace(progress, [1, 2, 3, 4, 5]);

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
