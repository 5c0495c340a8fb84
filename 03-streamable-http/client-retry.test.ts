// The client respects the SSE `retry` field: before it resumes a broken
// stream, it waits exactly as long as the server asked. The wait is passed in
// and recorded, so the test proves it without a clock.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import { createDemoTools, searchIssuesArguments } from '../shared/demo/demo-tools.ts';
import { StreamableHttpClientTransport } from './client-transport.ts';
import { createStreamableHttpServer, type StreamableHttpServer } from './server.ts';

const RETRY_MS = 4_321;
let server: StreamableHttpServer;

beforeAll(async () => {
  server = await createStreamableHttpServer({
    port: 0,
    retryMs: RETRY_MS,
    tools: createDemoTools().tools,
  });
});
afterAll(() => server.close());

it('[spec 2025-11-25] waits the retry the server sent before it resumes a cut stream, then completes the call (spec: shttp-client-respect-retry)', async () => {
  const waits: number[] = [];
  const transport = new StreamableHttpClientTransport(
    server.url,
    {},
    {
      wait: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
    },
  );
  const client = new McpClient({
    transport,
    clientInfo: { name: 'retry-test', version: '1.0.0' },
    protocolVersion: '2025-11-25',
  });
  await client.connect();
  let cut = false;
  const result = await client.callTool(
    'search_issues',
    { ...searchIssuesArguments({ pages: 4, delayMs: 5 }) },
    {
      onprogress: ({ progress }) => {
        if (progress === 1 && !cut) {
          cut = true;
          transport.cutConnections();
        }
      },
    },
  );
  expect(result.isError).toBeFalsy();
  expect(waits).toEqual([RETRY_MS]);
  await client.close();
});
