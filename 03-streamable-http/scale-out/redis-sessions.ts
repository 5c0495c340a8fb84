/**
 * Stage 03's sessions in Redis, so that any instance behind a round-robin
 * load balancer can serve any session.
 *
 * Teaches: which parts of a session can be shared and which cannot. What
 * `initialize` agreed is data: a Redis hash, with a TTL that every request
 * renews (idle sessions expire by themselves). A running tool call is not
 * data: it is a promise on one instance, with an AbortController. So the
 * messages that must reach it travel: `notifications/cancelled` and `DELETE`
 * are published on a Redis channel that every instance listens to, and the
 * instance running the work stops it. Each instance renews an owner key with
 * a short TTL while it lives; when the key expires, the others know that the
 * streams it was writing will never be answered.
 *
 * Redis layout (all keys under `mcp:`):
 * - `mcp:session:<id>`: hash of the handshake (version, capabilities, client info); TTL = idle timeout.
 * - `mcp:session:<id>:streams`: hash from stream id to `{ owner, requestId }`: which streams the
 *   session may resume, which instance writes each, and which request each answers.
 * - `mcp:stream:<streamId>`: the stream's events (redis-event-store.ts).
 * - `mcp:instance:<id>`: the owner key, renewed every third of its TTL while the instance lives.
 * - channel `mcp:sessions`: `{ kind: 'cancel' | 'end', session, … }` for every instance.
 *
 * Implements: Streamable HTTP, revisions 2025-03-26 to 2025-11-25, "Session
 * Management" and "Resumability and Redelivery", on several instances.
 * Read next: ../../docs/06-scale-out.md, the chapter; cluster.ts to run it.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#session-management
 * @module
 */
import { randomUUID } from 'node:crypto';
import { HandshakeState } from '../../shared/protocol/handshake-state.ts';
import { isPlainObject, type RequestId } from '../../shared/protocol/jsonrpc.ts';
import { isHandshakeVersion } from '../../shared/protocol/versions.ts';
import type { StreamId } from '../event-store.ts';
import { FollowedStream } from './followed-stream.ts';
import { connectRedis, whileReachable, type RedisConnection } from './redis-connection.ts';
import { RedisEventStore, streamKey } from './redis-event-store.ts';
import {
  mintSessionId,
  Session,
  SESSION_IDLE_TIMEOUT_MS,
  sessionLimitMet,
  type Resumable,
  type SessionOpened,
  type SessionStore,
} from '../sessions.ts';
import { HeldCounts } from '../../shared/held-counts.ts';
import type { Limits } from '../../shared/limits.ts';
import type { ResumableStream } from '../stream.ts';

/**
 * How long an instance's owner key lives without renewal. A resumed stream
 * whose writer died ends with an error within about this long.
 */
export const OWNER_TTL_MS = 3_000;

/** The channel every instance listens to for cancellations and session ends. */
const CONTROL_CHANNEL = 'mcp:sessions';

/** A message on {@link CONTROL_CHANNEL}. */
type ControlMessage =
  | { kind: 'cancel'; session: string; requestId: RequestId; reason: string }
  | { kind: 'end'; session: string; reason: string };

/** Where a stream of the session is written, and for which request. */
interface StreamOwner {
  owner: string;
  requestId?: RequestId;
}

/** Options for {@link openRedisState}. */
export interface RedisStateOptions {
  /** How long a session lives without a request. */
  idleTimeoutMs?: number;
  /** How long a stream's events outlive its last event. */
  retentionMs: number;
  /** See {@link OWNER_TTL_MS}. */
  ownerTtlMs?: number;
  /** How often a followed stream's idle connection gets a comment line. */
  keepAliveMs: number;
  /** Bytes a followed stream's connection may leave unread (`maxBufferedBytesPerStream` by default). */
  maxBufferedBytes?: number;
  /** Told once per Redis outage. */
  onError: (error: unknown) => void;
}

/** The shared state of one instance: sessions and events in Redis. */
export interface RedisState {
  /** Sessions, shared through Redis. */
  sessions: RedisSessionStore;
  /** Events, in Redis Streams. */
  eventStore: RedisEventStore;
  /** Ends this instance's share: local work stops, its owner key goes, the connections close. */
  close(): Promise<void>;
}

