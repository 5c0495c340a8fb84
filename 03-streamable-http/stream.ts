/**
 * One SSE stream of stage 03, as the server sees it: a sequence of events that
 * outlives the HTTP connection carrying it.
 *
 * Teaches: the difference between a *stream* and a *connection*. A POST that
 * reports progress is answered with a stream; its connection may drop, or the
 * server may close it on purpose (polling), and the stream goes on: every
 * event is stored with an id first, and a client that comes back with
 * `GET` + `Last-Event-ID` gets the events it missed on a new connection, then
 * the rest live. A disconnect is therefore not a cancellation: the tool keeps
 * running and its result waits in the store.
 * Implements: Streamable HTTP, revision 2025-11-25: "Sending Messages to the
 * Server" (the SSE answer), "Resumability and Redelivery", and SSE polling
 * (priming event, `retry`, closing the connection but not the stream).
 * Read next: live-stream.ts, the stream that cannot be resumed; then
 * handshake-era.ts (answerWithStream, handleGet), where both are used.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#resumability-and-redelivery
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import { openSseResponse, readerCaughtUp, writeSseEvent } from '../shared/http/sse.ts';
import { parseEventId, type EventId, type EventStore, type StreamId } from './event-store.ts';

/** How a stream behaves. */
export interface StreamOptions {
  /** Where events are stored for replay, each under an id unique across the session. */
  eventStore: EventStore;
  /**
   * Send a priming event (an id, no data) first. From 2025-11-25; older
   * clients may choke on an event with empty data, so the server sends it only
   * to sessions on 2025-11-25.
   */
  priming: boolean;
  /** The `retry` (ms) sent with the priming event and before a polling close: how long the client waits before resuming. */
  retryMs: number;
  /**
   * Close the connection (not the stream) this long after it opened, so the client polls; never
   * before the client holds an event id of the stream. Only for 2025-11-25 sessions (handshake-era.ts).
   */
  pollAfterMs: number | undefined;
  /** How often an idle connection gets a comment line. */
  keepAliveMs: number;
  /** How long a finished stream's events stay available for a late resume. */
  retentionMs: number;
  /** Called once when the stream is closed for good, so its owner (the session) can forget it. */
  onClosed?: () => void;
  /**
   * Bytes a connection may leave unread before it is ended (`maxBufferedBytesPerStream`,
   * its default): the connection, not the stream, which goes on storing its
   * events for the client to resume.
   */
  maxBufferedBytes?: number;
}

/**
 * A resumable SSE stream. At most one connection is attached at a time.
 *
 * @example
 * ```ts
 * const stream = new ResumableStream(options);
 * await stream.open(res);            // the POST's response becomes the stream
 * await stream.send(progress);       // stored, then written if a connection is attached
 * await stream.finish(response);     // the answer ends the stream
 * // … later, on GET with Last-Event-ID:
 * await stream.resume(otherRes, lastEventId);
 * ```
 */
export class ResumableStream {
  /** Random, so a stream id never repeats within a session or across them; never contains `/`. */
  readonly id: StreamId = randomUUID();
  readonly #options: StreamOptions;
  #connection: ServerResponse | undefined;
  /** The sequence number of the last event written to the current connection. */
  #lastSequenceSent = -1;
  /** Writes to a connection happen one after another, replay first, so order is kept. */
  #queue: Promise<void> = Promise.resolve();
  #finished = false;
  #closed = false;
  #timers: NodeJS.Timeout[] = [];
  /** The connection whose poll fell due before the client held an event id to resume from. */
  #pollDue: ServerResponse | undefined;
  /** Bytes of the messages stored for this stream: what it costs its session until it is closed. */
  #retainedBytes = 0;

  constructor(options: StreamOptions) {
    this.#options = options;
  }

  /** True once the answer has been sent: nothing more will come on this stream. */
  get finished(): boolean {
    return this.#finished;
  }

  /**
   * Bytes of the events stored for this stream (their messages, serialised),
   * counted against its session's `maxRetainedBytesPerSession` (sessions.ts).
   */
  get retainedBytes(): number {
    return this.#retainedBytes;
  }

  /** True while an HTTP connection is attached. */
  get connected(): boolean {
    return this.#connection !== undefined;
  }

  /** Starts the stream on its first connection (the POST's response, or a GET). */
  async open(res: ServerResponse): Promise<void> {
    this.#attach(res);
    const { priming, retryMs } = this.#options;
    if (priming) {
      // [spec 2025-11-25] "The server SHOULD immediately send an SSE event consisting of an event ID
      // and an empty data field in order to prime the client to reconnect."
      const id = await this.#store(null);
      if (id !== undefined) this.#enqueue(res, () => this.#write(res, id, undefined, retryMs));
    }
    await this.#queue;
  }

