// Stage 01 end to end: the stage's own client against the stage's own server, on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import { PlainHttpClientTransport } from './client-transport.ts';
import { runPlainHttpClient } from './client.ts';
import { createPlainHttpServer, type PlainHttpServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';

let server: PlainHttpServer;
// The demo tools, passed in: the test reads their counters, the server carries none.
const demo = createDemoTools();
beforeAll(async () => {
  server = await createPlainHttpServer({ port: 0, tools: demo.tools });
});
afterAll(() => server.close());

const fast = { pages: 5, delayMs: 20 };

describe('the stage 01 client', () => {
  it('initializes, lists the tools and gets the search result, with no progress on the way (spec: shttp-client-post-method, shttp-post-accept-both)', async () => {
    const run = await runPlainHttpClient({ url: server.url, ...fast });
    expect(run.protocolVersion).toBe('2025-11-25');
    expect(run.tools).toEqual(['echo', 'search_issues']);
    expect(run.resultText).toMatch(/^Found \d+ issue\(s\) matching "stream" in 5 page\(s\)/);
    // It asked for progress (a progressToken) like any client; plain HTTP had no way to deliver any.
    expect(run.progressReceived).toBe(0);
  });

  it('with keep-alive, one TCP connection carries every request (spec: shttp-client-new-post-per-message)', async () => {
    const before = server.connections;
    const run = await runPlainHttpClient({ url: server.url, keepAlive: true, ...fast });
    expect(run.requests).toBe(4); // initialize, notifications/initialized, tools/list, tools/call
    expect(run.connections).toBe(1);
    expect(server.connections - before).toBe(1);
  });

  it('without keep-alive, every request opens a TCP connection of its own', async () => {
    const before = server.connections;
    const run = await runPlainHttpClient({ url: server.url, keepAlive: false, ...fast });
    expect(run.connections).toBe(run.requests);
    expect(server.connections - before).toBe(run.requests);
  });

  it('speaks revision 2026-07-28 with no handshake: two requests in all', async () => {
    const run = await runPlainHttpClient({
      url: server.url,
      protocolVersion: '2026-07-28',
      ...fast,
    });
    expect(run.protocolVersion).toBe('2026-07-28');
    expect(run.requests).toBe(2); // tools/list, tools/call
    expect(run.resultText).toMatch(/^Found/);
  });

  it('a client that gives up mid-call takes the result with it, and the server stops the tool', async () => {
    const transport = new PlainHttpClientTransport(server.url);
    const client = new McpClient({
      transport,
      clientInfo: { name: 't', version: '1' },
      protocolVersion: '2025-11-25',
    });
    await client.connect();
    const { searchIssuesAborted } = demo.stats;
    const call = client.callTool(
      'search_issues',
      { query: 'x', pages: 100, delayMs: 20 },
      { timeoutMs: 200 },
    );
    await expect(call).rejects.toThrow('timed out');
    await client.close();
    // The response body was the only way back; with the connection gone, the server aborts the run.
    await expect.poll(() => demo.stats.searchIssuesAborted).toBe(searchIssuesAborted + 1);
  });
});
