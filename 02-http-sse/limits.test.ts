// What one client can make stage 02 hold: how many streams (each one a
// session), and how much unread data on a stream it stopped reading.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { McpClient } from '../shared/protocol/mcp-client.ts';
import { createDemoTools } from '../shared/demo/demo-tools.ts';
import { firstText, type Tool } from '../shared/protocol/tools.ts';
import type { Limits } from '../shared/limits.ts';
import { SseClientTransport } from './client-transport.ts';
import { createHttpSseServer, type HttpSseServer } from './server.ts';

let server: HttpSseServer | undefined;
const sockets: Socket[] = [];
const streams: AbortController[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const stream of streams.splice(0)) stream.abort();
  await server?.close();
  server = undefined;
});

/** What the flood tool saw: how many messages it sent, and whether the server stopped it. */
const flooded = { sent: 0, aborted: false };
/** Far above the limit plus every socket buffer the kernel may grant a loopback connection. */
const MAX_FLOOD_MESSAGES = 8192;

/** A tool that reports 16 KiB of progress at a time until it is stopped. */
const flood: Tool<Record<string, never>> = {
  name: 'flood',
  description: 'Sends 16 KiB progress messages until its signal aborts.',
  inputSchema: { type: 'object' },
  run: async (_args, { signal, sendProgress }) => {
    const message = 'x'.repeat(16 * 1024);
    for (flooded.sent = 0; !signal.aborted && flooded.sent < MAX_FLOOD_MESSAGES;) {
      sendProgress(++flooded.sent, undefined, message);
      await nextTurn(); // as a real tool's awaits do: the socket flushes what the kernel will take
    }
    flooded.aborted = signal.aborted;
    return { content: [{ type: 'text', text: `sent ${flooded.sent}` }] };
  },
};

async function start(limits: Partial<Limits>): Promise<HttpSseServer> {
  server = await createHttpSseServer({
    port: 0,
    limits,
    tools: [...createDemoTools().tools, flood],
  });
  return server;
}

/** Opens GET /sse with fetch; on 200, reads until the endpoint event says the session exists. */
async function openStream(
  url: string,
): Promise<{ status: number; body: unknown; close: () => void }> {
  const abort = new AbortController();
  streams.push(abort);
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream' },
    signal: abort.signal,
  });
  if (response.status !== 200)
    return { status: response.status, body: await response.json(), close: () => abort.abort() };
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  for (let text = ''; !text.includes('event: endpoint');) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before its endpoint event: ${text}`);
    text += value;
  }
  return { status: 200, body: undefined, close: () => abort.abort() };
}

describe('GET /sse: how many streams one client, and all clients, may hold', () => {
  it('refuses the stream beyond maxStreamsPerClient with 429 naming the limit, creates no session for it, and opens one again once a stream closes', async () => {
    const { url } = await start({ maxStreamsPerClient: 3 });
    const open = [await openStream(url), await openStream(url), await openStream(url)];
    expect(open.map((stream) => stream.status)).toEqual([200, 200, 200]);

    const refused = await openStream(url);
    expect(refused).toMatchObject({
      status: 429,
      body: {
        error: { code: -32600, data: { limit: 'maxStreamsPerClient', value: 3 } },
      },
    });
    expect(server!.sessions).toBe(3);

    open[0]!.close();
    await expect.poll(() => server!.sessions).toBe(2);
    expect((await openStream(url)).status).toBe(200);
  });

  it('refuses a stream beyond maxSessions, the server-wide count, with 503 naming the limit', async () => {
    const { url } = await start({ maxSessions: 2 });
    expect((await openStream(url)).status).toBe(200);
    expect((await openStream(url)).status).toBe(200);
    expect(await openStream(url)).toMatchObject({
      status: 503,
      body: { error: { code: -32600, data: { limit: 'maxSessions', value: 2 } } },
    });
    expect(server!.sessions).toBe(2);
  });
});

/** A raw client on GET /sse: it reads until the `endpoint` event and whatever it is told to wait for. */
async function openRawStream(url: string) {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  sockets.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'connect');
  socket.write(`GET /sse HTTP/1.1\r\nHost: ${target.host}\r\nAccept: text/event-stream\r\n\r\n`);
  const readUntil = async (pattern: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const match = pattern.exec(text);
      if (match) return match;
      await once(socket, 'data');
    }
  };
  const [, endpoint] = await readUntil(/event: endpoint\ndata: (.+)\n/);
  const post = (message: object) =>
    fetch(new URL(endpoint!, url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', ...message }),
    });
  return { socket, readUntil, post };
}

describe('a client that keeps its stream open but stops reading it', () => {
  it('has its connection ended once more than maxBufferedBytesPerStream waits unread: its session ends, its tool is aborted, and another client is still served', async () => {
    const { url } = await start({ maxBufferedBytesPerStream: 64 * 1024 });
    const stalled = await openRawStream(url);
    // 2025-03-26, so that progress carries its message: the bulk that fills the buffer.
    await stalled.post({
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-03-26',
        capabilities: {},
        clientInfo: { name: 't', version: '1' },
      },
    });
    await stalled.readUntil(/"id":1,"result"/);
    stalled.socket.pause(); // from here on it reads nothing, and keeps its socket open

    const accepted = await stalled.post({
      id: 2,
      method: 'tools/call',
      params: { name: 'flood', arguments: {}, _meta: { progressToken: 'p' } },
    });
    expect(accepted.status).toBe(202);

    await expect.poll(() => server!.sessions).toBe(0);
    await expect.poll(() => flooded.aborted).toBe(true);
    expect(flooded.sent).toBeLessThan(MAX_FLOOD_MESSAGES);
    // Reading again, the client gets what was in flight, then the end of its connection.
    const closed = once(stalled.socket, 'close');
    stalled.socket.resume();
    await closed;

    const transport = new SseClientTransport(url);
    await transport.start();
    const client = new McpClient({
      transport,
      clientInfo: { name: 'limits-test', version: '1.0.0' },
      protocolVersion: '2025-11-25',
    });
    await client.connect();
    const echoed = await client.callTool('echo', { text: 'still served' });
    expect(firstText(echoed)).toContain('still served');
    await client.close();
  });
});

describe('POST /message: what initialize makes a session keep', () => {
  it('refuses capabilities and client info over maxSessionStateBytes with 400 naming the limit, before the session keeps them', async () => {
    const { url } = await start({ maxSessionStateBytes: 1024 });
    const transport = new SseClientTransport(url);
    await transport.start();
    const response = await fetch(transport.endpoint!, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2024-11-05',
          capabilities: { experimental: { padding: 'x'.repeat(4096) } },
          clientInfo: { name: 'big', version: '1' },
        },
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      id: 1,
      error: { code: -32602, data: { limit: 'maxSessionStateBytes', value: 1024 } },
    });
    transport.cutConnections();
  });
});
