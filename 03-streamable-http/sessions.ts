/**
 * Sessions of stage 03 in the handshake era: how `Mcp-Session-Id` is minted,
 * looked up, expired and deleted, and what a session holds.
 *
 * Teaches: what a session is for, and what it is not. It ties the requests of
 * one client together: the version `initialize` negotiated, the requests that
 * `notifications/cancelled` may name, the streams a `Last-Event-ID` may resume.
 * It is not a delivery guarantee (event ids are) and never authentication.
 * Unlike stage 02, a session does not live and die with a connection: it ends
 * on `DELETE`, or when it has been idle too long.
 * Implements: Streamable HTTP, revisions 2025-03-26 to 2025-11-25, "Session Management".
 * Read next: stream.ts, then server.ts.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { HandshakeState } from '../shared/protocol/handshake-state.ts';
import type { RequestId } from '../shared/protocol/jsonrpc.ts';
import type { Limits } from '../shared/limits.ts';
import type { StreamId } from './event-store.ts';
import { HeldCounts } from '../shared/held-counts.ts';
import { ResumableStream, type StreamOptions } from './stream.ts';

/**
 * A new session id. [spec] It "SHOULD be globally unique and cryptographically
 * secure", and "MUST only contain visible ASCII characters": a random UUID is both.
 */
export function mintSessionId(): string {
  return randomUUID();
}

/** The form {@link mintSessionId} gives: a version 4 UUID, lower case. */
const MINTED_SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * True for an id this server could have minted. Anything else names no
 * session, so it is answered 404 without asking a store: an id is also part of
 * store keys (`mcp:session:<id>` in Redis), and `<real id>:streams` must not
 * reach another key of the real session.
 */
export function isMintedSessionId(id: string): boolean {
  return MINTED_SESSION_ID.test(id);
}

/** A stream a `Last-Event-ID` can resume: replay what was missed, then go on live. */
export type Resumable = Pick<ResumableStream, 'resume'>;

/**
 * One client's session, as this process holds it.
 *
 * @remarks With a shared store (`redis-sessions.ts`) every instance holds its
 * own `Session` for the same id: the agreed handshake is read from the store,
 * while the streams and the running requests are this instance's own.
 */
export class Session {
  /** The `Mcp-Session-Id`. */
  readonly id: string;
  /** What `initialize` agreed. */
  readonly handshake: HandshakeState;
  /** The SSE streams this process writes for the session, by id. */
  readonly streams = new Map<StreamId, ResumableStream>();
  /** The standalone stream opened by `GET`, for messages unrelated to any request (see {@link Session.openStandalone}). */
  standalone: ResumableStream | undefined;
  /** When a request last arrived; idle sessions expire. */
  lastActive = Date.now();
  #ended = false;
  readonly #finished: ResumableStream[] = [];

  /** @param id from {@link mintSessionId}. */
  constructor(handshake: HandshakeState, id: string = mintSessionId()) {
    this.handshake = handshake;
    this.id = id;
  }

  /** True once the session ended (DELETE, expiry, shutdown): nothing more runs in it. */
  get ended(): boolean {
    return this.#ended;
  }

  /**
   * Opens a resumable stream of this session on `res`, the answer to request
   * `requestId`. The session records it (only its own streams may be resumed
   * with its id) and forgets it once it is closed for good.
   */
  async openStream(
    res: ServerResponse,
    options: Omit<StreamOptions, 'onClosed'>,
    requestId: RequestId,
  ): Promise<ResumableStream> {
    const stream: ResumableStream = new ResumableStream({
      ...options,
      onClosed: () => this.removeStream(stream.id),
    });
    await this.addStream(stream, requestId);
    await stream.open(res);
    return stream;
  }

  /**
   * Opens the session's standalone stream on `res` (a GET without
   * `Last-Event-ID`). A session has one: a second GET takes it over, on its new
   * connection, instead of opening another, so a message the server starts is
   * never split between two streams and the session holds one stream, not one
   * per GET a client forgot to close.
   */
  async openStandalone(
    res: ServerResponse,
    options: Omit<StreamOptions, 'onClosed'>,
  ): Promise<void> {
    if (!this.standalone) {
      const standalone: ResumableStream = new ResumableStream({
        ...options,
        onClosed: () => {
          this.removeStream(standalone.id);
          this.standalone = undefined;
        },
      });
      this.standalone = standalone;
      await this.addStream(standalone);
    }
    await this.standalone.open(res);
  }