/**
 * Connects to Redis and opens the session store and event store one instance uses.
 *
 * @example
 * ```ts
 * const { sessions, eventStore } = await openRedisState('redis://127.0.0.1:6379', {
 *   retentionMs: 5 * 60_000, keepAliveMs: 15_000, onError: console.error,
 * });
 * const server = await createStreamableHttpServer({ port: 0, sessionStore: sessions, eventStore });
 * ```
 */
export async function openRedisState(url: string, options: RedisStateOptions): Promise<RedisState> {
  const redis = await connectRedis(url, options.onError);
  const eventStore = new RedisEventStore(redis, { retentionMs: options.retentionMs });
  const sessions = new RedisSessionStore(redis, eventStore, options);
  await sessions.start();
  return {
    sessions,
    eventStore,
    async close() {
      await sessions.close();
      redis.destroy();
    },
  };
}

/**
 * A {@link SessionStore} in Redis. Each instance keeps a `Session` object per
 * session it serves (its running requests and streams), built from the hash.
 */
export class RedisSessionStore implements SessionStore {
  /** This instance's name in owner keys. */
  readonly instanceId = randomUUID();
  readonly #redis: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #events: RedisEventStore;
  readonly #idleTimeoutMs: number;
  readonly #ownerTtlMs: number;
  readonly #keepAliveMs: number;
  readonly #maxBufferedBytes: number | undefined;
  readonly #local = new Map<string, RedisSession>();
  #heartbeat: NodeJS.Timeout | undefined;
  /**
   * Sessions opened on this instance, by client address, and each one's slot.
   * The counts are this instance's only: a client spread over N instances by
   * the load balancer may hold N times `maxSessionsPerClient`. A cluster-wide
   * count would need the count itself in Redis (an `INCR`/`DECR` per client
   * key, decremented on DELETE and on expiry, which Redis does not announce:
   * keyspace notifications or a sorted set of expiry times swept by every
   * instance), and one more round trip on every `initialize`.
   */
  readonly #held = new HeldCounts();
  readonly #slots = new Map<string, { client: string; release: () => void }>();
  /** Resumes this instance served for streams another instance writes. */
  streamsFollowed = 0;

  constructor(
    redis: RedisConnection,
    events: RedisEventStore,
    options: Pick<
      RedisStateOptions,
      'idleTimeoutMs' | 'ownerTtlMs' | 'keepAliveMs' | 'maxBufferedBytes'
    >,
  ) {
    this.#redis = redis;
    // Subscribing takes a connection over: it gets its own.
    this.#subscriber = redis.duplicate();
    this.#subscriber.on('error', () => {}); // the shared connection already reports outages
    this.#events = events;
    this.#idleTimeoutMs = options.idleTimeoutMs ?? SESSION_IDLE_TIMEOUT_MS;
    this.#ownerTtlMs = options.ownerTtlMs ?? OWNER_TTL_MS;
    this.#keepAliveMs = options.keepAliveMs;
    this.#maxBufferedBytes = options.maxBufferedBytes;
  }

  /** Sessions this instance holds a `Session` object for (not all sessions in Redis). */
  get size(): number {
    return this.#local.size;
  }

  /** Listens for cancellations and session ends, and starts renewing the owner key. */
  async start(): Promise<void> {
    await this.#subscriber.connect();
    await this.#subscriber.subscribe(CONTROL_CHANNEL, (text) => this.#onControl(text));
    await this.#beat();
    this.#heartbeat = setInterval(() => void this.#beat(), this.#ownerTtlMs / 3);
    this.#heartbeat.unref();
  }