  /**
   * Attaches a new connection and replays everything after `lastEventId`, then
   * continues live. If the answer was already sent, the connection ends after the replay.
   */
  async resume(res: ServerResponse, lastEventId: EventId): Promise<void> {
    const { eventStore } = this.#options;
    this.#attach(res);
    this.#lastSequenceSent = parseEventId(lastEventId)?.sequence ?? -1;
    this.#enqueue(res, async () => {
      await eventStore.replayEventsAfter(lastEventId, async (id, message) => {
        // The replay is stored already: it goes at the reader's pace, so a long one is not cut.
        await readerCaughtUp(res);
        this.#write(res, id, JSON.stringify(message));
      });
      if (this.#finished) res.end();
    });
    await this.#queue;
  }

  /** Sends a message on the stream: stored first, then written to the connection, if any. */
  async send(message: JsonRpcMessage): Promise<void> {
    if (this.#closed) return;
    // Serialised once: what is counted against the retention limit is what is written.
    const data = JSON.stringify(message);
    const id = await this.#store(message, Buffer.byteLength(data));
    const res = this.#connection;
    if (res) this.#enqueue(res, () => this.#write(res, id, data));
    await this.#queue;
  }

  /**
   * Sends the answer and ends the stream. [spec] "After the JSON-RPC response
   * has been sent, the server SHOULD terminate the SSE stream."
   */
  async finish(response: JsonRpcMessage): Promise<void> {
    await this.send(response);
    this.#finished = true;
    const res = this.#connection;
    if (res) {
      this.#enqueue(res, () => {
        res.end();
      });
    }
    await this.#queue;
    // Keep the events a while for a client that is about to come back for them, then forget them.
    this.#later(this.#options.retentionMs, () => void this.close());
  }

  /** Ends the stream for good: the connection closes and its events are forgotten. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    this.#connection?.end();
    this.#connection = undefined;
    this.#options.onClosed?.();
    // A store that cannot be reached expires the events by itself (redis-event-store.ts).
    await this.#options.eventStore.deleteStream(this.id).catch(() => {});
  }

  /**
   * Stores an event and returns its id. When the store cannot be reached
   * (a shared store is down), the event still goes out live, without an id:
   * it cannot be replayed, but a client that is connected is not left waiting.
   * @param bytes the message's serialised size, counted against the session's retention.
   */
  async #store(message: JsonRpcMessage | null, bytes = 0): Promise<EventId | undefined> {
    try {
      const id = await this.#options.eventStore.storeEvent(this.id, message);
      this.#retainedBytes += bytes;
      return id;
    } catch {
      return undefined;
    }
  }

  #attach(res: ServerResponse): void {
    // Never one message on two connections: a new connection replaces the old one.
    this.#connection?.end();
    this.#connection = res;
    this.#lastSequenceSent = -1;
    openSseResponse(res, this.#options.keepAliveMs, this.#options.maxBufferedBytes);
    res.on('close', () => {
      // The connection went away; the stream did not. Events keep being stored for a resume.
      if (this.#connection === res) this.#connection = undefined;
    });
    const { pollAfterMs } = this.#options;
    if (pollAfterMs !== undefined) {
      this.#later(pollAfterMs, () => {
        if (this.#connection !== res || this.#finished) return;
        this.#pollDue = res;
        this.#enqueue(res, () => this.#pollIfResumable(res));
      });
    }
  }

  /**
   * Cuts a connection whose poll is due, if the client holds an event id of
   * this stream to resume from; otherwise the cut waits for the next event with an id.
   */
  #pollIfResumable(res: ServerResponse): void {
    // [spec 2025-11-25] "After the server has sent an SSE event with an event ID to the client, the
    // server MAY close the connection"; a resumed connection starts from the client's Last-Event-ID.
    if (this.#pollDue !== res || this.#lastSequenceSent < 0) return;
    this.#pollDue = undefined;
    // [spec 2025-11-25] It SHOULD send `retry` first; the client then waits and polls with Last-Event-ID.
    res.write(`retry: ${this.#options.retryMs}\n\n`);
    res.end();
  }

  #enqueue(res: ServerResponse, job: () => Promise<void> | void): void {
    this.#queue = this.#queue.then(async () => {
      if (!res.writableEnded && !res.destroyed) await job();
    });
  }

  /** Writes one event: a message already serialised as `data`, or (no `data`) a priming event. */
  #write(res: ServerResponse, id: EventId | undefined, data?: string, retry?: number): void {
    const sequence = id === undefined ? undefined : parseEventId(id)?.sequence;
    // Replay and live sends can race for the same event; each is written once, in order.
    if (sequence !== undefined) {
      if (sequence <= this.#lastSequenceSent) return;
      this.#lastSequenceSent = sequence;
    }
    const outcome = writeSseEvent(res, {
      ...(data === undefined ? {} : { event: 'message' }),
      ...(id === undefined ? {} : { id }),
      ...(retry === undefined ? {} : { retry }),
      data: data ?? '',
    });
    if (outcome === 'overflowed') {
      // The reader stopped reading and its connection was ended; the stream was not. Events
      // keep being stored, and the client gets them by resuming from its last event id.
      if (this.#connection === res) this.#connection = undefined;
      return;
    }
    this.#pollIfResumable(res);
  }

  #later(ms: number, run: () => void): void {
    const timer = setTimeout(run, ms);
    timer.unref();
    this.#timers.push(timer);
  }
}
