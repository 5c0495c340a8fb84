/**
 * Server-Sent Events framing: how a server writes events onto a
 * `text/event-stream` response, used by stages 02 and 03.
 *
 * Teaches: the whole wire format is a few `field: value` lines and a blank
 * line. `event` names the event, `data` carries it (one `data:` line per line
 * of text), `id` lets a client resume after it, `retry` tells it how long to
 * wait before reconnecting, and a line starting with `:` is a comment that
 * clients ignore, which makes it a keep-alive for idle streams. And what a
 * stream costs when its reader stops: every write lands in the connection's
 * buffer, so each write first checks that the reader took what was already
 * there, and ends the connection when it did not (`maxBufferedBytesPerStream`).
 * Implements: the WHATWG "Server-sent events" event stream format.
 * Read next: ../../02-http-sse/server.ts, the first stage to stream.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 * @module
 */
import type { ServerResponse } from 'node:http';
import { DEFAULT_LIMITS } from '../limits.ts';

/** One event as it goes on the wire. */
export interface SseEvent {
  /** The event type; clients that get none treat the event as `message`. */
  event?: string;
  /** The payload. An empty string is allowed (a priming event in stage 03 is just an id). */
  data: string;
  /** The event id the client will send back as `Last-Event-ID`. */
  id?: string;
  /** How long (ms) the client should wait before reconnecting. */
  retry?: number;
}

/**
 * The response headers of an event stream. `no-transform` and
 * `X-Accel-Buffering: no` keep proxies (nginx in particular) from buffering
 * or compressing it, which would hold events back until the buffer fills.
 */
export const SSE_HEADERS = {
  /** What makes the body an event stream, and what an MCP client checks to tell it from JSON. */
  'Content-Type': 'text/event-stream',
  /** Every event is fresh, and a proxy must pass it on unchanged (no compression). */
  'Cache-Control': 'no-cache, no-transform',
  /** Keeps the HTTP/1.1 connection open for the stream's whole life. */
  Connection: 'keep-alive',
  /** Turns nginx's response buffering off for this response only. */
  'X-Accel-Buffering': 'no',
} as const;

/**
 * What a write did, for the writer to act on:
 * - `written`: the frame is in the connection's buffer, on its way;
 * - `closed`: the connection had already ended; nothing was written;
 * - `overflowed`: the reader left more than its limit unread, so the
 *   connection was destroyed instead (its `close` event follows); nothing was written.
 */
export type SseWriteOutcome = 'written' | 'closed' | 'overflowed';

/**
 * Each open stream's limit on unread bytes, set by {@link openSseResponse}.
 * Kept beside the response rather than passed to every write, so no writer
 * can forget it: whatever writes to a stream, the bound is checked here.
 */
const bufferLimits = new WeakMap<ServerResponse, number>();

/**
 * Turns an HTTP response into an event stream: status 200 with
 * {@link SSE_HEADERS}, then a comment line every `keepAliveMs` while the
 * connection is open, so proxies and load balancers do not close it as idle
 * (many do after 30 to 60 quiet seconds). The keep-alive stops by itself when
 * the connection closes, whoever closes it.
 *
 * Every later write to the stream ({@link writeSseEvent}, {@link writeSseComment})
 * is bounded by `maxBufferedBytes`: once more than that waits unread in the
 * connection's buffer, the next write destroys the connection instead. The
 * keep-alive is such a write, so a stream whose reader stopped is ended within
 * one keep-alive period even when nothing else is sent.
 *
 * @example
 * ```ts
 * openSseResponse(res, 15_000, limits.maxBufferedBytesPerStream);
 * writeSseEvent(res, { event: 'message', data: JSON.stringify(message) }); // 'written'
 * ```
 */
