/**
 * Serving a resumed stream that another instance writes: the client's GET
 * with `Last-Event-ID` landed here, but the tool runs over there.
 *
 * Teaches: what "the instance died mid-call" looks like from the client's
 * side, and why it must not be silence. Replay and the live tail come from
 * Redis (redis-event-store.ts). If the instance writing the stream stops
 * renewing its owner key, the answer will never come: this instance appends a
 * JSON-RPC error for the request to the stream and ends it, so the client
 * hears "lost" instead of waiting for ever. The work itself is gone; only a
 * durable tool (a job queue, idempotent steps) would survive that.
 * Implements: Streamable HTTP, revision 2025-11-25, "Resumability and
 * Redelivery" (the GET side), across instances.
 * Read next: redis-sessions.ts, which decides when a stream is followed.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#resumability-and-redelivery
 * @module
 */
import type { ServerResponse } from 'node:http';
import { abortWhenClosed } from '../../shared/protocol/cancellation.ts';
import { ErrorCode, errorResponse, type RequestId } from '../../shared/protocol/jsonrpc.ts';
import { openSseResponse, readerCaughtUp, writeSseEvent } from '../../shared/http/sse.ts';
import type { EventId, StreamId } from '../event-store.ts';
import type { RedisEventStore } from './redis-event-store.ts';

/** What a follower needs to know about the stream it serves. */
export interface FollowedStreamOptions {
  /** The stream to serve. */
  streamId: StreamId;
  /** The request the stream answers; `undefined` for a standalone GET stream, which owes no answer. */
  requestId: RequestId | undefined;
  /** Is the instance writing the stream still alive (its owner key not expired)? */
  writerAlive: () => Promise<boolean>;
  /** Aborted when the session ends: the connection closes. */
  sessionEnded: AbortSignal;
  /** How often an idle connection gets a comment line. */
  keepAliveMs: number;
  /**
   * Bytes the connection may leave unread (`maxBufferedBytesPerStream`, its default). The
   * replay and the live tail are stored in Redis, so they go at the reader's pace; a reader
   * that stops has its connection ended by the next keep-alive, and may resume.
   */
  maxBufferedBytes?: number;
}

/**
 * A stream written by another instance, served from Redis on this one.
 *
 * @example
 * ```ts
 * const stream = new FollowedStream(events, { streamId, requestId, writerAlive, sessionEnded, keepAliveMs });
 * await stream.resume(res, lastEventId); // replay, live events, then the response (or an error)
 * ```
 */
export class FollowedStream {
  readonly #events: RedisEventStore;
  readonly #options: FollowedStreamOptions;

  constructor(events: RedisEventStore, options: FollowedStreamOptions) {
    this.#events = events;
    this.#options = options;
  }

  /** Answers a GET with `Last-Event-ID`: replay, then live events until the response. */
  async resume(res: ServerResponse, lastEventId: EventId): Promise<void> {
    const { streamId, requestId, writerAlive, sessionEnded, keepAliveMs, maxBufferedBytes } =
      this.#options;
    // Stop following when the client goes away or the session ends.
    const signal = abortWhenClosed(res, sessionEnded);
    openSseResponse(res, keepAliveMs, maxBufferedBytes);
    const write = async (id: EventId, message: object): Promise<void> => {
      await readerCaughtUp(res);
      writeSseEvent(res, { event: 'message', id, data: JSON.stringify(message) });
    };
    try {
      const outcome = await this.#events.followEventsAfter(lastEventId, write, {
        signal,
        writerAlive,
      });
      if (outcome === 'writer-lost' && requestId !== undefined) {
        const lost = errorResponse(
          requestId,
          ErrorCode.InternalError,
          'The server instance running this request stopped before answering; the work is lost. ' +
            'Send the request again.',
        );
        // Stored first, like every event: a client that resumes again gets the same error, once.
        await write(await this.#events.storeEvent(streamId, lost), lost);
      }
    } catch {
      // Redis went away mid-stream: end the connection; the client resumes once Redis is back.
    } finally {
      res.end();
    }
  }
}
