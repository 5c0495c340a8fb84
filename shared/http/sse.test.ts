// The bound on what a stream's reader may leave unread: a reader that stops is
// cut off by the writes themselves, with no clock deciding when.
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openSseResponse, writeSseComment, writeSseEvent, type SseWriteOutcome } from './sse.ts';

const LIMIT = 64 * 1024;
/** Far above the limit plus every socket buffer the kernel may grant a loopback connection. */
const MAX_WRITTEN = 128 * 1024 * 1024;

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** A server whose every GET becomes an event stream with `LIMIT` bytes of unread buffer, announced by a `ready` event. */
async function startStreams(): Promise<{ port: number; next: () => Promise<ServerResponse> }> {
  const waiting: Array<(res: ServerResponse) => void> = [];
  const opened: ServerResponse[] = [];
  server = createServer((_req, res) => {
    openSseResponse(res, 60_000, LIMIT);
    writeSseEvent(res, { event: 'ready', data: '' });
    const taker = waiting.shift();
    if (taker) taker(res);
    else opened.push(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const next = () =>
    new Promise<ServerResponse>((resolve) => {
      const res = opened.shift();
      if (res) resolve(res);
      else waiting.push(resolve);
    });
  return { port, next };
}

/** Connections the server still holds open. */
function openConnections(): Promise<number> {
  return new Promise((resolve, reject) =>
    server!.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

/** A raw client: sends the GET, reads until the stream's `ready` event, and returns what it read so far. */
async function openRaw(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => (text += chunk));
  await once(socket, 'connect');
  socket.write('GET /sse HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
  while (!text.includes('event: ready')) await once(socket, 'data');
  return { socket, received: () => text };
}

/** Writes 16 KiB events until a write is not `written`, or until far more than any buffer could hold. */
async function flood(res: ServerResponse): Promise<{ outcome: SseWriteOutcome; bytes: number }> {
  const data = 'x'.repeat(16 * 1024);
  for (let bytes = 0; bytes < MAX_WRITTEN; bytes += data.length) {
    const outcome = writeSseEvent(res, { event: 'message', data });
    if (outcome !== 'written') return { outcome, bytes };
    await nextTurn(); // let the socket flush what the kernel will take, as a real tool's awaits do
  }
  return { outcome: 'written', bytes: MAX_WRITTEN };
}

describe('writeSseEvent bounds what a reader leaves unread (maxBufferedBytesPerStream)', () => {
  it('destroys the connection of a client that keeps its socket open but stops reading, and reports it as overflowed', async () => {
    const { port, next } = await startStreams();
    const stalled = await openRaw(port);
    const res = await next();
    stalled.socket.pause(); // the socket stays open; nothing more is read from it
    const closed = once(stalled.socket, 'close');

    const { outcome, bytes } = await flood(res);

    expect(outcome).toBe('overflowed');
    expect(bytes).toBeGreaterThan(LIMIT);
    expect(res.destroyed).toBe(true);
    if (!res.closed) await once(res, 'close');
    expect(await openConnections()).toBe(0); // the server holds nothing for it any more
    expect(writeSseEvent(res, { data: 'late' })).toBe('closed');
    // The client learns it only by reading: what was in flight, then the end of the connection.
    stalled.socket.resume();
    await closed;
  });

  it('keeps serving a client that reads while another one stalls', async () => {
    const { port, next } = await startStreams();
    const stalled = await openRaw(port);
    const stalledRes = await next();
    stalled.socket.pause();
    const reader = await openRaw(port);
    const readerRes = await next();

    expect((await flood(stalledRes)).outcome).toBe('overflowed');
    expect(writeSseEvent(readerRes, { event: 'message', data: 'still here' })).toBe('written');
    while (!reader.received().includes('data: still here')) await once(reader.socket, 'data');
  });

  it('writes one frame larger than the limit to a reader that has nothing waiting: the bound is on what it left unread, not on a frame', async () => {
    const { port, next } = await startStreams();
    const reader = await openRaw(port);
    const res = await next();
    const large = 'y'.repeat(4 * LIMIT);
    expect(writeSseEvent(res, { event: 'message', data: large })).toBe('written');
    while (!reader.received().includes(`data: ${large}\n\n`)) await once(reader.socket, 'data');
  });

  it('bounds comment lines the same way, so the keep-alive alone ends a stalled stream that has nothing else to send', async () => {
    const { port, next } = await startStreams();
    const stalled = await openRaw(port);
    const res = await next();
    stalled.socket.pause();
    const closed = once(stalled.socket, 'close');
    let outcome: SseWriteOutcome = 'written';
    for (let bytes = 0; outcome === 'written' && bytes < MAX_WRITTEN; bytes += 16 * 1024) {
      outcome = writeSseComment(res, 'z'.repeat(16 * 1024));
      await nextTurn();
    }
    expect(outcome).toBe('overflowed');
    if (!res.closed) await once(res, 'close');
    expect(await openConnections()).toBe(0);
    stalled.socket.resume();
    await closed;
  });

  it('reports a write to a stream that already ended as closed, and writes nothing', async () => {
    const { port, next } = await startStreams();
    await openRaw(port);
    const res = await next();
    res.end();
    expect(writeSseEvent(res, { data: 'after the end' })).toBe('closed');
    expect(writeSseComment(res)).toBe('closed');
  });
});
