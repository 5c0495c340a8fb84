/**
 * Stage 03's event store in Redis: every stream's events in a Redis Stream,
 * so any instance behind the load balancer can replay what another instance
 * sent, and follow it live.
 *
 * Teaches: that resumption across instances needs nothing new on the wire.
 * The client still sends `Last-Event-ID`; only where the events live changes.
 * Each MCP stream is one Redis Stream (`mcp:stream:<streamId>`). Redis numbers
 * its entries itself (`XADD … 0-*` gives `0-1`, `0-2`, …), and the event id is
 * `<streamId>/<number>`, exactly as in memory: unique across the session, and
 * naming its stream. Replay is a range read after that number (`XRANGE`); the
 * live tail is a blocking read (`XREAD BLOCK`) that wakes as soon as the
 * instance running the tool appends the next event.
 * Implements: Streamable HTTP, revision 2025-11-25, "Resumability and Redelivery",
 * for several server instances.
 * Read next: followed-stream.ts (serving a stream another instance writes),
 * then redis-sessions.ts.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#resumability-and-redelivery
 * @module
 */
import { isResponse, type JsonRpcMessage } from '../../shared/protocol/jsonrpc.ts';
import {
  canResumeAfter,
  eventId,
  MAX_EVENTS_PER_STREAM,
  parseEventId,
  type EventId,
  type EventPosition,
  type EventStore,
  type StreamId,
} from '../event-store.ts';
import { whileReachable, type RedisConnection } from './redis-connection.ts';

/** How long one blocking read waits before the follower checks that the stream's writer is alive. */
export const FOLLOW_BLOCK_MS = 500;

/** Why following a stream stopped. */
export type FollowOutcome =
  /** The stream's response was sent: the stream is complete. */
  | 'answered'
  /** The instance writing the stream stopped before the response: it will never come. */
  | 'writer-lost'
  /** The stream's events are gone (its session ended, or they expired). */
  | 'gone'
  /** The caller stopped following (the client's connection closed). */
  | 'stopped';

/** Options for {@link RedisEventStore.followEventsAfter}. */
export interface FollowOptions {
  /** Stops following: the client's connection closed, or its session ended. */
  signal: AbortSignal;
  /** Asked whenever a blocking read waited in vain: is the instance writing this stream alive? */
  writerAlive: () => Promise<boolean>;
}

/** Receives each event replayed or followed, in order: {@link EventStore.replayEventsAfter}'s callback. */
export type SendEvent = (eventId: EventId, message: JsonRpcMessage) => Promise<void> | void;

/** The Redis key of one stream's events. */
export function streamKey(streamId: StreamId): string {
  return `mcp:stream:${streamId}`;
}

/**
 * An {@link EventStore} in Redis, shared by every instance.
 *
 * @remarks Bounded like the in-memory one: at most
 * {@link MAX_EVENTS_PER_STREAM} events per stream (`XADD … MAXLEN`), and a
 * stream nobody writes to for `retentionMs` expires. A session's streams are
 * deleted when it ends (`redis-sessions.ts`).
 *
 * @example
 * ```ts
 * const events = new RedisEventStore(redis, { retentionMs: 5 * 60_000 });
 * const first = await events.storeEvent('s1', null); // 's1/1', a priming event
 * // On any instance, later: replay what came after it, then wait for more.
 * await events.followEventsAfter(first, send, { signal, writerAlive });
 * ```
 */
export class RedisEventStore implements EventStore {
  readonly #redis: RedisConnection;
  readonly #retentionMs: number;

  /** @param options.retentionMs how long a stream's events outlive its last write. */
  constructor(redis: RedisConnection, options: { retentionMs: number }) {
    this.#redis = redis;
    this.#retentionMs = options.retentionMs;
  }

