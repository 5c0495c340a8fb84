/**
 * The event store of stage 03: every SSE event the server sends on a stream is
 * stored under an id first, so a client whose connection dropped can come back
 * with `Last-Event-ID` and receive exactly what it missed.
 *
 * Teaches: why a session id alone cannot resume a lost response, and event ids
 * can. The session says *who* the client is; only an event id says *where in
 * which stream* it stopped reading. Ids are unique across the whole session
 * and name their stream (`<streamId>/<sequence>`), so one id is enough to find
 * the stream and the position in it, and replay never crosses into another stream.
 * Implements: Streamable HTTP, revision 2025-11-25, "Resumability and Redelivery".
 * Read next: stream.ts, where events are written and replayed.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#resumability-and-redelivery
 * @module
 */
import type { JsonRpcMessage } from '../shared/protocol/jsonrpc.ts';

/** Names one SSE stream: a POST's answer stream or a session's standalone GET stream. */
export type StreamId = string;

/** Names one event: unique across all streams of a session, and it says which stream it belongs to. */
export type EventId = string;

/**
 * Where a server keeps the events it sent, for replay.
 *
 * @remarks The interface is the official SDK's (`storeEvent`, `replayEventsAfter`),
 * with one addition: {@link EventStore.streamIdOf}, so the server can check that
 * a `Last-Event-ID` names a stream of the requesting session *before* replaying.
 */
export interface EventStore {
  /**
   * Stores a message sent on a stream and returns its event id. `null` stores
   * a priming event: an id with no message, sent first so that even a stream
   * cut before its first message can be resumed.
   */
  storeEvent(streamId: StreamId, message: JsonRpcMessage | null): Promise<EventId>;
  /**
   * Sends, in order, every message stored after `lastEventId` on the same
   * stream (priming events carry nothing and are skipped).
   * @returns the stream the id belongs to, or `undefined` if the id is unknown
   *   (malformed, never issued, or already forgotten). Never `''`.
   * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/transports#resumability-and-redelivery
   */
  replayEventsAfter(
    lastEventId: EventId,
    send: (eventId: EventId, message: JsonRpcMessage) => Promise<void> | void,
  ): Promise<StreamId | undefined>;
  /**
   * The stream an event id belongs to, if this store issued that very id and
   * still holds every event after it (see {@link canResumeAfter}); otherwise
   * `undefined`, and the server refuses the resume before touching the stream.
   */
  streamIdOf(eventId: EventId): Promise<StreamId | undefined>;
  /** Forgets a stream's events: its session ended. */
  deleteStream(streamId: StreamId): Promise<void>;
}

/**
 * How many events one stream keeps. A 100-page search sends 101 messages, so
 * 1,000 leaves room; a stream that sends more loses its oldest events, and a
 * client that resumes from before them gets an "unknown event id" answer
 * instead of a silent gap.
 */
export const MAX_EVENTS_PER_STREAM = 1_000;

interface StoredStream {
  /** Sequence number of `events[0]`. */
  firstSequence: number;
  events: Array<JsonRpcMessage | null>;
}

/**
 * An {@link EventStore} in this process's memory, bounded per stream
 * ({@link MAX_EVENTS_PER_STREAM}). The server deletes a stream when its session
 * ends or a while after its answer was sent (`stream.ts`), which bounds it in time.
 *
 * @remarks In one process only: an instance behind a load balancer cannot
 * replay what another instance stored. Scale-out needs a shared store.
 *
 * @example
 * ```ts
 * const store = new InMemoryEventStore();
 * const first = await store.storeEvent('s1', null); // 's1/0', a priming event
 * await store.storeEvent('s1', { jsonrpc: '2.0', method: 'notifications/progress', params: {} });
 * await store.replayEventsAfter(first, (id, message) => console.log(id, message)); // 's1/1' …
 * ```
 */
export class InMemoryEventStore implements EventStore {
  readonly #streams = new Map<StreamId, StoredStream>();