export function openSseResponse(
  res: ServerResponse,
  keepAliveMs: number,
  maxBufferedBytes: number = DEFAULT_LIMITS.maxBufferedBytesPerStream,
): void {
  bufferLimits.set(res, maxBufferedBytes);
  if (!res.headersSent) {
    res.writeHead(200, SSE_HEADERS);
    // Sent now, not with the first event: a client waiting on a quiet stream (a GET with nothing
    // to replay yet) learns at once that its stream is open.
    res.flushHeaders();
  }
  const keepAlive = setInterval(() => writeSseComment(res), keepAliveMs);
  res.on('close', () => clearInterval(keepAlive));
}

/**
 * Serialises one event.
 *
 * @example
 * ```ts
 * formatSseEvent({ event: 'endpoint', data: '/message?sessionId=abc' });
 * // 'event: endpoint\ndata: /message?sessionId=abc\n\n'
 * ```
 */
export function formatSseEvent({ event, data, id, retry }: SseEvent): string {
  let frame = '';
  if (event !== undefined) frame += `event: ${singleLine(event)}\n`;
  if (id !== undefined) frame += `id: ${singleLine(id)}\n`;
  if (retry !== undefined) frame += `retry: ${Math.max(0, Math.floor(retry))}\n`;
  // A newline inside data would end the field; the format's answer is one data: line per line.
  for (const line of data.split(/\r\n|\r|\n/)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

/**
 * Writes one event to an open event stream, unless its reader left more than
 * the stream's `maxBufferedBytes` unread: then the connection is destroyed
 * instead, and the outcome says so (see {@link openSseResponse}).
 *
 * @example
 * ```ts
 * if (writeSseEvent(res, { event: 'message', data }) === 'overflowed') session.end('reader stopped');
 * ```
 */
export function writeSseEvent(res: ServerResponse, event: SseEvent): SseWriteOutcome {
  return writeFrame(res, formatSseEvent(event));
}

/**
 * Writes a comment line. Clients ignore it; proxies and load balancers see
 * traffic, so they do not close the stream as idle.
 */
export function writeSseComment(res: ServerResponse, text = 'keep-alive'): SseWriteOutcome {
  return writeFrame(res, `: ${singleLine(text)}\n\n`);
}

/**
 * Waits until the stream's reader has taken what was waiting beyond its limit:
 * at once when no more than `maxBufferedBytes` waits unread; otherwise when the
 * connection drains, or closes. For a writer that can wait, because what it
 * writes is already stored (a replay): it writes at the reader's pace instead
 * of being cut for outrunning a reader that keeps up. A live writer never
 * waits, since waiting would only move the growing buffer into its queue;
 * {@link writeSseEvent} bounds it. A reader that stopped never drains, and the
 * next keep-alive, which does not wait, ends its connection.
 */
export async function readerCaughtUp(res: ServerResponse): Promise<void> {
  const limit = bufferLimits.get(res) ?? DEFAULT_LIMITS.maxBufferedBytesPerStream;
  if (res.writableEnded || res.destroyed || res.writableLength <= limit) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * The one place a stream's bytes are written, and its buffer bounded.
 * `writableLength` counts what the response and its socket hold that the
 * kernel has not taken; the kernel takes only what the reader reads (plus
 * its socket buffers). So bytes that stay there mean a reader that stopped,
 * and without a bound it would hold the server's memory for as long as it
 * keeps its socket open. The check is on what was already waiting, before
 * this frame: a single large frame to a reader that keeps up is never cut.
 */
function writeFrame(res: ServerResponse, frame: string): SseWriteOutcome {
  if (res.writableEnded || res.destroyed) return 'closed';
  const limit = bufferLimits.get(res) ?? DEFAULT_LIMITS.maxBufferedBytesPerStream;
  if (res.writableLength > limit) {
    // Destroy, not end: end() would queue behind the bytes the reader is not taking.
    res.destroy();
    return 'overflowed';
  }
  res.write(frame);
  return 'written';
}

function singleLine(value: string): string {
  return value.replace(/[\r\n]/g, ' ');
}