  async storeEvent(streamId: StreamId, message: JsonRpcMessage | null): Promise<EventId> {
    const key = streamKey(streamId);
    const [entryId] = await whileReachable(() =>
      this.#redis
        .multi()
        // `0-*`: Redis picks the next number, so even two writers never reuse an id.
        .xAdd(
          key,
          '0-*',
          { message: message ? JSON.stringify(message) : '' },
          { TRIM: { strategy: 'MAXLEN', strategyModifier: '=', threshold: MAX_EVENTS_PER_STREAM } },
        )
        .pExpire(key, this.#retentionMs)
        .execTyped(),
    );
    return eventId(streamId, sequenceOf(entryId));
  }

  async replayEventsAfter(lastEventId: EventId, send: SendEvent): Promise<StreamId | undefined> {
    const position = await this.#resumable(lastEventId);
    if (!position) return undefined;
    const key = streamKey(position.streamId);
    const entries = await whileReachable(() =>
      this.#redis.xRange(key, `(0-${position.sequence}`, '+'),
    );
    await sendUntilAnswered(position.streamId, entries ?? [], send);
    return position.streamId;
  }

  async streamIdOf(id: EventId): Promise<StreamId | undefined> {
    return (await this.#resumable(id))?.streamId;
  }

  /**
   * Where `id` points, if it is an event id of a stream Redis holds that a
   * replay can start after ({@link canResumeAfter}, the in-memory store's rule).
   */
  async #resumable(id: EventId): Promise<EventPosition | undefined> {
    const position = parseEventId(id);
    if (!position) return undefined;
    const key = streamKey(position.streamId);
    const [oldest, newest] = await whileReachable(() =>
      Promise.all([
        this.#redis.xRange(key, '-', '+', { COUNT: 1 }),
        this.#redis.xRevRange(key, '+', '-', { COUNT: 1 }),
      ]),
    );
    const first = oldest?.[0];
    const last = newest?.[0];
    if (!first || !last) return undefined;
    return canResumeAfter(position.sequence, sequenceOf(first.id), sequenceOf(last.id))
      ? position
      : undefined;
  }

  async deleteStream(streamId: StreamId): Promise<void> {
    await whileReachable(() => this.#redis.del(streamKey(streamId)));
  }

  /**
   * Replays everything after `lastEventId`, then keeps sending new events as
   * their writer (any instance) appends them, until the stream's response.
   * A stream's first response ends it: anything appended after it (a late
   * result racing an "instance lost" error) is never delivered.
   *
   * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#resumability-and-redelivery
   */
  async followEventsAfter(
    lastEventId: EventId,
    send: SendEvent,
    options: FollowOptions,
  ): Promise<FollowOutcome> {
    let sequence = parseEventId(lastEventId)?.sequence ?? 0;
    let answered = false;
    const track: SendEvent = async (id, message) => {
      sequence = parseEventId(id)!.sequence;
      answered ||= isResponse(message);
      await send(id, message);
    };
    const streamId = await this.replayEventsAfter(lastEventId, track);
    if (streamId === undefined) return 'gone';
    if (answered) return 'answered';

    const key = streamKey(streamId);
    // A blocking read holds its connection until it returns: each follower gets its own.
    const reader = this.#redis.duplicate();
    reader.on('error', () => {}); // the shared connection already reports outages
    const stop = (): void => reader.destroy();
    options.signal.addEventListener('abort', stop, { once: true });
    try {
      await reader.connect();
      /** Reads what came after `sequence`; an outcome once following is over. */
      const readAfter = async (block: boolean): Promise<FollowOutcome | undefined> => {
        const reply = (await reader.xRead(
          { key, id: `0-${sequence}` },
          block ? { BLOCK: FOLLOW_BLOCK_MS } : {},
        )) as Array<{ messages: StreamEntry[] }> | null;
        const entries = reply?.[0]?.messages ?? [];
        if (entries.length > 0) {
          await sendUntilAnswered(streamId, entries, track);
          return answered ? 'answered' : undefined;
        }
        if (!block) return undefined;
        // Waited in vain: is anyone still writing this stream?
        if (!(await this.#redis.exists(key))) return 'gone';
        if (await options.writerAlive()) return undefined;
        await readAfter(false); // what it wrote just before it died
        return answered ? 'answered' : 'writer-lost';
      };
      let outcome: FollowOutcome | undefined;
      while (!outcome && !options.signal.aborted) outcome = await readAfter(true);
      return outcome ?? 'stopped';
    } catch (error) {
      if (options.signal.aborted) return 'stopped';
      throw error;
    } finally {
      options.signal.removeEventListener('abort', stop);
      if (reader.isOpen) reader.destroy();
    }
  }
}

/** An entry as `@redis/client` returns it from XRANGE and XREAD. */
interface StreamEntry {
  id: string;
  message: Record<string, string>;
}

/** Sends entries in order, skipping priming events, and stops after the first response. */
async function sendUntilAnswered(
  streamId: StreamId,
  entries: readonly StreamEntry[],
  send: SendEvent,
): Promise<void> {
  for (const entry of entries) {
    const data = entry.message.message;
    if (!data) continue; // a priming event: an id with nothing to deliver
    const message = JSON.parse(data) as JsonRpcMessage;
    await send(eventId(streamId, sequenceOf(entry.id)), message);
    if (isResponse(message)) return;
  }
}

/** Redis entry id `0-<n>` → n. */
function sequenceOf(entryId: string): number {
  return Number(entryId.slice(entryId.indexOf('-') + 1));
}