  /**
   * Records a stream as this session's: only the session's own streams may be
   * resumed with its id. `requestId` names the request the stream answers
   * (none for the standalone GET stream).
   */
  addStream(stream: ResumableStream, _requestId?: RequestId): Promise<void> {
    // In one process the stream object is all a resume needs; a shared store also records the request.
    this.streams.set(stream.id, stream);
    return Promise.resolve();
  }

  /** Forgets a stream that was closed for good. */
  removeStream(streamId: StreamId): void {
    this.streams.delete(streamId);
  }

  /** The stream of this session a `Last-Event-ID` names, or `undefined`: it belongs to another session, or is gone. */
  findStream(streamId: StreamId): Promise<Resumable | undefined> {
    return Promise.resolve(this.streams.get(streamId));
  }

  /**
   * Keeps a finished stream for a late resume, within the session's limits:
   * at most `maxFinishedStreamsPerSession` finished streams, and at most
   * `maxRetainedBytesPerSession` of stored events over all the session's
   * streams. Over either, the oldest finished streams are forgotten first (a
   * resume from one of their events then gets "unknown id"); a stream still
   * running is never cut. A client comes back for the stream it just lost,
   * not for one from a thousand calls ago.
   */
  retainFinished(
    stream: ResumableStream,
    limits: Pick<Limits, 'maxFinishedStreamsPerSession' | 'maxRetainedBytesPerSession'>,
  ): void {
    this.#finished.push(stream);
    // Streams the retention time already closed are no longer the session's: they count for nothing.
    const kept = this.#finished.filter((finished) => this.streams.has(finished.id));
    this.#finished.splice(0, this.#finished.length, ...kept);
    let bytes = this.retainedBytes;
    while (
      this.#finished.length > 0 &&
      (this.#finished.length > limits.maxFinishedStreamsPerSession ||
        bytes > limits.maxRetainedBytesPerSession)
    ) {
      const oldest = this.#finished.shift()!;
      bytes -= oldest.retainedBytes;
      void oldest.close();
    }
  }

  /** Bytes of events this session's streams keep for a resume, on this process. */
  get retainedBytes(): number {
    let bytes = 0;
    for (const stream of this.streams.values()) bytes += stream.retainedBytes;
    return bytes;
  }

  /** Ends the session: running tools are aborted and every stream is closed and forgotten. */
  async end(reason: string): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.handshake.inFlight.abortAll(reason);
    await Promise.all([...this.streams.values()].map((stream) => stream.close()));
    this.streams.clear();
  }
}

