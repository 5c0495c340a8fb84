/**
 * An SSE answer that lives exactly as long as its connection: events without
 * ids, nothing stored, nothing to resume.
 *
 * Teaches: what a stream is when nothing can bring it back. Revision
 * 2026-07-28 has no resumption at all, and a server in sessionless mode has no
 * session to resume in, so their SSE answers are only a way to send progress
 * before the result on the POST's own response. If the connection drops, the
 * events and the answer are gone; stream.ts is the stream that survives it.
 * A reader that stops reading has its connection ended, like any other drop
 * (../shared/http/sse.ts), and the request stops with it.
 * Implements: Streamable HTTP, "Sending Messages to the Server" (an SSE answer
 * to a POST), revisions 2025-03-26 to 2026-07-28; in 2026-07-28 "Resumable
 * streams are not supported".
 * Read next: handshake-era.ts (answerWithStream) and revision-2026.ts, which use it.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/transports/streamable-http
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import { openSseResponse, writeSseEvent, type SseWriteOutcome } from '../shared/http/sse.ts';

/**
 * An SSE answer on one connection, with no event ids.
 *
 * @example
 * ```ts
 * const stream = new LiveStream(res, 15_000); // the POST's response becomes the stream
 * stream.send(progress);
 * stream.finish(response);                    // the answer ends it
 * ```
 */
export class LiveStream {
  readonly #res: ServerResponse;

  /**
   * Opens the stream on the POST's response: status 200, SSE headers,
   * keep-alives, and at most `maxBufferedBytes` left unread by its reader
   * (`maxBufferedBytesPerStream` by default).
   */
  constructor(res: ServerResponse, keepAliveMs: number, maxBufferedBytes?: number) {
    this.#res = res;
    openSseResponse(res, keepAliveMs, maxBufferedBytes);
  }

  /**
   * Writes one message, if the connection is still open; nothing is kept for later.
   * @returns the write's outcome: `overflowed` when the reader stopped reading and the
   *   connection was ended, whose `close` then stops the request.
   */
  send(message: JsonRpcMessage): SseWriteOutcome {
    return writeSseEvent(this.#res, { event: 'message', data: JSON.stringify(message) });
  }

  /** Writes the answer and ends the stream: nothing more belongs on it. */
  finish(response: JsonRpcMessage): void {
    this.send(response);
    this.#res.end();
  }

  /** Ends the stream without an answer (the request was cancelled). */
  close(): void {
    this.#res.end();
  }
}