  async open(handshake: HandshakeState, client: string, limits: Limits): Promise<SessionOpened> {
    let limit = sessionLimitMet(this.#held, client, limits);
    if (limit) {
      // Redis expires idle sessions without telling anyone: give back their slots, then count again.
      await this.#forgetExpired(limit === 'maxSessions' ? undefined : client);
      limit = sessionLimitMet(this.#held, client, limits);
    }
    if (limit) return { ok: false, limit };
    const release = this.#held.take(client); // before any await: two opens cannot share a slot
    try {
      const session = await this.create(handshake);
      this.#slots.set(session.id, { client, release });
      return { ok: true, session };
    } catch (error) {
      release();
      throw error;
    }
  }

  async create(handshake: HandshakeState): Promise<Session> {
    const session = new RedisSession(handshake, mintSessionId(), this);
    const key = sessionKey(session.id);
    // Serialised before Redis is asked: a value that cannot be serialised is no outage.
    const fields = {
      protocolVersion: handshake.protocolVersion,
      clientCapabilities: JSON.stringify(handshake.clientCapabilities),
      clientInfo: JSON.stringify(handshake.clientInfo ?? null),
    };
    await whileReachable(() =>
      this.#redis.multi().hSet(key, fields).pExpire(key, this.#idleTimeoutMs).execTyped(),
    );
    this.#local.set(session.id, session);
    return session;
  }

  async get(id: string): Promise<Session | undefined> {
    // One round trip: renew both keys, and read the handshake in case this instance has not seen the session.
    const [renewed, , stored] = await whileReachable(() =>
      this.#redis
        .multi()
        .pExpire(sessionKey(id), this.#idleTimeoutMs)
        .pExpire(streamsKey(id), this.#idleTimeoutMs)
        .hGetAll(sessionKey(id))
        .execTyped(),
    );
    const local = this.#local.get(id);
    if (renewed !== 1) {
      // Ended or expired elsewhere: whatever this instance still holds for it goes too.
      this.#releaseSlot(id);
      this.#local.delete(id);
      await local?.end('session expired');
      return undefined;
    }
    if (local) {
      local.lastActive = Date.now();
      return local;
    }
    const session = new RedisSession(handshakeFrom(stored), id, this);
    this.#local.set(id, session);
    return session;
  }

  async cancel(session: Session, requestId: RequestId, reason: string): Promise<void> {
    // Published, not aborted here: the request may be running on any instance, this one included.
    await this.#publish({ kind: 'cancel', session: session.id, requestId, reason });
  }

  async delete(id: string, reason: string): Promise<void> {
    const streams = await whileReachable(() => this.#redis.hKeys(streamsKey(id)));
    await whileReachable(() =>
      this.#redis.del([sessionKey(id), streamsKey(id), ...streams.map(streamKey)]),
    );
    this.#releaseSlot(id);
    await this.#endLocal(id, reason);
    await this.#publish({ kind: 'end', session: id, reason });
  }

  /**
   * Leaves the cluster: the owner key goes (streams this instance wrote are
   * now known to be without a writer) and streams it followed close. The
   * sessions are not ended: they live on in Redis for the other instances.
   */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    await this.#redis.del(instanceKey(this.instanceId)).catch(() => {});
    for (const session of this.#local.values()) session.stopFollowing('server closing');
    this.#local.clear();
    this.#subscriber.destroy();
  }

  // ── For RedisSession ──

  /** Records that this instance writes `streamId` for the session. */
  async recordStream(sessionId: string, streamId: StreamId, requestId?: RequestId): Promise<void> {
    const owner: StreamOwner = {
      owner: this.instanceId,
      ...(requestId === undefined ? {} : { requestId }),
    };
    const key = streamsKey(sessionId);
    await whileReachable(() =>
      this.#redis
        .multi()
        .hSet(key, streamId, JSON.stringify(owner))
        .pExpire(key, this.#idleTimeoutMs)
        .exec(),
    );
  }

  /** Forgets a closed stream; if Redis is down, the session's TTL cleans up instead. */
  forgetStream(sessionId: string, streamId: StreamId): void {
    this.#redis.hDel(streamsKey(sessionId), streamId).catch(() => {});
  }

  /**
   * A stream of the session that another instance writes, or `undefined` when
   * it is not the session's. `sessionEnded` closes the follower's connection.
   */
  async follow(
    sessionId: string,
    streamId: StreamId,
    sessionEnded: AbortSignal,
  ): Promise<Resumable | undefined> {
    const stored = await whileReachable(() => this.#redis.hGet(streamsKey(sessionId), streamId));
    if (!stored) return undefined;
    const { owner, requestId } = JSON.parse(stored) as StreamOwner;
    this.streamsFollowed += 1;
    return new FollowedStream(this.#events, {
      streamId,
      requestId,
      writerAlive: async () => (await this.#redis.exists(instanceKey(owner))) === 1,
      sessionEnded,
      keepAliveMs: this.#keepAliveMs,
      ...(this.#maxBufferedBytes === undefined ? {} : { maxBufferedBytes: this.#maxBufferedBytes }),
    });
  }

  // ── Internals ──

  async #publish(message: ControlMessage): Promise<void> {
    await whileReachable(() => this.#redis.publish(CONTROL_CHANNEL, JSON.stringify(message)));
  }

  #onControl(text: string): void {
    let message: ControlMessage;
    try {
      message = JSON.parse(text) as ControlMessage;
    } catch {
      return; // not ours: anyone who can reach Redis can publish on the channel
    }
    if (message.kind === 'end') this.#releaseSlot(message.session); // opened here, ended elsewhere
    const session = this.#local.get(message.session);
    if (!session) return;
    if (message.kind === 'cancel')
      session.handshake.inFlight.cancel(message.requestId, message.reason);
    else void this.#endLocal(message.session, message.reason);
  }

  /** Gives back the slot of a session opened on this instance, if it was. */
  #releaseSlot(id: string): void {
    this.#slots.get(id)?.release();
    this.#slots.delete(id);
  }

  /**
   * Gives back the slots of sessions opened here (by `client`, or by anyone)
   * whose hash Redis no longer has: they expired, and nobody said so.
   */
  async #forgetExpired(client: string | undefined): Promise<void> {
    const ids = [...this.#slots]
      .filter(([, slot]) => client === undefined || slot.client === client)
      .map(([id]) => id);
    if (ids.length === 0) return;
    const check = this.#redis.multi();
    for (const id of ids) check.exists(sessionKey(id));
    const exists = await whileReachable(() => check.execTyped());
    ids.forEach((id, index) => {
      if (exists[index] === 0) this.#releaseSlot(id);
    });
  }

  async #endLocal(id: string, reason: string): Promise<void> {
    const session = this.#local.get(id);
    this.#local.delete(id);
    await session?.end(reason);
  }

  /**
   * Every third of the owner TTL: renew the owner key, keep sessions with
   * work running here from expiring, and drop idle `Session` objects (only
   * this instance's copy: the session itself lives on in Redis).
   */
  async #beat(): Promise<void> {
    const busy: string[] = [];
    for (const session of this.#local.values()) {
      if (session.handshake.inFlight.size > 0 || session.streams.size > 0) busy.push(session.id);
      else if (Date.now() - session.lastActive > this.#ownerTtlMs) this.#local.delete(session.id);
    }
    const renew = this.#redis.multi().set(instanceKey(this.instanceId), '1', {
      expiration: { type: 'PX', value: this.#ownerTtlMs },
    });
    for (const id of busy) {
      // Both keys, as a request renews them: a long call must not outlive its list of streams.
      renew
        .pExpire(sessionKey(id), this.#idleTimeoutMs)
        .pExpire(streamsKey(id), this.#idleTimeoutMs);
    }
    await renew.exec().catch(() => {}); // Redis down: the connection reports it; try again next beat
  }
}

/** A session as one instance holds it: its own streams and requests, and followers for the rest. */
class RedisSession extends Session {
  readonly #store: RedisSessionStore;
  readonly #following = new AbortController();

  constructor(handshake: HandshakeState, id: string, store: RedisSessionStore) {
    super(handshake, id);
    this.#store = store;
  }

  override async addStream(stream: ResumableStream, requestId?: RequestId): Promise<void> {
    await this.#store.recordStream(this.id, stream.id, requestId);
    await super.addStream(stream, requestId);
  }

  override removeStream(streamId: StreamId): void {
    super.removeStream(streamId);
    this.#store.forgetStream(this.id, streamId);
  }

  override async findStream(streamId: StreamId): Promise<Resumable | undefined> {
    return (
      (await super.findStream(streamId)) ??
      this.#store.follow(this.id, streamId, this.#following.signal)
    );
  }

  /** Closes the streams this instance follows for the session (they are written elsewhere). */
  stopFollowing(reason: string): void {
    this.#following.abort(reason);
  }

  override async end(reason: string): Promise<void> {
    this.stopFollowing(reason);
    await super.end(reason);
  }
}

function sessionKey(id: string): string {
  return `mcp:session:${id}`;
}

function streamsKey(id: string): string {
  return `mcp:session:${id}:streams`;
}

function instanceKey(id: string): string {
  return `mcp:instance:${id}`;
}

/** Rebuilds what `initialize` agreed from the session hash. */
function handshakeFrom(stored: Record<string, string>): HandshakeState {
  const version = stored.protocolVersion;
  const handshake = new HandshakeState(isHandshakeVersion(version) ? version : undefined);
  const capabilities: unknown = JSON.parse(stored.clientCapabilities ?? '{}');
  const clientInfo: unknown = JSON.parse(stored.clientInfo ?? 'null');
  handshake.negotiated(
    handshake.protocolVersion,
    capabilities,
    isPlainObject(clientInfo) ? clientInfo : undefined,
  );
  return handshake;
}