  /** How many streams are stored: what the retention rules keep bounded. */
  get size(): number {
    return this.#streams.size;
  }

  storeEvent(streamId: StreamId, message: JsonRpcMessage | null): Promise<EventId> {
    let stream = this.#streams.get(streamId);
    if (!stream) {
      stream = { firstSequence: 0, events: [] };
      this.#streams.set(streamId, stream);
    }
    stream.events.push(message);
    if (stream.events.length > MAX_EVENTS_PER_STREAM) {
      stream.events.shift();
      stream.firstSequence += 1;
    }
    return Promise.resolve(eventId(streamId, stream.firstSequence + stream.events.length - 1));
  }

  async replayEventsAfter(
    lastEventId: EventId,
    send: (eventId: EventId, message: JsonRpcMessage) => Promise<void> | void,
  ): Promise<StreamId | undefined> {
    const position = this.#resumable(lastEventId);
    const stream = position && this.#streams.get(position.streamId);
    if (!position || !stream) return undefined;
    const last = stream.firstSequence + stream.events.length - 1;
    for (let sequence = position.sequence + 1; sequence <= last; sequence += 1) {
      const message = stream.events[sequence - stream.firstSequence];
      if (message) await send(eventId(position.streamId, sequence), message);
    }
    return position.streamId;
  }

  streamIdOf(eventId: EventId): Promise<StreamId | undefined> {
    return Promise.resolve(this.#resumable(eventId)?.streamId);
  }

  /** Where `id` points, if it is an id of this store that a replay can start after. */
  #resumable(id: EventId): EventPosition | undefined {
    const position = parseEventId(id);
    const stream = position && this.#streams.get(position.streamId);
    if (!position || !stream) return undefined;
    const last = stream.firstSequence + stream.events.length - 1;
    return canResumeAfter(position.sequence, stream.firstSequence, last) ? position : undefined;
  }

  deleteStream(streamId: StreamId): Promise<void> {
    this.#streams.delete(streamId);
    return Promise.resolve();
  }
}

/**
 * Makes an event id: `<streamId>/<sequence>`. The stream id never contains
 * `/`, so the last `/` splits them again ({@link parseEventId}).
 */
export function eventId(streamId: StreamId, sequence: number): EventId {
  return `${streamId}/${sequence}`;
}

/** Where an event id points: a stream, and a place in it. */
export interface EventPosition {
  /** The stream the event was sent on. */
  streamId: StreamId;
  /** Its number in that stream: replay sends what comes after it. */
  sequence: number;
}

/**
 * A sequence number exactly as {@link eventId} writes one: `0`, `1`, `42`.
 * No sign, no leading zero, no exponent, no hex, no spaces: `Number()` would
 * read `0x1`, `1e1`, ` 1` and `01` as numbers, and a client could then name
 * one event in many ways, or events that were never sent.
 */
const CANONICAL_SEQUENCE = /^(0|[1-9][0-9]*)$/;

/**
 * Splits an event id into stream and sequence.
 * @returns `undefined` for anything not in the form this module mints.
 */
export function parseEventId(id: EventId): EventPosition | undefined {
  const slash = id.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const digits = id.slice(slash + 1);
  if (!CANONICAL_SEQUENCE.test(digits)) return undefined;
  const sequence = Number(digits);
  if (!Number.isSafeInteger(sequence)) return undefined;
  return { streamId: id.slice(0, slash), sequence };
}

/**
 * True when a replay may start after event `sequence` of a stream that still
 * holds events `first` to `last`: the event was sent (not past `last`, so no
 * empty replay for an event that never was), and nothing after it has been
 * forgotten (not before `first - 1`, so no silent gap). Every event store
 * answers a `Last-Event-ID` by this rule.
 */
export function canResumeAfter(sequence: number, first: number, last: number): boolean {
  return sequence >= first - 1 && sequence <= last;
}