/**
 * A request could not be served because a shared session store could not be
 * reached. Part of the store contract: the server answers it with 503 and a
 * JSON-RPC error, and the client may retry; the server needs to know nothing
 * of the store behind it (scale-out/redis-connection.ts throws it for Redis).
 */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super('Service Unavailable: the session store cannot be reached; retry shortly', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Where sessions are kept. The server looks every request's session up here.
 *
 * @remarks Behind a load balancer every instance must see the same sessions,
 * or a request that lands on another instance gets 404.
 */
export interface SessionStore {
  /**
   * Opens a session for what `initialize` agreed, unless the client at
   * `client` (its address) or the server already holds as many sessions as
   * `limits` allow. The slot is given back when the session ends (DELETE,
   * expiry, shutdown).
   */
  open(handshake: HandshakeState, client: string, limits: Limits): Promise<SessionOpened>;
  /** Opens a session without counting it against any limit: for tests and tools, not for clients. */
  create(handshake: HandshakeState): Promise<Session>;
  /**
   * The session with this id, its idle time renewed; `undefined` when unknown, ended or expired.
   * @throws {@link 03-streamable-http/sessions!StoreUnavailableError} when a shared store cannot be reached.
   */
  get(id: string): Promise<Session | undefined>;
  /**
   * `notifications/cancelled`: aborts the named request of the session,
   * wherever it runs (behind a load balancer, maybe on another instance).
   */
  cancel(session: Session, requestId: RequestId, reason: string): Promise<void>;
  /** Ends the session and forgets it; later requests with its id get 404. */
  delete(id: string, reason: string): Promise<void>;
  /** How many sessions this process holds. */
  readonly size: number;
}

/** What {@link SessionStore.open} did: opened a session, or met a limit. */
export type SessionOpened =
  { ok: true; session: Session } | { ok: false; limit: 'maxSessionsPerClient' | 'maxSessions' };

/**
 * The limit a new session from `client` would break, if any: the client's own
 * first (429: it can close a session of its own), then the server's total
 * (503: nothing the client did). One rule for every store.
 */
export function sessionLimitMet(
  held: HeldCounts,
  client: string,
  limits: Pick<Limits, 'maxSessionsPerClient' | 'maxSessions'>,
): 'maxSessionsPerClient' | 'maxSessions' | undefined {
  if (held.count(client) >= limits.maxSessionsPerClient) return 'maxSessionsPerClient';
  if (held.total >= limits.maxSessions) return 'maxSessions';
  return undefined;
}

/** Sessions idle longer than this (no request, no running tool, no open stream) are ended. */
export const SESSION_IDLE_TIMEOUT_MS = 30 * 60_000;

/**
 * A {@link SessionStore} in this process's memory.
 *
 * @remarks This map pins every client to the process that created its session:
 * another instance has never heard of it. That is fine for one process, and
 * the reason scale-out needs either sticky routing or a shared store.
 *
 * @example
 * ```ts
 * const sessions = new InMemorySessionStore();
 * const session = await sessions.create(new HandshakeState('2025-11-25'));
 * (await sessions.get(session.id)) === session; // true
 * await sessions.delete(session.id, 'client sent DELETE');
 * await sessions.get(session.id); // undefined: the server answers 404
 * ```
 */
export class InMemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, Session>();
  /** Sessions opened by each client address, and the release of each session's slot. */
  readonly #held = new HeldCounts();
  readonly #slots = new Map<string, () => void>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(idleTimeoutMs = SESSION_IDLE_TIMEOUT_MS) {
    this.#sweeper = setInterval(
      () => this.#expireIdle(idleTimeoutMs),
      Math.min(idleTimeoutMs, 60_000),
    );
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  async open(handshake: HandshakeState, client: string, limits: Limits): Promise<SessionOpened> {
    const limit = sessionLimitMet(this.#held, client, limits);
    if (limit) return { ok: false, limit };
    const release = this.#held.take(client); // taken before any await: two opens cannot share a slot
    const session = await this.create(handshake);
    this.#slots.set(session.id, release);
    return { ok: true, session };
  }

  create(handshake: HandshakeState): Promise<Session> {
    const session = new Session(handshake);
    this.#sessions.set(session.id, session);
    return Promise.resolve(session);
  }

  get(id: string): Promise<Session | undefined> {
    const session = this.#sessions.get(id);
    if (session) session.lastActive = Date.now();
    return Promise.resolve(session);
  }

  cancel(session: Session, requestId: RequestId, reason: string): Promise<void> {
    // In one process the request can only be running here.
    session.handshake.inFlight.cancel(requestId, reason);
    return Promise.resolve();
  }

  async delete(id: string, reason: string): Promise<void> {
    const session = this.#sessions.get(id);
    this.#sessions.delete(id);
    this.#slots.get(id)?.();
    this.#slots.delete(id);
    await session?.end(reason);
  }

  /** Ends every session, for shutdown. */
  async clear(reason: string): Promise<void> {
    clearInterval(this.#sweeper);
    await Promise.all([...this.#sessions.keys()].map((id) => this.delete(id, reason)));
  }

  #expireIdle(idleTimeoutMs: number): void {
    const cutoff = Date.now() - idleTimeoutMs;
    for (const session of this.#sessions.values()) {
      const busy =
        session.handshake.inFlight.size > 0 ||
        [...session.streams.values()].some((stream) => stream.connected);
      if (!busy && session.lastActive < cutoff) void this.delete(session.id, 'idle timeout');
    }
  }
}
