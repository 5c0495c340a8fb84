// Stage 03's streams against a client that keeps its connection open but stops
// reading: the connection is ended once it leaves maxBufferedBytesPerStream
// unread; a resumable stream goes on, so the client can come back for it.
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../shared/cli.ts';
import type { JsonRpcNotification } from '../shared/protocol/jsonrpc.ts';
import { InMemoryEventStore, type EventId } from './event-store.ts';
import { LiveStream } from './live-stream.ts';
import { ResumableStream } from './stream.ts';

const LIMIT = 64 * 1024;
/** Far above the limit plus every socket buffer the kernel may grant a loopback connection. */
const MAX_MESSAGES = 8192;
const big = 'x'.repeat(16 * 1024);
const progress = (n: number): JsonRpcNotification => ({
  jsonrpc: '2.0',
  method: 'notifications/progress',
  params: { progressToken: 't', progress: n, message: big },
});

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server that hands each request's response to the test. */
async function serve(): Promise<{ port: number; next: () => Promise<ServerResponse> }> {
  const waiting: Array<(res: ServerResponse) => void> = [];
  server = createServer((_req, res) => waiting.shift()?.(res));
  const port = await listenOnLoopback(server, 0);
  return { port, next: () => new Promise((resolve) => waiting.push(resolve)) };
}

/** A raw client: sends a GET and collects what it reads until it is paused. */
async function openRaw(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'connect');
  socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
  return { socket, received: () => text };
}

async function readUntil(client: { socket: Socket; received: () => string }, needle: string) {
  while (!client.received().includes(needle)) await once(client.socket, 'data');
}

describe('a resumable stream (stage 03 with sessions) whose reader stops reading', () => {
  it('loses its connection once more than maxBufferedBytes waits unread, keeps storing its events, and replays every one of them, then the answer, on a resume', async () => {
    const { port, next } = await serve();
    const stream = new ResumableStream({
      eventStore: new InMemoryEventStore(),
      priming: true,
      retryMs: 1_000,
      pollAfterMs: undefined,
      keepAliveMs: 60_000,
      retentionMs: 60_000,
      maxBufferedBytes: LIMIT,
    });
    const stalled = await openRaw(port);
    await stream.open(await next());
    await readUntil(stalled, '\n\n'); // the priming event: the id to resume from
    const [, primingId] = /id: (\S+)\n/.exec(stalled.received())!;
    stalled.socket.pause();

    let sent = 0;
    while (stream.connected && sent < MAX_MESSAGES) await stream.send(progress(++sent));

    expect(stream.connected).toBe(false);
    expect(stream.finished).toBe(false); // the connection ended, not the stream
    await stream.send(progress(++sent)); // stored while no connection is attached
    await stream.finish({ jsonrpc: '2.0', id: 7, result: { content: [] } });

    const resumed = fetch(`http://127.0.0.1:${port}/`, {
      headers: { Accept: 'text/event-stream', 'Last-Event-ID': primingId! },
    });
    await stream.resume(await next(), primingId as EventId);
    const body = await (await resumed).text();
    expect(body.match(/"method":"notifications\/progress"/g)).toHaveLength(sent);
    expect(body).toContain('"id":7,"result"');
  });
});

describe('a live stream (sessionless mode, 2026-07-28) whose reader stops reading', () => {
  it('is ended once more than maxBufferedBytes waits unread: its connection closes, which is what stops its request', async () => {
    const { port, next } = await serve();
    const stalled = await openRaw(port);
    const res = await next();
    const stream = new LiveStream(res, 60_000, LIMIT);
    stalled.socket.pause();
    const closedOnServer = once(res, 'close');

    for (let sent = 0; !res.destroyed && sent < MAX_MESSAGES;) {
      stream.send(progress(++sent));
      await new Promise((resolve) => setImmediate(resolve));
    }

    expect(res.destroyed).toBe(true);
    await closedOnServer; // what abortWhenClosed turns into the request's abort
    stream.finish({ jsonrpc: '2.0', id: 7, result: {} }); // nothing to write to, and no throw
  });
});
