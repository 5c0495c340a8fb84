// The official SDK's client (@modelcontextprotocol/sdk 1.32, SSEClientTransport)
// against the stage 02 server: the course's server speaks the protocol, not a dialect.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  expectEveryProgressDespiteSdkRace,
  watchProgress,
} from '../lab/support/sdk-progress-race.fixture.ts';
import { createHttpSseServer, type HttpSseServer } from './server.ts';

let server: HttpSseServer;
beforeAll(async () => {
  server = await createHttpSseServer({ port: 0 });
});
afterAll(() => server.close());

it('the SDK v1 SSE client lists the tools, receives every progress notification on its stream, and the result (spec: sse-two-endpoints, sse-endpoint-event)', async () => {
  const client = new Client({ name: 'sdk-v1-sse', version: '1.0.0' });
  const transport = new SSEClientTransport(new URL(server.url));
  await client.connect(transport);
  // Count what arrives on the wire, below the SDK's protocol layer, and what reaches onerror.
  const progress = watchProgress(client, transport);
  try {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(['echo', 'search_issues']);

    const result = await client.callTool(
      { name: 'search_issues', arguments: { query: 'stream', pages: 5, delayMs: 20 } },
      undefined,
      { onprogress: progress.onprogress },
    );
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ query: 'stream', pagesSearched: 5 });
    // The stream carried all five, each before the result. SDK v1 hands responses over
    // at once but notifications a microtask later, so the last progress, read together
    // with the result, can miss its handler and go to onerror (typescript-sdk issue #2580).
    expectEveryProgressDespiteSdkRace(progress, [1, 2, 3, 4, 5]);
  } finally {
    await client.close();
  }
});
