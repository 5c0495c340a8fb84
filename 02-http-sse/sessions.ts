/**
 * The sessions of stage 02: one per open `GET /sse` stream, held in this
 * process's memory for as long as the stream stays open.
 *
 * Teaches: why HTTP+SSE forces a stateful server. Every message for a client,
 * including the answer to a POST that arrived on another connection, must be
 * written to *that client's* stream, and only the process holding the stream
 * can do it. So each client pins a socket, a response object and a session
 * entry on one instance, and a POST that reaches any other instance finds no
 * session. When the stream closes, the session and its work end with it: the
 * transport has no way to deliver a result later. And since each session
 * pins a socket (a file descriptor) and memory, the table bounds how many one
 * client, and all clients, may open, and a stream whose reader stops reading
 * is ended like any other.
 * Implements: "HTTP with SSE", revision 2024-11-05 (`endpoint` and `message` events).
 * Read next: client.ts, then ../docs/02-http-sse.md.
 * @see https://modelcontextprotocol.io/specification/2024-11-05/basic/transports#http-with-sse
 * @module
 */
import { HeldCounts } from '../shared/held-counts.ts';
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HandshakeState } from '../shared/protocol/handshake-state.ts';
import type { JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';
import { openSseResponse, writeSseEvent } from '../shared/http/sse.ts';
import { limitRefusal, type LimitRefusal, type Limits } from '../shared/limits.ts';

/** One client's session: its stream, its handshake state, its running requests. */
export class SseSession {
  /**
   * Unguessable (122 random bits): the id is the only thing that ties a POST
   * to a stream, so whoever knows it can speak for the client.
   */
  readonly id = randomUUID();
  /** 2024-11-05 until `initialize` negotiates the version the client asks for. */
  readonly handshake = new HandshakeState('2024-11-05');
  readonly #stream: ServerResponse;
  readonly #ended = new AbortController();

  /**
   * Opens the session on its stream: the GET's response becomes an event
   * stream with keep-alives, whose reader may leave at most `maxBufferedBytes` unread.
   */
  constructor(stream: ServerResponse, keepAliveMs: number, maxBufferedBytes: number) {
    this.#stream = stream;
    openSseResponse(stream, keepAliveMs, maxBufferedBytes);
  }

  /** Aborted when the session ends: the signal every request of this session runs under. */
  get ended(): AbortSignal {
    return this.#ended.signal;
  }

  /**
   * Sends a server-to-client message. [spec] "Server messages are sent as SSE
   * `message` events, with the message content encoded as JSON in the event data."
   */
  send(message: JsonRpcMessage): void {
    this.#write('message', JSON.stringify(message));
  }

  /** Sends the `endpoint` event: [spec] "the server MUST send an endpoint event" first. */
  sendEndpoint(postUrl: string): void {
    this.#write('endpoint', postUrl);
  }

  /** Ends the session: stops its work (the results would have nowhere to go) and closes the stream. */
  end(reason: string): void {
    if (this.#ended.signal.aborted) return;
    this.#ended.abort(reason);
    this.handshake.inFlight.abortAll(reason);
    this.#stream.end();
  }

  #write(event: string, data: string): void {
    // The stream is the session: a reader that stopped reading it has, in effect, left.
    if (writeSseEvent(this.#stream, { event, data }) === 'overflowed')
      this.end('the client stopped reading its stream (maxBufferedBytesPerStream)');
  }
}

/** The outcome of opening a session: the session, or the refusal owed for the limit it met. */
export type SessionOpening =
  | {
      /** The session was opened. */
      ok: true;
      /** The new session, already on its stream. */
      session: SseSession;
    }
  | {
      /** Refused: no session was created and the stream was not opened. */
      ok: false;
      /** The status and JSON-RPC error to answer the GET with, naming the limit. */
      refusal: LimitRefusal;
    };

/**
 * The sessions this process holds, by id. A plain in-memory map, and that is
 * the point: it is invisible to every other instance of the server.
 */
export class SessionTable {
  readonly #sessions = new Map<string, SseSession>();
  /** Open sessions per client address. */
  readonly #perClient = new HeldCounts();
  readonly #limits: Limits;

  /** A table that holds no more sessions than `limits` allow. */
  constructor(limits: Limits) {
    this.#limits = limits;
  }

  /** How many clients are pinned on this process right now. */
  get size(): number {
    return this.#sessions.size;
  }

  /**
   * Opens a session on a fresh stream for `client` (its address), unless a
   * limit refuses it; the session is removed, and its slot freed, when the
   * stream closes. Here a stream and a session are one thing, so each is
   * counted against both kinds of limit: per client `maxStreamsPerClient` and
   * `maxSessionsPerClient`, in all `maxSessions`.
   */
  open(stream: ServerResponse, client: string, keepAliveMs: number): SessionOpening {
    const refused = this.#limitMet(client);
    if (refused) return { ok: false, refusal: limitRefusal(refused, this.#limits) };
    const session = new SseSession(stream, keepAliveMs, this.#limits.maxBufferedBytesPerStream);
    this.#sessions.set(session.id, session);
    const release = this.#perClient.take(client);
    stream.on('close', () => {
      this.#sessions.delete(session.id);
      release();
      session.end('stream closed');
    });
    return { ok: true, session };
  }

  /** The limit one more session for `client` would exceed: its own share first (429), then the server's (503). */
  #limitMet(
    client: string,
  ): 'maxStreamsPerClient' | 'maxSessionsPerClient' | 'maxSessions' | undefined {
    const held = this.#perClient.count(client);
    const { maxStreamsPerClient, maxSessionsPerClient, maxSessions } = this.#limits;
    if (held >= maxStreamsPerClient) return 'maxStreamsPerClient';
    if (held >= maxSessionsPerClient) return 'maxSessionsPerClient';
    if (this.#sessions.size >= maxSessions) return 'maxSessions';
    return undefined;
  }

  /**
   * The session with this id, if this process holds it. `undefined` is what a
   * POST meets after the stream closed, or at an instance that never had it: 404.
   */
  get(id: string): SseSession | undefined {
    return this.#sessions.get(id);
  }

  /** Ends every session, for shutdown. */
  endAll(reason: string): void {
    for (const session of this.#sessions.values()) session.end(reason);
  }
}
