// What HTTP+SSE gives and the three ways its two-endpoint design breaks, each
// measured. If one of these behaviours changes, its test fails.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../lab/deploy/balancer.ts';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import { startServerProcess } from '../lab/deploy/server-process.ts';
import { SseClientTransport } from './client-transport.ts';
import { runHttpSseClient } from './client.ts';
import { createHttpSseServer, type HttpSseServer } from './server.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';

const clientInfo = { name: 'failures-test', version: '1.0.0' };
let server: HttpSseServer;
const demo = createDemoTools();
beforeAll(async () => {
  server = await createHttpSseServer({ port: 0, tools: demo.tools });
});
afterAll(() => server.close());

describe('progress', () => {
  it('arrives on the stream: 10 notifications for 10 pages, all before the result, the first while the tool still runs', async () => {
    const run = await runHttpSseClient({ url: server.url, pages: 10, delayMs: 50 });
    expect(run.resultText).toMatch(/^Found \d+ issue/);
    expect(run.progress.map((p) => p.progress)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(run.progress.at(-1)!.atMs).toBeLessThanOrEqual(run.elapsedMs);
  });

  it('delivers the first notification while the tool is still searching: read from the tool, not from a clock', async () => {
    const transport = new SseClientTransport(server.url);
    await transport.start();
    const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
    await client.connect();
    const before = { ...demo.stats };
    let pagesAtFirst: number | undefined;
    await client.callTool(
      'search_issues',
      { query: 'stream', pages: 10, delayMs: 20 },
      {
        onprogress: () => {
          pagesAtFirst ??= demo.stats.searchIssuesPages - before.searchIssuesPages;
        },
      },
    );
    // The server and this client share a process: when the first notification arrived, the
    // tool had searched fewer than its 10 pages, so it was pushed while the work went on.
    expect(pagesAtFirst).toBeGreaterThanOrEqual(1);
    expect(pagesAtFirst).toBeLessThan(10);
    await client.close();
  });
});

describe('a dropped stream', () => {
  it('loses the tool result: the server aborts the tool, and nothing is ever delivered', async () => {
    const before = { ...demo.stats };
    const run = await runHttpSseClient({ url: server.url, pages: 10, delayMs: 30, dropAfter: 2 });
    expect(run.resultText).toBeUndefined();
    expect(run.failure).toMatch(/SSE stream dropped/);
    expect(run.progress).toHaveLength(2);
    await expect.poll(() => demo.stats.searchIssuesAborted).toBe(before.searchIssuesAborted + 1);
    expect(demo.stats.searchIssuesCompleted).toBe(before.searchIssuesCompleted);
  });

  it('cannot be resumed: reconnecting opens a new session, and the old one answers 404', async () => {
    const first = new SseClientTransport(server.url);
    await first.start();
    const oldEndpoint = first.endpoint!;
    first.cutConnections();

    const second = new SseClientTransport(server.url);
    await second.start();
    expect(second.sessionId).not.toBe(first.sessionId);
    await expect
      .poll(async () => {
        const response = await fetch(oldEndpoint, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
        return response.status;
      })
      .toBe(404);
    await second.close();
  });
});

describe('scale-out behind a round-robin balancer', () => {
  let instances: HttpSseServer[];
  let balancer: Balancer | undefined;
  beforeAll(async () => {
    instances = await Promise.all([
      createHttpSseServer({ port: 0 }),
      createHttpSseServer({ port: 0 }),
    ]);
  });
  afterEach(async () => {
    await balancer?.close();
  });
  afterAll(() => Promise.all(instances.map((instance) => instance.close())));
  const origins = () => instances.map((instance) => new URL(instance.url).origin);

  it('fails without sticky sessions: the POST reaches the instance that does not hold the stream (404)', async () => {
    balancer = await startBalancer({ upstreams: origins() });
    const transport = new SseClientTransport(`${balancer.url}/sse`);
    await transport.start(); // GET /sse → instance 0
    const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
    await expect(client.connect()).rejects.toThrow(/HTTP 404: Not Found: no such session/); // POST → instance 1
    expect(balancer.routed).toEqual([1, 1]);
    expect(instances.map((instance) => instance.sessions)).toEqual([1, 0]);
    await client.close();
  });

  it('works with sticky sessions: every request of the session reaches the instance holding its stream', async () => {
    balancer = await startBalancer({ upstreams: origins(), sticky: true });
    const transport = new SseClientTransport(`${balancer.url}/sse`);
    await transport.start();
    const client = new McpClient({ transport, clientInfo, protocolVersion: '2025-11-25' });
    await client.connect();
    const result = await client.callTool('search_issues', {
      query: 'stream',
      pages: 3,
      delayMs: 10,
    });
    expect(result.isError).toBeUndefined();
    // GET, initialize, initialized, tools/call: all four on one instance, none on the other.
    expect([...balancer.routed].sort()).toEqual([0, 4]);
    await client.close();
  });
});

describe('state per client', () => {
  it('every idle client pins a session and a socket on the server until its stream closes', async ({
    annotate,
  }) => {
    const clients = 50;
    const measured = await startServerProcess('02-http-sse/server.ts');
    const transports: SseClientTransport[] = [];
    try {
      const before = await measured.diagnostics();
      for (let i = 0; i < clients; i += 1) {
        const transport = new SseClientTransport(measured.url);
        await transport.start();
        transports.push(transport);
      }
      const during = await measured.diagnostics();
      expect(during.counters).toMatchObject({ sessions: clients, openSockets: clients });

      const heapPerClient = (during.memory.heapUsed - before.memory.heapUsed) / clients;
      const rssPerClient = (during.memory.rss - before.memory.rss) / clients;
      await annotate(
        `${clients} idle clients: ${clients} sessions, ${clients} sockets; ` +
          `heap +${(heapPerClient / 1024).toFixed(1)} KiB and RSS +${(rssPerClient / 1024).toFixed(1)} KiB per client`,
      );

      await Promise.all(transports.map((transport) => transport.close()));
      await expect
        .poll(async () => (await measured.diagnostics()).counters)
        .toMatchObject({
          sessions: 0,
          openSockets: 0,
        });
    } finally {
      await Promise.all(transports.map((transport) => transport.close()));
      await measured.stop();
    }
  });
});
